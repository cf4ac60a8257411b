"""Commands of the lab loop: ask for candidates, tell results."""

from __future__ import annotations

import argparse
from typing import Any, Sequence

from ..tell import TellError
from .common import open_campaign, print_table


def cmd_ask(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    campaign.validate()
    n = campaign.config.loop.batch_size if args.n is None else args.n
    template = args.csv or args.xlsx
    if n < 0 or (n == 0 and not template):
        raise ValueError(f"-n {n}: ask for at least 1 candidate (or -n 0 with --csv/--xlsx for a template of the "
                         "candidates waiting for the lab)")
    candidates = campaign.ask(n, template=template)
    if n > len(candidates):
        print(f"reserved {len(candidates)} of {n}: the budget of {campaign.config.loop.budget} is reached; raise "
              "loop.budget (with --force) to ask for more")
    rows = campaign.template_rows(candidates)
    if template:
        print(f"wrote {len(rows)} pending candidate(s) to {template}; fill in the result columns "
              "(units in brackets; other units such as mS/cm or K are converted if you change the bracket)")
    if not rows:
        print("no pending candidates")
        return 0
    print_table(rows, ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula"])
    return 0


def _parse_assignments(items: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    values: dict[str, float] = {}
    std: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise TellError(f"{item!r} is not NAME=VALUE")
        try:
            number = float(text)
        except ValueError:
            raise TellError(f"{name}: {text!r} is not a number") from None
        (std if name.endswith("_std") else values)[name.removesuffix("_std")] = number
    return values, std


def cmd_tell(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    campaign.validate()
    table = args.csv or args.xlsx
    if table:
        if args.id is not None or args.values:
            raise TellError("give either ID NAME=VALUE ... or --csv/--xlsx PATH, not both")
        n = campaign.tell_file(table, replace=args.replace)
        print(f"recorded {n} row(s) from {table}")
        return 0
    if args.id is None or not args.values:
        raise TellError("give ID NAME=VALUE ... (e.g. 3 log10_sigma_30C=-2.8) or --csv PATH")
    values, std = _parse_assignments(args.values)
    cand = campaign.tell(int(args.id), values, std=std or None, replace=args.replace)
    print(f"candidate {cand.id} ({cand.composition.formula}): recorded {', '.join(values)}; state {cand.state}")
    return 0


def register(add: Any) -> None:
    """Add these commands with ``add(name, func, help)`` (see `optimizer.cli.build_parser`)."""
    p = add("ask", cmd_ask, "reserve N pending candidates for evaluation by hand")
    p.add_argument("-n", type=int, default=None, help="how many (default: loop.batch_size)")
    p.add_argument("--csv", help="also write a template CSV to fill in (with the candidates waiting for the lab)")
    p.add_argument("--xlsx", help="the same template as an Excel file")
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")
    p = add("tell", cmd_tell, "record results: ID NAME=VALUE ... or --csv PATH")
    p.add_argument("id", nargs="?", type=int, help="candidate id")
    p.add_argument("values", nargs="*", help="NAME=VALUE (and NAME_std=VALUE) in the declared units")
    p.add_argument("--csv", help="CSV: id (or formula for new points), then one 'NAME [UNIT]' column per output")
    p.add_argument("--xlsx", help="the same as an Excel file")
    p.add_argument("--replace", action="store_true", help="supersede existing values (kept in history)")
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")

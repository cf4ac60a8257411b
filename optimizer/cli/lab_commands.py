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
    rows = campaign.template_rows(candidates, campaign.predictor())
    if template:
        print(f"wrote {len(rows)} pending candidate(s) to {template}; fill in the result columns "
              "(units in brackets; other units such as mS/cm or K are converted if you change the bracket; the "
              "'predicted' and 'model' columns are the model's notes and are not read back)")
    if not rows:
        print("no pending candidates")
        return 0
    print_table([_shown(row, campaign.problem.outputs) for row in rows],
                ["id", "formula", *campaign.problem.outputs, "P(feasible)", "why"])
    return 0


def _shown(row: dict[str, object], outputs: Sequence[str]) -> dict[str, object]:
    """A template row for the terminal: each output as 'mean ± std' predicted now."""
    shown: dict[str, object] = {"id": row["id"], "formula": row["formula"], "why": row.get("model: why")}
    for name in outputs:
        mean = next((v for k, v in row.items() if k.startswith(f"predicted {name} [")), None)
        std = next((v for k, v in row.items() if k.startswith(f"predicted {name}_std [")), None)
        shown[name] = None if mean is None else f"{mean:.3g} ± {std:.2g}"
    shown["P(feasible)"] = row.get("predicted P(feasible)")
    return shown


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
    if args.failed is not None:
        if args.id is None or args.values:
            raise TellError('give ID --failed "REASON" (no values: a failed synthesis has none)')
        cand = campaign.fail(int(args.id), args.failed)
        print(f"candidate {cand.id} ({cand.composition.formula}): recorded as failed ({args.failed}); the success "
              "model learns from it")
        return 0
    if args.id is None or not args.values:
        raise TellError("give ID NAME=VALUE ... (e.g. 3 log10_sigma_30C=-2.8), ID --failed REASON, or --csv PATH")
    values, std = _parse_assignments(args.values)
    cand = campaign.tell(int(args.id), values, std=std or None, replace=args.replace)
    print(f"candidate {cand.id} ({cand.composition.formula}): recorded {', '.join(values)}; state {cand.state}")
    return 0


def cmd_withdraw(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    campaign.validate()
    cand = campaign.withdraw(args.id, args.reason)
    print(f"candidate {cand.id} ({cand.composition.formula}) withdrawn ({args.reason}); its budget slot is free and "
          f"it will not be proposed again; {campaign.n_proposed()}/{campaign.config.loop.budget} candidates count "
          "against the budget")
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
    p.add_argument("--failed", metavar="REASON", help='the synthesis failed, e.g. "no glass formed" (no values)')
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")
    p = add("withdraw", cmd_withdraw, "withdraw a pending candidate before it is made (frees its budget slot)")
    p.add_argument("id", type=int, help="candidate id")
    p.add_argument("--reason", required=True, help='why, e.g. "precursor Li2S out of stock"')
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")

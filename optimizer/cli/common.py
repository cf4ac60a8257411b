"""Shared pieces of the commands: opening a campaign from the arguments, and plain-text tables."""

from __future__ import annotations

import argparse
from typing import Sequence

from ..campaign import Campaign
from ..oracle_factory import Runtime
from ..snapshot import CampaignSnapshot


def runtime(args: argparse.Namespace) -> Runtime:
    """Machine settings from the command line (never from the campaign file)."""
    return Runtime(device=getattr(args, "device", None) or "cpu", threads=getattr(args, "threads", None))


def open_campaign(args: argparse.Namespace) -> Campaign:
    return Campaign.from_yaml(args.file, runtime=runtime(args), force=getattr(args, "force", False))


def print_table(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> None:
    cells = [[fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def print_best(snap: CampaignSnapshot) -> None:
    """The feasible Pareto set (at most 10 rows), best first by the first objective."""
    from ..analysis import pareto_front

    problem = snap.problem
    front = pareto_front(snap.observations, problem)
    if not front:
        print("no feasible candidate yet")
        return
    first = problem.objectives[0]
    front.sort(key=lambda o: -first.sign * o.values[first.name])
    print(f"best feasible (Pareto set, {len(front)} point(s)):")
    print_table([{"id": o.candidate_id, "formula": o.composition.formula, **o.values} for o in front[:10]],
                ["id", "formula", *problem.outputs])

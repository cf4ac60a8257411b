"""Commands that ask the model: why a candidate was proposed (`explain`), and what it predicts (`predict`)."""

from __future__ import annotations

import argparse
from typing import Any

from .common import fmt, open_campaign, print_table


def cmd_explain(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    ex = campaign.explain(args.id)
    r, units = ex.record, campaign.units
    print(f"candidate {r.id}: {r.formula} ({r.state}; proposed by {r.source}"
          f"{'' if r.batch is None else f' in batch {r.batch}'})")
    if r.analysed:
        print(f"as made: {r.analysed.formula}")
    print(f"why it was proposed: {ex.proposal.get('why') or 'no model yet (' + r.source + ')'}")
    at_proposal = ex.proposal.get("predicted", {})
    rows: list[dict[str, object]] = []
    for name in campaign.problem.outputs:
        then, now, measured = at_proposal.get(name), ex.now, r.values.get(name)
        rows.append({"output": f"{name} [{units.get(name, '')}]",
                     "predicted when proposed": None if then is None else f"{then[0]:.3g} ± {then[1]:.2g}",
                     "predicted now": None if now is None else f"{now.mean[name]:.3g} ± {now.std[name]:.2g}",
                     "measured": None if measured is None else
                     f"{measured.value:.4g}{'' if measured.std is None else f' ± {measured.std:.2g}'} "
                     f"({measured.source})"})
    print_table(rows, ["output", "predicted when proposed", "predicted now", "measured"])
    if ex.now is not None:
        print(f"P(feasible) now {ex.now.p_feasible:.2f}" + (f" (when proposed {ex.proposal['p_feasible']:.2f})"
                                                          if "p_feasible" in ex.proposal else "") +
              (f"; the model now says: {ex.why_now}" if ex.why_now else ""))
    if r.failure:
        print(f"failed: {r.failure}")
    if r.withdrawn_reason:
        print(f"withdrawn: {r.withdrawn_reason}")
    if ex.neighbours:
        print("nearest evaluated candidates:")
        print_table([{"id": n.id, "formula": n.formula, "distance": round(d, 3),
                      **{k: v.value for k, v in n.values.items()}} for n, d in ex.neighbours],
                    ["id", "formula", "distance", *campaign.problem.outputs])
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    found = campaign.predict(args.compositions)
    if found is None:
        print("no model yet: it needs at least two complete evaluations")
        return 0
    units = campaign.units
    rows: list[dict[str, object]] = []
    for p in found:
        row: dict[str, object] = {"formula": p.composition.formula}
        row.update({f"{k} [{units.get(k, '')}]": f"{p.mean[k]:.3g} ± {p.std[k]:.2g}" for k in p.mean})
        row["P(feasible)"] = fmt(p.p_feasible)
        rows.append(row)
    print_table(rows, list(rows[0]))
    return 0


def register(add: Any) -> None:
    """Add these commands with ``add(name, func, help)`` (see `optimizer.cli.build_parser`)."""
    p = add("explain", cmd_explain, "why a candidate was proposed, what the model says now, its nearest neighbours")
    p.add_argument("id", type=int, help="candidate id")
    p = add("predict", cmd_predict, "predict compositions without reserving them")
    p.add_argument("compositions", nargs="+", metavar="COMPOSITION",
                   help="formula (LiAlCl2.5O0.75) or M=Li,m_al=1,o_al=0.75,s_al=0")

"""Electrochemical windows of the hull oracle against measured formation enthalpies, and of the glasses.

    python -m benchmarks.hull_windows                       # windows only (seconds; no ML relaxation)
    python -m benchmarks.hull_windows --ehull default       # also the glasses' e_hull and metastable limit
    python -m benchmarks.hull_windows --potential 7net-0 --no-anchor   # another potential, its own scale

Every value goes through ``HullOracle.evaluate_formula`` (what ``viglas evaluate hull FORMULA --json``
prints). Writes Markdown tables to stdout; benchmarks/results/hull.md records a run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from oracles import Evaluation
from oracles.hull import HullOracle
from oracles.hull.validation import window_comparison

#: (formula, metal, side) checked against the limits from measured enthalpies (issue 12 item 3).
BINARIES = [("LiCl", "Li"), ("NaCl", "Na"), ("Li2O", "Li"), ("Na2O", "Na"), ("Li2S", "Li"), ("Na2S", "Na")]
AL_COMPOUNDS = [("AlCl3", "Li"), ("Al2O3", "Li"), ("Al2S3", "Li"), ("NaAlCl4", "Na"), ("AlCl3", "Na")]
#: Glasses, with the reference study's measured oxidation onsets (Dai et al., Nat. Energy 2023) where there is one.
GLASSES: list[tuple[str, float | None]] = [
    ("LiAlCl4", None), ("NaAlCl4", None), ("LiAlCl2.5O0.75", 3.85), ("NaAlCl2.5O0.75", 3.9),
    ("LiAlCl2.5O0.5S0.25", None), ("NaAlCl2.5O0.5S0.25", None), ("LiAlCl3.5S0.25", None),
    ("LiAlCl2.48O0.75S0.01", None), ("LiAlCl2.4O0.7S0.1", None),
]


def _fmt(x: float | None, digits: int = 2) -> str:
    return "" if x is None else f"{x:.{digits}f}"


def reference_rows(oracle: HullOracle) -> list[str]:
    """Binary oxidation limits and Al-compound reduction limits: oracle vs measured enthalpies."""
    lines = ["| formula | vs | side | oracle V (`evaluate_formula`) | oracle V, measured phases only "
             "| from measured enthalpies V | difference V | oracle products |", "|---|---|---|---|---|---|---|---|"]
    for (formula, metal), side in [*((b, "oxidation") for b in BINARIES), *((a, "reduction") for a in AL_COMPOUNDS)]:
        result = oracle.evaluate_formula(formula, structure="crystal", metal=metal)
        assert isinstance(result, Evaluation), result
        pd = oracle.diagram_for({metal, "Al", "Cl", "O", "S"})
        cmp = window_comparison(pd, formula, metal)
        key = f"{side}_V"
        ours, same, expt = result.values[key], cmp["oracle_measured_phases"][key], cmp["experiment"][key]
        products = result.metadata[f"{side}_products"]
        lines.append(f"| {formula} | {metal}/{metal}+ | {side} | {_fmt(ours)} | {_fmt(same)} | {_fmt(expt)} "
                     f"| {same - expt:+.2f} | {' + '.join(products)} |")
    return lines


def glass_rows(oracle: HullOracle, *, ehull: bool) -> list[str]:
    lines = ["| composition | oxidation V | oxidation, metastable V | reduction V | e_hull eV/atom "
             "| oxidation products | hull decomposition | measured onset V | model wall s |",
             "|---|---|---|---|---|---|---|---|---|"]
    for formula, onset in GLASSES:
        if ehull:
            result = oracle.evaluate_formula(formula, structure="glass")
        else:  # windows only: the glass composition's window without a model
            result = _window_only(oracle, formula)
        if not isinstance(result, Evaluation):
            lines.append(f"| {formula} | failed: {result.reason} |")
            continue
        v, md = result.values, result.metadata
        std = result.std or {}
        e_hull = _fmt(v.get("e_hull_eV_atom"), 3) + (f" ± {std['e_hull_eV_atom']:.3f}" if "e_hull_eV_atom" in std
                                                       else "")
        decomp = ", ".join(f"{k} {x:.2f}" for k, x in md["hull_decomposition"].items())
        lines.append(f"| {formula} | {_fmt(v.get('oxidation_V'))} | {_fmt(v.get('oxidation_metastable_V'))} "
                     f"| {_fmt(v.get('reduction_V'))} | {e_hull} | {' + '.join(md['oxidation_products'])} | {decomp} "
                     f"| {_fmt(onset)} | {md.get('model', {}).get('wall_s', '')} |")
    return lines


def _window_only(oracle: HullOracle, formula: str) -> Evaluation:
    from oracles.hull.formula import parse_formula, window_result

    comp = parse_formula(formula)
    metal = "Li" if "Li" in formula else "Na"
    values, metadata = window_result(oracle.diagram_for({el.symbol for el in comp.elements}), comp, metal,
                                     e_hull_eV_atom=None)
    return Evaluation(values, None, metadata)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--ehull", metavar="PRESET", help="also relax glass models at this preset for e_hull")
    parser.add_argument("--potential", default=None, help="potential (default: the oracle's)")
    parser.add_argument("--no-anchor", action="store_true", help="the potential's own energy scale")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    options: dict[str, Any] = {"potential": args.potential} if args.potential else {}
    oracle = HullOracle(preset=args.ehull or "smoke", threads=args.threads, anchor=not args.no_anchor, **options)
    print(f"potential {oracle.potential}, {'anchored to experiment' if oracle.anchor else 'own energy scale'}\n")
    print("\n".join(reference_rows(oracle)))
    print()
    print("\n".join(glass_rows(oracle, ehull=bool(args.ehull))))
    refs = oracle.reference_set()
    if oracle._corrections is not None:
        md = oracle._corrections.as_metadata()
        print(f"\nanchoring: {md}")
    print(f"\nreferences: {', '.join(refs.sources)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

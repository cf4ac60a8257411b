"""Electrochemical windows of reference phases and glasses from the hull oracle, as a Markdown table.

    python -m benchmarks.hull_windows                    # windows only (seconds; no ML potential)
    python -m benchmarks.hull_windows --ehull default    # also the glasses' e_hull at a preset (minutes)

Writes the table to stdout; benchmarks/results/hull.md records a run.
"""

from __future__ import annotations

import argparse
import logging
import sys

from oracles import Composition, Evaluation
from oracles.hull import HullOracle

#: (formula, measured oxidation onset in V vs M/M+ or None); the glasses' onsets are the reference study's.
ROWS: list[tuple[str, float | None]] = [
    ("LiCl", None), ("NaCl", None), ("Li2O", None), ("Na2O", None), ("Li2S", None), ("Na2S", None),
    ("AlCl3", None), ("Al2O3", None),
    ("LiAlCl4", None), ("NaAlCl4", None),
    ("LiAlCl2.5O0.75", 3.85), ("NaAlCl2.5O0.75", 3.9),
    ("LiAlCl2.5O0.5S0.25", None), ("NaAlCl2.5O0.5S0.25", None), ("LiAlCl3.5S0.25", None),
]
_FARADAY_KJ = 96.485
#: Experimental formation enthalpies (kJ/mol) and electrons per formula unit: thermodynamic oxidation limits.
EXPERIMENT = {"LiCl": (-408.6, 1), "NaCl": (-411.2, 1), "Li2O": (-597.9, 2), "Na2O": (-418.0, 2),
              "Li2S": (-441.4, 2), "Na2S": (-364.8, 2)}


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.2f}"


def _window_only(oracle: HullOracle, glass: Composition) -> Evaluation:
    from oracles.hull.window import decomposition, electrochemical_window

    pd = oracle.diagram_for(set(glass.amounts))
    comp = glass.to_pymatgen()
    w = electrochemical_window(pd, comp, glass.M)
    return Evaluation({"oxidation_V": w.oxidation_V or 0.0, "reduction_V": w.reduction_V},
                      metadata={**w.as_metadata(), "hull_decomposition": decomposition(pd, comp)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ehull", metavar="PRESET", help="also relax glass models at this preset for e_hull")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    oracle = HullOracle(preset=args.ehull or "smoke", threads=args.threads)
    print("| composition | vs | oxidation V | reduction V | e_hull eV/atom | oxidation products | reduction products "
          "| hull decomposition | expt. V (ΔHf or onset) | model wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for formula, onset in ROWS:
        try:
            glass = Composition.from_formula(formula)
        except ValueError:
            glass = None
        known = formula in {e.composition.reduced_formula for e in oracle.reference_set().entries}
        if glass is not None and not known and not args.ehull:  # windows only: no model, no ML potential
            result = _window_only(oracle, glass)
        elif glass is not None and not known:
            result = oracle.evaluate([glass])[0]
        else:
            result = oracle.evaluate_formula(formula)
        if not isinstance(result, Evaluation):
            print(f"| {formula} | failed: {result.reason} |")
            continue
        v, md = result.values, result.metadata
        expt = onset
        if formula in EXPERIMENT:
            dh, n = EXPERIMENT[formula]
            expt = -dh / _FARADAY_KJ / n
        decomp = ", ".join(f"{k} {x:.2f}" for k, x in md["hull_decomposition"].items())
        print(f"| {formula} | {md['window_vs']} | {_fmt(v.get('oxidation_V'))} | {_fmt(v.get('reduction_V'))} "
              f"| {_fmt(v.get('e_hull_eV_atom'))} | {' + '.join(md['oxidation_products'])} "
              f"| {' + '.join(md['reduction_products'])} | {decomp} | {_fmt(expt)} "
              f"| {md.get('model', {}).get('wall_s', '')} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

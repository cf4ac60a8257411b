"""How phases the hull does not build would move the windows: each at its measured enthalpy, on the anchored scale.

    python -m benchmarks.hull_missing_phases

Each missing phase (`oracles.atomistic.experiment.MISSING_PHASE_ENTHALPIES`) is added to the oracle's
anchored diagram at E = sum_i n_i mu_i + Delta_f H, with mu_i the diagram's elemental references (the
anchored scale reproduces the measured binaries, docs/hull.md), and the oxidation limits are recomputed.
Prints one row per (phase, composition) whose limit moves by more than 5 mV.
"""

from __future__ import annotations

import sys

from oracles.atomistic.experiment import KJ_PER_MOL_PER_EV, MISSING_PHASE_ENTHALPIES
from oracles.hull import HullOracle
from oracles.hull.window import electrochemical_window

COMPOSITIONS = {
    "Li": ["LiAlCl2.5O0.75", "LiAlCl2.5O0.5S0.25", "LiAlCl3.5S0.25", "LiAlCl2.48O0.75S0.01", "Li2O", "Li2S", "LiCl"],
    "Na": ["NaAlCl2.5O0.75", "NaAlCl2.5O0.5S0.25", "Na2O", "Na2S", "NaCl"],
}


def main() -> int:
    from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
    from pymatgen.core import Composition

    oracle = HullOracle(preset="smoke")
    print(f"potential {oracle.potential}, anchored\n")
    print("| added phase (measured enthalpy) | composition | oxidation V without | with | products with |")
    print("|---|---|---|---|---|")
    for metal, formulas in COMPOSITIONS.items():
        pd = oracle.diagram_for({metal, "Al", "Cl", "O", "S"})
        mu = {el.symbol: pd.el_refs[el].energy_per_atom for el in pd.elements}
        for name, ref in MISSING_PHASE_ENTHALPIES.items():
            comp = Composition(name)
            if not {el.symbol for el in comp.elements} <= set(mu) or ({"Li", "Na"} - {metal}) & {
                    el.symbol for el in comp.elements}:
                continue
            energy = sum(mu[el.symbol] * n for el, n in comp.items()) + ref.kJ_mol / KJ_PER_MOL_PER_EV
            extended = PhaseDiagram([*pd.all_entries, PDEntry(comp, energy, name=name)], elements=pd.elements)
            for formula in formulas:
                before = electrochemical_window(pd, Composition(formula), metal)
                after = electrochemical_window(extended, Composition(formula), metal)
                if abs((before.oxidation_V or 0.0) - (after.oxidation_V or 0.0)) > 0.005:
                    print(f"| {name} ({ref.kJ_mol} kJ/mol) | {formula} | {before.oxidation_V:.2f} | "
                          f"{after.oxidation_V:.2f} | {' + '.join(after.oxidation_products)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Windows from measured formation enthalpies, to check the oracle's windows against (issue 12 item 3).

`experimental_diagram` builds a phase diagram whose compound energies are the measured enthalpies
(the values the anchoring fit uses, `oracles.hull.anchoring.fit_target`; elements at 0), so the
same window code gives "the limit from experimental enthalpies". `restricted` keeps only the
phases such a diagram has, so that the oracle's energies are compared reaction for reaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.entries import Entry


def measured_formulas() -> list[str]:
    from ..atomistic.experiment import FORMATION_ENTHALPIES, TERNARY_ENTHALPIES

    return [*FORMATION_ENTHALPIES, *TERNARY_ENTHALPIES]


def experimental_entries(elements: Iterable[str]) -> list[Entry]:
    """Elements at 0 eV and every measured compound of ``elements`` at its enthalpy (eV per formula unit)."""
    from pymatgen.analysis.phase_diagram import PDEntry
    from pymatgen.core import Composition

    from ..atomistic.experiment import FORMATION_ENTHALPIES, TERNARY_ENTHALPIES
    from .anchoring import fit_target

    allowed = set(elements)
    out: list[Entry] = [PDEntry(Composition(el), 0.0, name=el) for el in sorted(allowed)]
    for formula, ref in {**FORMATION_ENTHALPIES, **TERNARY_ENTHALPIES}.items():
        comp = Composition(formula)
        if {el.symbol for el in comp.elements} <= allowed:
            out.append(PDEntry(comp, fit_target(ref)[0] * comp.num_atoms, name=formula))
    return out


def experimental_diagram(elements: Iterable[str]) -> PhaseDiagram:
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Element

    elements = sorted(set(elements))
    return PhaseDiagram(experimental_entries(elements), elements=[Element(el) for el in elements])


def restricted(pd: PhaseDiagram, formulas: Iterable[str]) -> PhaseDiagram:
    """``pd`` with only its elements and the compounds whose reduced formula is in ``formulas``."""
    from pymatgen.analysis.phase_diagram import PhaseDiagram

    keep = set(formulas)
    entries = [e for e in pd.all_entries if e.composition.is_element or e.composition.reduced_formula in keep]
    return PhaseDiagram(entries, elements=pd.elements)


def window_comparison(pd: PhaseDiagram, formula: str, metal: str) -> dict[str, Any]:
    """Oxidation and reduction limits of ``formula`` vs ``metal`` from ``pd`` (full), ``pd`` restricted to the
    measured phases, and the measured enthalpies; volts vs M/M+."""
    from pymatgen.core import Composition

    from .window import electrochemical_window

    comp = Composition(formula)
    elements = {el.symbol for el in pd.elements}
    measured = experimental_diagram(elements)
    out: dict[str, Any] = {"formula": formula, "vs": f"{metal}/{metal}+"}
    for label, diagram in (("oracle", pd), ("oracle_measured_phases", restricted(pd, measured_formulas())),
                           ("experiment", measured)):
        w = electrochemical_window(diagram, comp, metal)
        out[label] = {"oxidation_V": w.oxidation_V, "reduction_V": w.reduction_V,
                      "oxidation_products": list(w.oxidation_products),
                      "reduction_products": list(w.reduction_products)}
    return out

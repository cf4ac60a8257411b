"""Energies anchored to experiment (species corrections) and the metastable oxidation limit."""

from __future__ import annotations

import pytest
from pymatgen.analysis.phase_diagram import PDEntry
from pymatgen.core import Composition as PmgComposition
from pymatgen.entries.computed_entries import ComputedEntry

from oracles import Composition
from oracles.atomistic.experiment import FORMATION_ENTHALPIES, TERNARY_ENTHALPIES
from oracles.hull.anchoring import FIT_COMPOUNDS, SpeciesCorrections, fit_corrections, fit_target, is_ionic
from oracles.hull.validation import experimental_diagram
from oracles.hull.window import electrochemical_window, glass_oxidation_limit

#: A made-up potential: measured enthalpies plus known per-species errors (eV per atom of the species).
ERRORS = {"Li": 0.05, "Na": -0.03, "Al": 0.10, "Cl": -0.08, "O": 0.02, "S": 0.04}
MU = {"Li": -1.9, "Na": -1.3, "Al": -3.7, "Cl": -1.8, "O": -4.9, "S": -4.1}


def _synthetic_entries() -> list[ComputedEntry]:
    entries = [ComputedEntry(el, mu, entry_id=el) for el, mu in MU.items()]
    for formula, ref in {**FORMATION_ENTHALPIES, **TERNARY_ENTHALPIES}.items():
        comp = PmgComposition(formula)
        energy = sum(MU[el.symbol] * n for el, n in comp.items()) + fit_target(ref)[0] * comp.num_atoms
        energy -= sum(ERRORS[el.symbol] * n for el, n in comp.items())  # the potential's error
        entries.append(ComputedEntry(comp, energy, entry_id=formula))
    return entries


def test_fit_recovers_species_errors_up_to_the_charge_gauge() -> None:
    corrections = fit_corrections(_synthetic_entries())
    assert max(abs(r) for r in corrections.residuals_eV_atom.values()) < 1e-8
    for formula in ("LiCl", "Na2O", "Al2S3", "NaAlCl4"):  # charge-balanced: the gauge cancels
        comp = PmgComposition(formula)
        assert corrections.correction_eV(comp) == pytest.approx(sum(ERRORS[el.symbol] * n for el, n in comp.items()))
    assert set(corrections.residuals_eV_atom) == {f for f in FIT_COMPOUNDS}


def test_corrections_leave_elements_and_alloys_alone() -> None:
    corrections = SpeciesCorrections({"Li": 0.1, "Al": 0.2, "Cl": -0.3}, {}, {})
    assert not is_ionic(PmgComposition("LiAl")) and corrections.correction_eV(PmgComposition("LiAl")) == 0.0
    licl = corrections.apply(ComputedEntry("LiCl", -8.0))
    assert licl.energy == pytest.approx(-8.2) and licl.uncorrected_energy == -8.0
    again = corrections.apply(licl)  # re-applying replaces, never stacks
    assert again.energy == pytest.approx(-8.2)


def test_measured_enthalpies_give_the_textbook_limits() -> None:
    pd = experimental_diagram({"Li", "Al", "Cl", "O", "S"})
    licl = electrochemical_window(pd, PmgComposition("LiCl"), "Li")
    assert licl.oxidation_V == pytest.approx(408.4 / 96.4853, abs=1e-3)
    alcl3 = electrochemical_window(pd, PmgComposition("AlCl3"), "Li")  # AlCl3 + 3 Li -> 3 LiCl + Al
    expected = (3 * FORMATION_ENTHALPIES["LiCl"].kJ_mol - FORMATION_ENTHALPIES["AlCl3"].kJ_mol) / 3 / -96.4853
    assert alcl3.reduction_V == pytest.approx(expected, abs=1e-3)


def _toy_diagram() -> object:
    from pymatgen.analysis.phase_diagram import PhaseDiagram

    entries = [PDEntry(el, 0.0) for el in ("Li", "Al", "Cl", "O", "S")]
    for formula, e_fu in (("LiCl", -4.23), ("AlCl3", -7.31), ("Al2O3", -17.37), ("LiAlCl4", -11.8), ("Li2S", -4.63),
                          ("Al2S3", -7.1), ("Li2O", -6.2)):
        entries.append(PDEntry(formula, e_fu))
    return PhaseDiagram(entries)


@pytest.mark.parametrize("s_al", [0.02, 0.1])
def test_metastable_limit_scales_with_the_reacting_motif_not_the_cell(s_al: float) -> None:
    pd = _toy_diagram()
    comp = Composition("Li", 1.0, 0.5, s_al).to_pymatgen()
    window = electrochemical_window(pd, comp, "Li")
    assert window.oxidation_V is not None
    zero = glass_oxidation_limit(pd, comp, "Li", window, 0.0)
    assert zero is not None and zero.voltage_V == window.oxidation_V
    limit = glass_oxidation_limit(pd, comp, "Li", window, 0.05)
    assert limit is not None
    ratio = limit.consumed_atoms / limit.metal_released
    assert limit.voltage_V == pytest.approx(window.oxidation_V - 0.05 * ratio, abs=1e-3)
    assert 1.0 <= ratio <= 5.0  # atoms of the oxidised motif per M released, whatever the S content

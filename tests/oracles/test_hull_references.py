"""Relaxing a reference phase from several starting structures (no ML potential: ASE's EMT)."""

from __future__ import annotations

import numpy as np
import pytest
from ase.calculators.calculator import all_changes
from ase.calculators.emt import EMT

from oracles.hull import references


class EMTWithMagmoms(EMT):
    """EMT that also reports one magnetic moment per atom, as CHGNet does."""

    implemented_properties = [*EMT.implemented_properties, "magmoms"]

    def calculate(self, atoms=None, properties=("energy",), system_changes=all_changes):  # type: ignore[no-untyped-def]
        super().calculate(atoms, properties, system_changes)
        self.results["magmoms"] = np.zeros(len(self.atoms))


def test_lowest_start_is_kept_whatever_was_relaxed_last(monkeypatch: pytest.MonkeyPatch) -> None:
    from ase.build import bulk

    def starts() -> list:
        return [bulk("Al", "fcc", a=4.05), bulk("Al", "fcc", a=4.05, cubic=True)]  # 1 atom, then 4 atoms

    monkeypatch.setitem(references.PHASES, "Al", (starts, "two fcc cells"))
    entry = references.relax_phase("Al", EMTWithMagmoms(), potential="emt", fmax_eV_A=0.05, max_steps=50)
    assert entry.data["n_starts"] == 2 and len(entry.data["starts_eV_atom"]) == 2
    assert entry.energy_per_atom == pytest.approx(min(entry.data["starts_eV_atom"]), abs=1e-4)
    assert entry.parameters["energy_scale"] == "mlip:emt"


def test_every_phase_builder_makes_its_own_formula() -> None:
    """A builder that fills the wrong number of sites makes another (even charge-unbalanced) compound."""
    from pymatgen.core import Composition

    from oracles.hull.phases import PHASES

    for name, (build, _source) in PHASES.items():
        built = build()
        for atoms in built if isinstance(built, list) else [built]:
            formula = Composition(atoms.get_chemical_formula()).reduced_formula
            assert formula == Composition(name).reduced_formula, f"{name} builder makes {formula}"

"""Formation energies (eV/atom) of reference compounds with one potential, on each energy scale that applies.

Every compound and every elemental reference is relaxed (positions and cell) by the same potential,
from the hull's starting structures (`oracles.hull.phases`). How each potential's scale is handled:

* ``mp2020`` (CHGNet, trained on MP2020-corrected energies): the raw energies are already on the
  corrected scale; one column.
* ``pbe`` (7net-0, 7net-l3i5: raw PBE(+U)): the raw column, and the MP2020-corrected column
  (pymatgen's ``MaterialsProject2020Compatibility`` on the compounds; elements carry no correction).
* ``r2scan`` (7net-mf-0's r2SCAN head): raw only; MP2020 is a GGA scheme and does not apply.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..atomistic.experiment import FORMATION_ENTHALPIES

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.entries.computed_entries import ComputedEntry

logger = logging.getLogger(__name__)

ELEMENT_PHASES = {"Li": "Li", "Na": "Na", "Al": "Al", "Cl": "Cl2", "O": "O2", "S": "S"}


@dataclass(frozen=True)
class FormationRow:
    """One compound: experiment and the potential's formation energy, eV/atom (error = computed - experiment)."""

    formula: str
    expt_eV_atom: float
    raw_eV_atom: float
    mp2020_eV_atom: float | None
    converged: bool

    @property
    def raw_error_eV_atom(self) -> float:
        return self.raw_eV_atom - self.expt_eV_atom

    @property
    def mp2020_error_eV_atom(self) -> float | None:
        return None if self.mp2020_eV_atom is None else self.mp2020_eV_atom - self.expt_eV_atom


def formation_energy_eV_atom(entry: ComputedEntry, mu_eV_atom: dict[str, float], *,
                             corrected: bool = False) -> float:
    """(E - sum_i n_i mu_i) / N of ``entry``; ``corrected`` uses its corrected energy (MP2020 adjustments)."""
    comp = entry.composition
    energy = entry.energy if corrected else entry.uncorrected_energy
    return float((energy - sum(n * mu_eV_atom[el.symbol] for el, n in comp.items())) / comp.num_atoms)


def formation_rows(calculator: Calculator, *, potential: str, energy_scale: str, compounds: list[str],
                   fmax_eV_A: float = 0.02, max_steps: int = 1500) -> list[FormationRow]:
    """Relax the elements and ``compounds`` with ``calculator``; one `FormationRow` per compound, in order."""
    from pymatgen.core import Composition

    from ..hull.entries import apply_mp2020
    from ..hull.references import relax_phase

    unknown = [f for f in compounds if f not in FORMATION_ENTHALPIES]
    if unknown:
        raise ValueError(f"no measured formation enthalpy for {unknown}; known: {sorted(FORMATION_ENTHALPIES)}")
    elements = sorted({el.symbol for f in compounds for el in Composition(f).elements})
    mu: dict[str, float] = {}
    for el in elements:
        ref = relax_phase(ELEMENT_PHASES[el], calculator, potential=potential, fmax_eV_A=fmax_eV_A,
                          max_steps=max_steps)
        mu[el] = ref.energy_per_atom
        logger.info("%s: elemental reference %s relaxed, %.4f eV/atom (converged=%s)", potential,
                    ELEMENT_PHASES[el], mu[el], ref.data["converged"])
    rows = []
    for formula in compounds:
        entry = relax_phase(formula, calculator, potential=potential, fmax_eV_A=fmax_eV_A, max_steps=max_steps)
        mp2020 = None
        if energy_scale == "pbe":
            (fixed,) = apply_mp2020([entry.copy()], where=f"{potential} {formula}")
            mp2020 = round(formation_energy_eV_atom(fixed, mu, corrected=True), 4)
        row = FormationRow(formula, round(FORMATION_ENTHALPIES[formula].eV_atom, 4),
                           round(formation_energy_eV_atom(entry, mu), 4), mp2020, bool(entry.data["converged"]))
        rows.append(row)
        logger.info("%s: %-6s formation %.3f eV/atom (expt %.3f)%s", potential, formula, row.raw_eV_atom,
                    row.expt_eV_atom, "" if mp2020 is None else f", MP2020-corrected {mp2020:.3f}")
    return rows

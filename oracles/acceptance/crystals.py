"""Relaxed volume and coordination of crystalline LiAlCl4 and NaAlCl4 against their measured structures."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..atomistic.experiment import COORDINATION_CUTOFF_A, CRYSTALS

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrystalRow:
    """One crystal relaxed with the cell free: volume per formula unit (Angstrom^3) and mean coordination numbers."""

    formula: str
    volume_A3_per_fu: float
    expt_volume_A3_per_fu: float
    m_cl_coordination: float
    expt_m_cl_coordination: float
    al_cl_coordination: float
    converged: bool

    @property
    def volume_error_pct(self) -> float:
        return 100.0 * (self.volume_A3_per_fu / self.expt_volume_A3_per_fu - 1.0)


def mean_coordination(atoms: Atoms, center: str, ligand: str) -> float:
    """Mean number of ``ligand`` atoms within `COORDINATION_CUTOFF_A` of each ``center`` atom."""
    import numpy as np
    from ase.neighborlist import neighbor_list

    cutoff = COORDINATION_CUTOFF_A[(center, ligand)]
    i, j = neighbor_list("ij", atoms, cutoff)
    symbols = np.array(atoms.get_chemical_symbols())
    n_center = int((symbols == center).sum())
    hits = (symbols[i] == center) & (symbols[j] == ligand)
    return float(hits.sum()) / n_center


def crystal_row(calculator: Calculator, metal: str, *, fmax_eV_A: float = 0.02, max_steps: int = 1500) -> CrystalRow:
    """Relax the measured crystal of ``metal``AlCl4 (positions and cell) and compare it with the measurement."""
    from ..atomistic.relax import relax_structure
    from ..atomistic.structures import crystal_reference

    ref = CRYSTALS[metal]
    start = crystal_reference(metal)
    n_fu = start.get_chemical_symbols().count("Al")
    relaxed, _, converged = relax_structure(start, calculator, fmax_eV_A=fmax_eV_A, max_steps=max_steps,
                                            relax_cell=True)
    row = CrystalRow(ref.formula, round(relaxed.get_volume() / n_fu, 2), ref.volume_A3_per_fu,
                     round(mean_coordination(relaxed, metal, "Cl"), 2), ref.m_cl_coordination,
                     round(mean_coordination(relaxed, "Al", "Cl"), 2), converged)
    logger.info("%s relaxed: %.1f A^3/f.u. (%+.1f%% vs measured), %s-Cl coordination %.2f (measured %.0f)",
                ref.formula, row.volume_A3_per_fu, row.volume_error_pct, metal, row.m_cl_coordination,
                ref.m_cl_coordination)
    return row

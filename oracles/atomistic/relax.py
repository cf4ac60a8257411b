"""Geometry relaxation with an ML potential (FIRE), optionally with the cell free."""

from __future__ import annotations

import logging
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)


def relax_structure(
    atoms: Atoms,
    calculator: Calculator,
    *,
    fmax_eV_A: float = 0.05,
    max_steps: int = 500,
    relax_cell: bool = False,
) -> tuple[Atoms, float, bool]:
    """Relax a copy of ``atoms`` with FIRE; return (relaxed atoms, energy in eV, converged).

    With ``relax_cell`` the cell relaxes too (ASE's FrechetCellFilter, hydrostatic + shear).
    """
    from ase.filters import FrechetCellFilter
    from ase.optimize import FIRE

    relaxed = atoms.copy()
    relaxed.calc = calculator
    target = FrechetCellFilter(relaxed) if relax_cell else relaxed
    optimizer = FIRE(target, logfile=None)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        # CHGNet converts a grad-tracking tensor to a float for the stress; harmless, and it would
        # otherwise fail every caller that runs with warnings as errors
        warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad", category=UserWarning)
        # FrechetCellFilter's matrix logarithm warns at errors of ~1e-12, far below any physical effect
        warnings.filterwarnings("ignore", message="logm result may be inaccurate", category=RuntimeWarning)
        converged = bool(optimizer.run(fmax=fmax_eV_A, steps=max_steps))
        energy = float(relaxed.get_potential_energy())
    logger.debug("relaxed %s in %d steps (converged=%s), E=%.4f eV", relaxed.get_chemical_formula(),
                 optimizer.nsteps, converged, energy)
    return relaxed, energy, converged

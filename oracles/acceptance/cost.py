"""Cost of one energy+forces+stress call of a potential on a ~100-atom cell (median of repeated calls)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CostRow:
    """Seconds per call (energy, forces and stress) on ``n_atoms`` atoms with ``threads`` torch threads."""

    n_atoms: int
    calls: int
    median_s: float
    min_s: float
    max_s: float
    threads: int | None
    load_average_1min: float


def force_call_cost(calculator: Calculator, *, calls: int = 10, warmup: int = 2, seed: int = 0,
                    threads: int | None = 1) -> CostRow:
    """Time ``calls`` calls on crystalline LiAlCl4 (2x2x1, 96 atoms), each on freshly displaced positions.

    The positions move by 0.02 Angstrom (Gaussian) before each call so that no calculator cache
    answers; ``warmup`` untimed calls come first (graph compilation, allocations).
    """
    import os
    import warnings

    import numpy as np

    from ..atomistic.structures import crystal_reference

    base = crystal_reference("Li").repeat((2, 2, 1))
    rng = np.random.default_rng(seed)
    times = []
    for k in range(warmup + calls):
        atoms = base.copy()
        atoms.positions += rng.normal(0.0, 0.02, atoms.positions.shape)
        atoms.calc = calculator
        with warnings.catch_warnings():
            # CHGNet builds a tensor from a tensor when it computes the stress; harmless here
            warnings.filterwarnings("ignore", category=UserWarning, message="To copy construct from a tensor")
            warnings.filterwarnings("ignore", category=UserWarning, message="Converting a tensor with requires_grad")
            start = time.perf_counter()
            atoms.get_forces()
            atoms.get_stress()
        if k >= warmup:
            times.append(time.perf_counter() - start)
    row = CostRow(len(base), calls, round(float(np.median(times)), 4), round(min(times), 4), round(max(times), 4),
                  threads, round(os.getloadavg()[0], 2))
    logger.info("force call on %d atoms: median %.3f s over %d calls (load %.2f)", row.n_atoms, row.median_s,
                calls, row.load_average_1min)
    return row

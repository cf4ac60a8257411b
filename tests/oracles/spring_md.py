"""A cheap, repeatable potential for the ML-MD resume tests: each atom tied to a home by a spring.

Fixtures built on it (a glass cell, small production chunks) are in this folder's ``conftest.py``.
"""

from __future__ import annotations

import numpy as np
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from oracles import Composition
from oracles.mlmd.presets import resolve_preset

LI_GLASS = Composition("Li", 1.0, 0.75)
# 60 production steps + one extension of 40 (a harmonic solid is never diffusive), in chunks of 10
PRESET = resolve_preset("smoke", {"relax_max_steps": 0, "production_steps": 60, "extend_steps": 40,
                                  "max_extensions": 1, "frame_interval_steps": 2})
KEY = {"preset": "test", "glass_sha256": "a"}
#: eV/Angstrom^2: rattling of ~0.1 Angstrom at 900 K, so no two atoms meet in 100 steps
STIFFNESS = 10.0


class Killed(BaseException):
    """Stands for the process being killed: nothing in the oracle catches it."""


class Spring(Calculator):
    """Each atom tied by a spring to a fixed home (None: where it is at the first call): no other
    state, so a fresh one after a kill computes what the killed one would have. After ``kill_after``
    force calls it raises `Killed`."""

    implemented_properties = ("energy", "forces", "stress")

    def __init__(self, home: np.ndarray | None, kill_after: int | None = None) -> None:
        super().__init__()
        self.home = home
        self.kill_after = kill_after
        self.calls = 0

    def calculate(self, atoms: Atoms | None = None, properties: object = None,
                  system_changes: object = all_changes) -> None:
        super().calculate(atoms, ["energy"], all_changes)
        assert self.atoms is not None
        self.calls += 1
        if self.kill_after is not None and self.calls > self.kill_after:
            raise Killed
        if self.home is None:  # making the glass: tied to wherever it starts
            self.home = self.atoms.get_positions()
        shift = self.atoms.get_positions() - self.home
        self.results = {"energy": float(0.5 * STIFFNESS * (shift ** 2).sum()), "forces": -STIFFNESS * shift,
                        "stress": np.zeros(6)}

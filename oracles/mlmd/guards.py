"""Guard rails for MD runs: stop a run that has gone unphysical, with a reason a chemist can read.

A tripped guard raises `MDGuardError`; the oracle turns it into a `Failure` for that candidate.
Checks run every ``check_interval_steps`` steps so their cost stays far below a force call.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ase import Atoms


class MDGuardError(RuntimeError):
    """An MD run was stopped by a guard rail; the message says which and why."""


def min_distance_violation(atoms: Atoms, fraction: float) -> str | None:
    """Describe the closest pair if it is nearer than ``fraction`` x (sum of covalent radii), else None.

    With the default fraction 0.5 the limits are about 0.6-1.0 Angstrom (O-O 0.66, Al-O 0.94,
    Cl-Cl 1.02): no real chloride or oxide has contacts that short.
    """
    from ase.data import covalent_radii
    from ase.neighborlist import neighbor_list

    radii = covalent_radii[atoms.numbers]
    cutoff = fraction * 2.0 * float(radii.max())
    i, j, d = neighbor_list("ijd", atoms, cutoff)
    if len(d) == 0:
        return None
    limit = fraction * (radii[i] + radii[j])
    bad = np.flatnonzero(d < limit)
    if len(bad) == 0:
        return None
    k = bad[np.argmin(d[bad] / limit[bad])]
    sym = atoms.get_chemical_symbols()
    return (f"atoms {i[k]} ({sym[i[k]]}) and {j[k]} ({sym[j[k]]}) are {d[k]:.2f} Angstrom apart, "
            f"below the physical minimum {limit[k]:.2f} Angstrom")


def check_finite(atoms: Atoms) -> None:
    """Raise `MDGuardError` if the potential returned a non-finite energy or force."""
    energy = atoms.get_potential_energy()
    if not math.isfinite(energy) or not np.all(np.isfinite(atoms.get_forces())):
        raise MDGuardError(f"the potential returned a non-finite energy or force (E={energy})")


class Guard:
    """Observer attached to an ASE dynamics object; checks the run every ``interval`` steps.

    Args:
        atoms: the atoms being integrated.
        label: stage name used in messages, e.g. ``"melt 1500 K"``.
        target_K: thermostat target, K.
        interval: steps between checks.
        runaway_factor: stop when the temperature exceeds this multiple of the larger of ``target_K``
            and the temperature at the start of the stage (a quench or cooling step starts hotter
            than its target and the thermostat needs time to bring it down; that is not a runaway).
        min_distance_fraction: see `min_distance_violation`.
        step_time_factor: stop when the mean CPU time of the last ``interval`` steps exceeds this
            multiple of the median measured at the start of the stage. CPU seconds of this process,
            not wall seconds: a busy machine (other cells, other work) stretches every step's wall
            time without anything being wrong with the run, and must not stop it.
        max_volume_A3: stop when the cell volume exceeds this (NPT: the melt boils or the cell
            blows apart); None for fixed-cell stages.
    """

    def __init__(self, atoms: Atoms, *, label: str, target_K: float, interval: int, runaway_factor: float,
                 min_distance_fraction: float, step_time_factor: float, max_volume_A3: float | None = None) -> None:
        self.atoms = atoms
        self.label = label
        self.target_K = target_K
        self.interval = interval
        self.runaway_factor = runaway_factor
        self.min_distance_fraction = min_distance_fraction
        self.step_time_factor = step_time_factor
        self.max_volume_A3 = max_volume_A3
        self.step_times_s: list[float] = []
        self._baseline_s: float | None = None
        self._last = time.process_time()
        self._calls = 0
        self._start_K: float | None = None

    def __call__(self) -> None:
        if self._start_K is None:  # ASE calls observers once before the first step
            self._start_K = float(self.atoms.get_temperature())
        now = time.process_time()
        self.step_times_s.append(now - self._last)
        self._last = now
        self._calls += 1
        if self._calls % self.interval == 0:
            self.check()

    def check(self) -> None:
        """Run all checks now; raise `MDGuardError` on the first that fails."""
        check_finite(self.atoms)
        temperature = float(self.atoms.get_temperature())
        reference = max(self.target_K, self._start_K or 0.0)
        if not temperature <= self.runaway_factor * reference:  # also catches NaN
            raise MDGuardError(f"{self.label}: temperature ran away to {temperature:.0f} K "
                               f"(> {self.runaway_factor:g} x {reference:.0f} K, the larger of target and start)")
        problem = min_distance_violation(self.atoms, self.min_distance_fraction)
        if problem:
            raise MDGuardError(f"{self.label}: {problem}")
        volume = float(self.atoms.get_volume())
        if self.max_volume_A3 is not None and not volume <= self.max_volume_A3:
            raise MDGuardError(f"{self.label}: the cell expanded to {volume:.0f} A^3 (> {self.max_volume_A3:.0f} A^3): "
                               "the melt boils or comes apart at this temperature and 0 GPa")
        self._check_step_time()

    def _check_step_time(self) -> None:
        # The first call includes the initial force evaluation and warm-up; skip it for the baseline.
        times = self.step_times_s[1:]
        if self._baseline_s is None:
            if len(times) >= self.interval:
                self._baseline_s = statistics.median(times)
            return
        recent = statistics.fmean(times[-self.interval:])
        if recent > self.step_time_factor * self._baseline_s:
            raise MDGuardError(f"{self.label}: MD step time exploded to {recent:.3g} CPU s "
                               f"(> {self.step_time_factor:g} x the {self._baseline_s:.3g} s at the start)")

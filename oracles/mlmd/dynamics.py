"""MD stages on an ASE `Atoms` with a calculator attached: NVT (Bussi) and NPT (Berendsen), guarded.

Every stage attaches a `Guard` and a progress logger (INFO, every 10% of the stage) to the ASE
dynamics object and runs it in one ``dyn.run`` call, so the per-step overhead is one Python
callback. Times in fs, temperatures in K, pressures ~0 (1 atm is negligible at this scale).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from .guards import Guard
from .presets import MDPreset

if TYPE_CHECKING:
    from ase import Atoms
    from ase.md.md import MolecularDynamics

logger = logging.getLogger(__name__)


@contextmanager
def quiet_potential() -> Iterator[None]:
    """Silence one known-harmless torch warning that CHGNet triggers on every call.

    (``Converting a tensor with requires_grad=True to a scalar``: CHGNet builds the cell volume
    tensor from a graph that carries gradients; the value is right.)
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True", category=UserWarning)
        yield


def snapshot(atoms: Atoms, **info: float) -> Atoms:
    """Positions, cell and momenta of ``atoms`` without the calculator (for trajectories)."""
    frame = atoms.copy()
    frame.calc = None
    frame.info.update(info)
    return frame


def set_velocities(atoms: Atoms, T_K: float, rng: np.random.Generator) -> None:
    """Maxwell-Boltzmann velocities at ``T_K`` with zero total momentum."""
    from ase.md import velocitydistribution as vd

    # ASE 3.29 renamed MaxwellBoltzmannDistribution (now deprecated) to thermalize_momenta.
    thermalize = getattr(vd, "thermalize_momenta", None) or vd.MaxwellBoltzmannDistribution
    thermalize(atoms, temperature_K=T_K, rng=rng)
    vd.Stationary(atoms)


def _run(dyn: MolecularDynamics, atoms: Atoms, steps: int, *, label: str, target_K: float, preset: MDPreset,
         extra: tuple[tuple[Callable[[], None], int], ...] = ()) -> Guard:
    """Run ``dyn`` for ``steps`` with a guard (runaway judged against ``target_K``) and progress logs."""
    guard = Guard(atoms, label=label, target_K=target_K, interval=preset.check_interval_steps,
                  runaway_factor=preset.runaway_factor, min_distance_fraction=preset.min_distance_fraction,
                  step_time_factor=preset.step_time_factor)
    dyn.attach(guard, interval=1)
    for callback, interval in extra:
        dyn.attach(callback, interval=interval)
    # Every 10% of a long stage; short stages (quench blocks, smoke runs) log once at the end.
    tenth = max(steps // 10, min(steps, 100))

    def progress() -> None:
        if dyn.nsteps:
            logger.info("%s %d%% (%d/%d steps, T=%.0f K)", label, round(100 * dyn.nsteps / steps), dyn.nsteps,
                        steps, atoms.get_temperature())

    dyn.attach(progress, interval=tenth)
    with quiet_potential():
        dyn.run(steps)
    return guard


def nvt(atoms: Atoms, preset: MDPreset, *, T_K: float, steps: int, timestep_fs: float, rng: np.random.Generator,
        label: str, frame_interval: int = 0) -> list[Atoms]:
    """Run ``steps`` NVT steps (Bussi stochastic velocity rescaling, canonical) in place.

    Returns snapshots every ``frame_interval`` steps, starting with step 0 (none if 0).
    """
    from ase import units
    from ase.md.bussi import Bussi

    if steps == 0:
        return []
    if atoms.get_kinetic_energy() < 1e-12:
        set_velocities(atoms, T_K, rng)
    dyn = Bussi(atoms, timestep_fs * units.fs, temperature_K=T_K, taut=preset.thermostat_taut_fs * units.fs, rng=rng)
    frames: list[Atoms] = []
    extra: tuple[tuple[Callable[[], None], int], ...] = ()
    if frame_interval:
        extra = ((lambda: frames.append(snapshot(atoms, time_fs=dyn.nsteps * timestep_fs, T_K=T_K)), frame_interval),)
    _run(dyn, atoms, steps, label=label, target_K=T_K, preset=preset, extra=extra)
    return frames


def npt_volumes(atoms: Atoms, preset: MDPreset, *, T_K: float, steps: int, label: str) -> list[float]:
    """Run ``steps`` NPT steps (Berendsen, pressure 0) in place; return volumes (Angstrom^3) of the 2nd half.

    Berendsen coupling is not canonical but is stable in small cells; it is used here only for the
    mean volume at each temperature. Compressibility = 1 / ``tg_bulk_modulus_GPa``. ASE's
    implementation evaluates forces twice per step (after the cell rescaling and after the move).
    """
    from ase import units
    from ase.md.nptberendsen import NPTBerendsen

    dyn = NPTBerendsen(atoms, preset.timestep_fs * units.fs, temperature_K=T_K, pressure_au=0.0,
                       taut=preset.thermostat_taut_fs * units.fs, taup=preset.tg_taup_fs * units.fs,
                       compressibility_au=1.0 / (preset.tg_bulk_modulus_GPa * units.GPa))
    volumes: list[float] = []

    def record() -> None:
        if dyn.nsteps >= steps // 2:
            volumes.append(float(atoms.get_volume()))

    _run(dyn, atoms, steps, label=label, target_K=T_K, preset=preset, extra=((record, 1),))
    return volumes

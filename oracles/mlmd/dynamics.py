"""MD stages on an ASE `Atoms` with a calculator attached: NVT (Bussi), NPT (MTK), NVE; guarded and recorded.

Every stage attaches a `Guard`, a recorder and a progress logger (INFO, every 10% of the stage) to
the ASE dynamics object and runs it in one ``dyn.run`` call. Times in fs, temperatures in K,
pressures in GPa (0 GPa target: 1 atm is negligible at this scale), volumes in Angstrom^3.

NPT is ASE's `IsotropicMTKNPT` (Martyna-Tobias-Klein with Nose-Hoover chains, ASE >= 3.25): it
samples the isothermal-isobaric ensemble (Berendsen does not) with one force call per step (the
potentials here return stress with every force call). NVT is Bussi stochastic velocity rescaling.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class Series:
    """Observables recorded every few steps of a stage (same length lists)."""

    time_fs: list[float] = field(default_factory=list)
    temperature_K: list[float] = field(default_factory=list)
    volume_A3: list[float] = field(default_factory=list)
    pressure_GPa: list[float] = field(default_factory=list)
    potential_eV: list[float] = field(default_factory=list)
    total_eV: list[float] = field(default_factory=list)

    def tail(self, fraction: float = 0.5) -> Series:
        """The last ``fraction`` of the records (the equilibrated part of a stage)."""
        start = int(len(self.time_fs) * (1.0 - fraction))
        return Series(*(getattr(self, name)[start:] for name in self.__dataclass_fields__))


def pressure_GPa(atoms: Atoms) -> float:
    """Instantaneous pressure including the kinetic (ideal-gas) term, GPa."""
    from ase import units

    return float(-np.trace(atoms.get_stress(voigt=False, include_ideal_gas=True)) / 3.0 / units.GPa)


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


def scale_to_volume(atoms: Atoms, volume_A3: float) -> None:
    """Scale the cell and positions isotropically to ``volume_A3`` (for NVT at the mean NPT volume)."""
    factor = (volume_A3 / atoms.get_volume()) ** (1.0 / 3.0)
    atoms.set_cell(atoms.cell * factor, scale_atoms=True)


@dataclass
class StageResult:
    series: Series
    frames: list[Atoms]


def run_stage(atoms: Atoms, preset: MDPreset, *, ensemble: str, T_K: float, steps: int, timestep_fs: float,
              rng: np.random.Generator, label: str, frame_interval: int = 0, record_interval: int = 10,
              max_volume_factor: float = 1.8, log_progress: bool = True) -> StageResult:
    """Run ``steps`` of ``ensemble`` (``nvt``, ``npt`` or ``nve``) in place on ``atoms``.

    Records `Series` every ``record_interval`` steps (and at step 0) and frames every
    ``frame_interval`` steps (none if 0); logs progress every 10% unless not ``log_progress`` (a caller
    that runs a long stage in parts logs its own). NPT stops with `MDGuardError` if the volume grows past
    ``max_volume_factor`` x its starting value (a melt that boils at this temperature).
    """
    from ase import units

    series = Series()
    frames: list[Atoms] = []
    if steps == 0:
        return StageResult(series, frames)
    if atoms.get_kinetic_energy() < 1e-12:
        set_velocities(atoms, T_K, rng)
    dyn = _dynamics(atoms, preset, ensemble=ensemble, T_K=T_K, timestep=timestep_fs * units.fs, rng=rng)

    def record() -> None:
        potential = float(atoms.get_potential_energy())
        series.time_fs.append(dyn.nsteps * timestep_fs)
        series.temperature_K.append(float(atoms.get_temperature()))
        series.volume_A3.append(float(atoms.get_volume()))
        series.pressure_GPa.append(pressure_GPa(atoms))
        series.potential_eV.append(potential)
        series.total_eV.append(potential + float(atoms.get_kinetic_energy()))

    extra: list[tuple[Callable[[], None], int]] = [(record, record_interval)]
    if frame_interval:
        extra.append((lambda: frames.append(snapshot(atoms, time_fs=dyn.nsteps * timestep_fs, T_K=T_K)),
                      frame_interval))
    max_volume = max_volume_factor * atoms.get_volume() if ensemble == "npt" else None
    _run(dyn, atoms, steps, label=label, target_K=T_K, preset=preset, extra=extra, max_volume_A3=max_volume,
         log_progress=log_progress)
    return StageResult(series, frames)


def _dynamics(atoms: Atoms, preset: MDPreset, *, ensemble: str, T_K: float, timestep: float,
              rng: np.random.Generator) -> MolecularDynamics:
    from ase import units

    if ensemble == "nvt":
        from ase.md.bussi import Bussi

        return Bussi(atoms, timestep, temperature_K=T_K, taut=preset.thermostat_taut_fs * units.fs, rng=rng)
    if ensemble == "npt":
        from ase.md.nose_hoover_chain import IsotropicMTKNPT

        return IsotropicMTKNPT(atoms, timestep, temperature_K=T_K, pressure_au=0.0,
                               tdamp=preset.thermostat_taut_fs * units.fs, pdamp=preset.barostat_taup_fs * units.fs)
    if ensemble == "nve":
        from ase.md.verlet import VelocityVerlet

        return VelocityVerlet(atoms, timestep)
    raise ValueError(f"unknown ensemble {ensemble!r}")


def _run(dyn: MolecularDynamics, atoms: Atoms, steps: int, *, label: str, target_K: float, preset: MDPreset,
         extra: list[tuple[Callable[[], None], int]], max_volume_A3: float | None, log_progress: bool = True) -> Guard:
    """Run ``dyn`` for ``steps`` with a guard (runaway judged against ``target_K``) and progress logs."""
    guard = Guard(atoms, label=label, target_K=target_K, interval=preset.check_interval_steps,
                  runaway_factor=preset.runaway_factor, min_distance_fraction=preset.min_distance_fraction,
                  step_time_factor=preset.step_time_factor, max_volume_A3=max_volume_A3)
    dyn.attach(guard, interval=1)
    for callback, interval in extra:
        dyn.attach(callback, interval=interval)
    # Every 10% of a long stage; short stages (quench blocks, smoke runs) log once at the end.
    tenth = max(steps // 10, min(steps, 100))

    def progress() -> None:
        if dyn.nsteps:
            logger.info("%s %d%% (%d/%d steps, T=%.0f K, %.0f A3)", label, round(100 * dyn.nsteps / steps),
                        dyn.nsteps, steps, atoms.get_temperature(), atoms.get_volume())

    if log_progress:
        dyn.attach(progress, interval=tenth)
    with quiet_potential():
        dyn.run(steps)
    return guard

"""Tracer diffusion of the mobile ion in one glass cell at several temperatures (NPT density, NVT production).

Per temperature: new Maxwell-Boltzmann velocities on the annealed glass, NPT (MTK, 0 GPa) to find
the volume at that temperature, the cell scaled to the mean volume of the NPT run's second half,
NVT equilibration, NVT production (Bussi). A production that is not diffusive
(`diffusion.DiffusionResult.diffusive`) is extended, at most ``max_extensions`` times. At the
hottest temperature an NVE segment measures the energy drift of the timestep.

Each temperature draws its velocities from its own stream (seed, composition, temperature), so a
temperature does not depend on the ones before it: with a checkpoint folder, every finished
temperature is saved (``conductivity-<T>K.json``) and a resumed cell runs only the missing ones.
Inside a temperature, the state after the equilibration and after every production chunk is saved
too (`partial`), so a killed run loses at most the stage it was in: one production chunk (~8
minutes of one core at `quick`) or one equilibration.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomistic.structures import density_of
from ..files import write_atomically
from .cell_lock import cell_lock
from .cost import Clock
from .diffusion import DiffusionResult
from .dynamics import run_stage, scale_to_volume, set_velocities
from .empty_space import mean_empty_space
from .partial import Frames, PartialTemperature, Progress
from .production import run_production

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

    from .artifacts import ArtifactWriter
    from .glass import GlassCell
    from .presets import MDPreset

logger = logging.getLogger(__name__)

#: Frames of a production measured for empty space (evenly spaced; ~20 ms each for 60 atoms).
EMPTY_SPACE_FRAMES = 20


@dataclass(frozen=True)
class TemperatureRun:
    """One temperature of one cell.

    Attributes:
        diffusion: kinisi analysis of the whole production (with extensions).
        density_g_cm3: density of the NVT cell (mean volume of the NPT run), g/cm3.
        npt_pressure_GPa: mean pressure of the NPT run's second half (check of the barostat), GPa.
        pressure_GPa, pressure_sd_GPa: mean and sd of the pressure over the NVT production, GPa.
        production_ps: production length including extensions, ps.
        extensions: how many times the production was extended because it was not diffusive.
        wall_s, cpu_s: wall-clock and CPU seconds of this temperature (`cost.Clock`).
        empty_fraction, largest_empty_sphere_A: empty space of the production cell (`empty_space`),
            means over `EMPTY_SPACE_FRAMES` frames: a cavity rather than a homogeneous liquid at a low
            NPT density. None in temperatures saved before it was measured.
    """

    diffusion: DiffusionResult
    density_g_cm3: float
    npt_pressure_GPa: float
    pressure_GPa: float
    pressure_sd_GPa: float
    production_ps: float
    extensions: int
    wall_s: float = 0.0
    cpu_s: float = 0.0
    empty_fraction: float | None = None
    largest_empty_sphere_A: float | None = None


@dataclass(frozen=True)
class DriftCheck:
    """NVE energy drift at ``T_K`` with the production timestep: slope of the total energy, meV/atom/ps."""

    T_K: float
    timestep_fs: float
    duration_ps: float
    drift_meV_atom_ps: float
    fluctuation_meV_atom: float


def nve_drift(atoms: Atoms, preset: MDPreset, *, T_K: float, rng: np.random.Generator, label: str) -> DriftCheck:
    """Run ``nve_check_steps`` NVE steps in place and fit the total energy against time."""
    result = run_stage(atoms, preset, ensemble="nve", T_K=T_K, steps=preset.nve_check_steps,
                       timestep_fs=preset.timestep_fs, rng=rng, label=f"{label}: NVE drift check {T_K:.0f} K",
                       record_interval=5)
    t_ps = np.asarray(result.series.time_fs) / 1000.0
    energy_meV_atom = np.asarray(result.series.total_eV) * 1000.0 / len(atoms)
    slope = float(np.polyfit(t_ps, energy_meV_atom, 1)[0]) if len(t_ps) > 2 else 0.0
    logger.info("%s: NVE drift at %.0f K with %.1f fs: %.3f meV/atom/ps over %.2f ps (sd %.2f meV/atom)", label, T_K,
                preset.timestep_fs, slope, float(t_ps[-1]) if len(t_ps) else 0.0, float(np.std(energy_meV_atom)))
    return DriftCheck(T_K=T_K, timestep_fs=preset.timestep_fs, duration_ps=float(t_ps[-1]) if len(t_ps) else 0.0,
                      drift_meV_atom_ps=slope, fluctuation_meV_atom=float(np.std(energy_meV_atom)))


def run_temperatures(glass: GlassCell, *, calculator: Calculator, preset: MDPreset, species: str,
                     entropy: Sequence[int], writer: ArtifactWriter, seed: int, checkpoints: Path | None = None,
                     checkpoint_key: dict[str, Any] | None = None, only_K: Collection[float] | None = None,
                     ) -> tuple[list[TemperatureRun], DriftCheck | None, float]:
    """All of ``preset.temperatures_K`` on ``glass``; returns the runs, the NVE check and simulated ps.

    ``entropy`` seeds every temperature's own random stream (with the temperature appended). With
    ``checkpoints``, a temperature saved there under the same ``checkpoint_key`` (what the result
    depends on: preset, glass) is read back instead of run again, and each new one is saved.
    ``only_K``: run just these of the preset's temperatures (another process runs the others).
    """
    p = preset
    runs: list[TemperatureRun] = []
    drift: DriftCheck | None = None
    simulated_fs = 0.0
    hottest = max(p.temperatures_K)
    for T in sorted(p.temperatures_K, reverse=True):  # hottest first: its NVE drift check is known early
        if only_K is not None and T not in only_K:
            continue
        run, T_drift, T_fs = _saved_or_run(glass, T, calculator=calculator, preset=p, species=species,
                                           rng=np.random.default_rng([*entropy, round(T)]), writer=writer, seed=seed,
                                           drift_check=hottest == T and bool(p.nve_check_steps),
                                           checkpoints=checkpoints, checkpoint_key=checkpoint_key)
        runs.append(run)
        drift = drift if T_drift is None else T_drift
        simulated_fs += T_fs
    return runs, drift, simulated_fs / 1000.0


def _saved_or_run(glass: GlassCell, T_K: float, *, calculator: Calculator, preset: MDPreset, species: str,
                  rng: np.random.Generator, writer: ArtifactWriter, seed: int, drift_check: bool,
                  checkpoints: Path | None, checkpoint_key: dict[str, Any] | None,
                  ) -> tuple[TemperatureRun, DriftCheck | None, float]:
    """One temperature read back from ``checkpoints`` when saved there under ``checkpoint_key``, else
    run (from its partial state, if any) and saved."""
    args: dict[str, Any] = {"calculator": calculator, "preset": preset, "T_K": T_K, "species": species, "rng": rng,
                            "writer": writer, "seed": seed, "drift_check": drift_check}
    if checkpoints is None:
        return _one_temperature(glass, partial=None, **args)
    name = f"conductivity-{T_K:.0f}K"
    # one process per temperature: another asking for it waits, then reads what this one saved
    with cell_lock(checkpoints / name):
        done = read_saved_temperature(checkpoints / f"{name}.json", checkpoint_key)
        if done is not None:
            run, drift, fs, artifact = done
            logger.info("%s s%d: %.0f K read from %s", glass.formula, seed, T_K, checkpoints / f"{name}.json")
            writer.records[f"production_{T_K:.0f}K"] = artifact
            return run, drift, fs
        partial = PartialTemperature(checkpoints / f"{name}.partial", {"temperature": checkpoint_key, "T_K": T_K})
        run, drift, fs = _one_temperature(glass, partial=partial, **args)
        write_atomically(checkpoints / f"{name}.json", json.dumps({
            "key": checkpoint_key, "run": asdict(run), "drift": None if drift is None else asdict(drift),
            "simulated_fs": fs, "artifact": writer.records[f"production_{T_K:.0f}K"]}))
        partial.remove()
        return run, drift, fs


def read_saved_temperature(path: Path | None, key: dict[str, Any] | None
                           ) -> tuple[TemperatureRun, DriftCheck | None, float, dict[str, Any]] | None:
    """A saved temperature made under ``key``, or None (none saved, another key, or unreadable)."""
    if path is None or not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("key") != key:
            logger.info("%s was made under other settings: not used", path)
            return None
        run = dict(record["run"])
        run["diffusion"] = DiffusionResult(**run["diffusion"])
        drift = None if record["drift"] is None else DriftCheck(**record["drift"])
        return TemperatureRun(**run), drift, float(record["simulated_fs"]), dict(record["artifact"])
    except (ValueError, KeyError, TypeError) as err:  # a damaged file costs the temperature, never the cell
        logger.warning("%s unreadable (%s): not used", path, err)
        return None


def _one_temperature(glass: GlassCell, *, calculator: Calculator, preset: MDPreset, T_K: float, species: str,
                     rng: np.random.Generator, writer: ArtifactWriter, seed: int, drift_check: bool,
                     partial: PartialTemperature | None) -> tuple[TemperatureRun, DriftCheck | None, float]:
    """Equilibration (NPT, NVT, optional NVE check) and production at ``T_K``, resumed from ``partial``
    where it holds an unfinished run; the run, the check, simulated fs."""
    p, T = preset, T_K
    label = f"{glass.formula} s{seed}"
    atoms = glass.atoms.copy()
    clock = Clock()
    resumed = None if partial is None else partial.load(atoms, rng)
    atoms.calc = calculator
    if resumed is None:
        progress, frames = _equilibrate(atoms, p, T_K=T, rng=rng, label=label, drift_check=drift_check), Frames()
    else:
        progress, frames = resumed
        clock = Clock(cpu_s=progress.cpu_s, wall_s=progress.wall_s)  # counting earlier runs of this temperature
        logger.info("%s: %.0f K resumed at production step %d of %d (%s)", label, T, progress.steps_done,
                    progress.target_steps, partial.folder if partial else "")

    def save(chunk: tuple[np.ndarray, np.ndarray] | None) -> None:
        if partial is not None:
            spent = clock.elapsed()
            progress.cpu_s, progress.wall_s = spent["cpu_s"], spent["wall_s"]
            partial.save(progress, atoms, rng, chunk)

    if resumed is None:
        save(None)
    run, trajectory = run_production(atoms, p, T_K=T, species=species, rng=rng, label=label, seed=seed,
                                     progress=progress, frames=frames, save=save)
    writer.write(f"production_{T:.0f}K", trajectory)
    logger.info("%s: D(%s, %.0f K) = %.3g cm2/s (ln sd %.2f), MSD %.2f A2, slope %.2f, diffusive %s", label,
                species, T, run.D_cm2_s, run.ln_D_std, run.msd_end_A2, run.msd_slope, run.diffusive)
    pressures = progress.pressures_GPa or [0.0]
    space, _ = mean_empty_space(trajectory[::max(1, len(trajectory) // EMPTY_SPACE_FRAMES)])
    return TemperatureRun(
        diffusion=run, density_g_cm3=density_of(atoms), npt_pressure_GPa=progress.npt_pressure_GPa,
        pressure_GPa=float(np.mean(pressures)), pressure_sd_GPa=float(np.std(pressures)),
        production_ps=run.duration_ps, extensions=progress.extensions, **clock.elapsed(),
        empty_fraction=space.empty_fraction, largest_empty_sphere_A=space.largest_sphere_A,
    ), None if progress.drift is None else DriftCheck(**progress.drift), (
        progress.pre_production_fs + run.duration_ps * 1000.0)


def _equilibrate(atoms: Atoms, p: MDPreset, *, T_K: float, rng: np.random.Generator, label: str,
                 drift_check: bool) -> Progress:
    """New velocities, NPT, the cell at the mean NPT volume, NVT and (hottest T) the NVE check, in place."""
    T = T_K
    set_velocities(atoms, T, rng)
    npt = run_stage(atoms, p, ensemble="npt", T_K=T, steps=p.npt_per_T_steps, timestep_fs=p.timestep_fs, rng=rng,
                    label=f"{label}: NPT {T:.0f} K").series.tail()
    scale_to_volume(atoms, float(np.mean(npt.volume_A3 or [atoms.get_volume()])))
    npt_pressure = float(np.mean(npt.pressure_GPa or [0.0]))
    logger.info("%s: NPT %.0f K: %.3f g/cm3, %.2f GPa (second half)", label, T, density_of(atoms), npt_pressure)
    run_stage(atoms, p, ensemble="nvt", T_K=T, steps=p.equilibrate_per_T_steps, timestep_fs=p.timestep_fs,
              rng=rng, label=f"{label}: NVT equilibrate {T:.0f} K")
    simulated_fs = (p.npt_per_T_steps + p.equilibrate_per_T_steps) * p.timestep_fs
    drift = None
    if drift_check:
        drift = asdict(nve_drift(atoms, p, T_K=T, rng=rng, label=label))
        simulated_fs += p.nve_check_steps * p.timestep_fs
    return Progress(npt_pressure_GPa=npt_pressure, pre_production_fs=simulated_fs, drift=drift,
                    target_steps=p.production_steps)

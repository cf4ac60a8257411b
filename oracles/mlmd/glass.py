"""Annealed glass cells made by melt-quench MD with the potential finding the density (NPT).

`make_glass_cells` is the one entry point other oracles use (the hull oracle takes these cells for
its glass energies). Each cell is written to ``workdir/<formula>-<preset>-<potential>-s<seed>/glass/``
(extended XYZ plus ``glass.json``) and reused from there when the protocol fields that made it
(`MDPreset.glass_key`) match, so a cell is never computed twice.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomistic.structures import density_of
from ..composition import Composition
from ..files import write_atomically
from .cell_lock import cell_lock
from .cost import Clock
from .dynamics import quiet_potential, run_stage, set_velocities, snapshot
from .guards import MDGuardError, check_finite, min_distance_violation
from .network import mean_diagnostics
from .presets import MDPreset

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

#: Relative change of the bridging-O fraction and density between the two halves of the anneal
#: beyond which the network is reported as not settled.
SETTLED_TOLERANCE = 0.05


@dataclass(frozen=True)
class GlassCell:
    """One annealed glass cell (one seed) and how it was made.

    Attributes:
        formula: the realised formula per Al of the cell.
        seed: the seed that made it (random packing, velocities, thermostat noise).
        atoms: the glass at ``quench_end_K`` after NPT equilibration (velocities kept).
        melt: the NPT-annealed melt at ``anneal_T_K`` (the start of the Tg cooling).
        density_g_cm3, density_sd_g_cm3: mean and sd over the NPT equilibration at ``quench_end_K``.
        mobile_ions_per_A3: number density of the M ions at that mean density, 1/Angstrom^3.
        pressure_GPa, pressure_sd_GPa: the same for the instantaneous pressure (target 0 GPa).
        anneal_density_g_cm3: mean density of the second half of the anneal (the melt), g/cm3.
        network: Al coordination and O bridging in the glass (`network.network_diagnostics`).
        melt_network_halves: the same for the first and the second half of the anneal.
        settled: the density and bridging-O fraction agree between the anneal's halves.
        quench_T_K, quench_volume_A3: mean volume at each quench block (V(T) of the quench).
        simulated_ps: MD time spent making this cell, ps.
        folder: where the cell files are.
        potential: label of the potential that made it.
        wall_s, cpu_s: wall-clock and CPU seconds (all threads) of the process while making the cell;
            0 for a cell made before they were recorded.
    """

    formula: str
    seed: int
    atoms: Atoms
    melt: Atoms
    density_g_cm3: float
    density_sd_g_cm3: float
    mobile_ions_per_A3: float
    pressure_GPa: float
    pressure_sd_GPa: float
    anneal_density_g_cm3: float
    network: dict[str, float]
    melt_network_halves: tuple[dict[str, float], dict[str, float]]
    settled: bool
    quench_T_K: tuple[float, ...]
    quench_volume_A3: tuple[float, ...]
    simulated_ps: float
    folder: str
    potential: str
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (no structures)."""
        record = asdict(self)
        for key in ("atoms", "melt"):
            record.pop(key)
        return record


def glass_folder(workdir: Path, formula: str, preset_name: str, potential: str, seed: int) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{formula}-{preset_name}-{potential}-s{seed}")
    return workdir / safe / "glass"


def make_glass_cells(comp: Composition, *, calculator: Calculator, preset: MDPreset, seeds: Sequence[int],
                     workdir: Path, preset_name: str = "custom", potential_label: str = "",
                     reuse: bool = True) -> list[GlassCell]:
    """One annealed glass cell per seed, made (or, with ``reuse``, read back from ``workdir``) with ``calculator``.

    ``calculator`` must be the potential named by ``preset.potential`` for reuse to be right: cells
    are filed under that name. Raises `MDGuardError` when a run goes unphysical (the message names
    the stage).
    """
    return [make_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, workdir=workdir,
                            preset_name=preset_name, potential_label=potential_label, reuse=reuse) for seed in seeds]


def make_glass_cell(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, workdir: Path,
                    preset_name: str = "custom", potential_label: str = "", reuse: bool = True) -> GlassCell:
    """See `make_glass_cells`; one seed. With ``reuse``, one process at a time makes a given cell."""
    folder = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed)
    if not reuse:
        return _build_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, folder=folder,
                                 potential_label=potential_label)
    with cell_lock(folder):
        cached = load_glass_cell(folder, preset)
        if cached is not None:
            logger.info("%s: glass cell seed %d read from %s", comp.formula, seed, folder)
            return cached
        return _build_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, folder=folder,
                                 potential_label=potential_label)


def _build_glass_cell(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, folder: Path,
                      potential_label: str) -> GlassCell:
    from ..atomistic.relax import relax_structure
    from ..atomistic.structures import build_amorphous

    p = preset
    clock = Clock()
    rng = np.random.default_rng([seed, zlib.crc32(comp.formula.encode())])
    start = build_amorphous(comp, target_atoms=p.target_atoms, rng=np.random.default_rng([seed, 1]))
    label = f"{comp.formula} s{seed}"
    problem = min_distance_violation(start, p.min_distance_fraction)
    if problem:
        raise MDGuardError(f"{label}: starting structure: {problem}")
    with quiet_potential():
        # cell free: the NPT stages then start near the potential's own density instead of a ~5 GPa
        # kick from the estimated one, which overshoots into a cavitated cell
        atoms, _, _ = relax_structure(start, calculator, fmax_eV_A=p.relax_fmax_eV_A, max_steps=p.relax_max_steps,
                                      relax_cell=True)
        check_finite(atoms)
    atoms.calc = calculator
    simulated_fs = 0.0

    def stage(ensemble: str, T: float, steps: int, dt: float, name: str, frame_interval: int = 0):  # type: ignore[no-untyped-def]
        nonlocal simulated_fs
        simulated_fs += steps * dt
        return run_stage(atoms, p, ensemble=ensemble, T_K=T, steps=steps, timestep_fs=dt, rng=rng,
                         label=f"{label}: {name}", frame_interval=frame_interval)

    set_velocities(atoms, p.melt_T_K, rng)
    stage("nvt", p.melt_T_K, p.melt_steps, p.melt_timestep_fs, f"NVT melt {p.melt_T_K:.0f} K")
    set_velocities(atoms, p.anneal_T_K, rng)
    anneal = stage("npt", p.anneal_T_K, p.anneal_steps, p.timestep_fs, f"NPT anneal {p.anneal_T_K:.0f} K",
                   frame_interval=max(1, p.anneal_steps // 20))
    melt = snapshot(atoms)
    halves = _halves(anneal.frames)
    density_halves = _density_halves(anneal.series.volume_A3, atoms)
    settled = _settled(halves, density_halves)
    quench_T, quench_V = [], []
    block = max(1, p.quench_steps // p.quench_blocks)
    for T in np.linspace(p.anneal_T_K, p.quench_end_K, p.quench_blocks + 1)[1:]:
        result = stage("npt", float(T), block, p.timestep_fs, f"NPT quench {T:.0f} K")
        quench_T.append(float(T))
        quench_V.append(float(np.mean(result.series.tail().volume_A3)))
    final = stage("npt", p.quench_end_K, p.equilibrate_steps, p.timestep_fs,
                  f"NPT equilibrate {p.quench_end_K:.0f} K", frame_interval=max(1, p.equilibrate_steps // 10))
    tail = final.series.tail()
    mass = density_of(atoms) * atoms.get_volume()
    densities = mass / np.asarray(tail.volume_A3 or [atoms.get_volume()])
    cell = GlassCell(
        formula=str(start.info.get("formula", comp.formula)), seed=seed, atoms=snapshot(atoms), melt=melt,
        density_g_cm3=float(densities.mean()), density_sd_g_cm3=float(densities.std()),
        mobile_ions_per_A3=atoms.get_chemical_symbols().count(comp.M) * float(densities.mean()) / mass,
        pressure_GPa=float(np.mean(tail.pressure_GPa or [0.0])),
        pressure_sd_GPa=float(np.std(tail.pressure_GPa or [0.0])),
        anneal_density_g_cm3=density_halves[1], network=mean_diagnostics(final.frames[-5:] or [atoms]),
        melt_network_halves=halves, settled=settled, quench_T_K=tuple(quench_T), quench_volume_A3=tuple(quench_V),
        simulated_ps=simulated_fs / 1000.0, folder=str(folder), potential=potential_label or p.potential,
        **clock.elapsed(),
    )
    save_glass_cell(cell, preset)
    return cell


def _halves(frames: list[Atoms]) -> tuple[dict[str, float], dict[str, float]]:
    mid = len(frames) // 2
    return mean_diagnostics(frames[:mid] or frames), mean_diagnostics(frames[mid:] or frames)


def _density_halves(volumes: list[float], atoms: Atoms) -> tuple[float, float]:
    mass = density_of(atoms) * atoms.get_volume()
    mid = len(volumes) // 2
    first, second = volumes[:mid] or volumes, volumes[mid:] or volumes
    if not second:
        return density_of(atoms), density_of(atoms)
    return float(mass / np.mean(first)), float(mass / np.mean(second))


def _settled(halves: tuple[dict[str, float], dict[str, float]], density: tuple[float, float]) -> bool:
    """Density and bridging-O fraction differ by less than `SETTLED_TOLERANCE` between the anneal's halves."""
    first, second = halves
    bridging = abs(first.get("o_bridging_fraction", 0.0) - second.get("o_bridging_fraction", 0.0))
    return bool(abs(density[1] / density[0] - 1.0) < SETTLED_TOLERANCE and bridging < SETTLED_TOLERANCE * 2)


def save_glass_cell(cell: GlassCell, preset: MDPreset) -> None:
    from ase.io import write

    folder = Path(cell.folder)
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "glass.extxyz", cell.atoms, format="extxyz")
    write(folder / "melt.extxyz", cell.melt, format="extxyz")
    record = {"glass_key": preset.glass_key(), **cell.summary()}
    # the record last and whole: a cell without its glass.json is not there for `load_glass_cell`
    write_atomically(folder / "glass.json", json.dumps(record, indent=1))


def load_glass_cell(folder: Path, preset: MDPreset) -> GlassCell | None:
    """The cell saved in ``folder`` if it exists and was made by the same glass protocol, else None."""
    from ase.io import read

    path = folder / "glass.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if record.pop("glass_key", None) != json.loads(json.dumps(preset.glass_key())):
        return None
    atoms = read(folder / "glass.extxyz")
    melt = read(folder / "melt.extxyz")
    assert not isinstance(atoms, list) and not isinstance(melt, list)
    record["folder"] = str(folder)  # where it is now (a cloned or moved folder), not where it was made
    record["melt_network_halves"] = tuple(record["melt_network_halves"])
    record["quench_T_K"] = tuple(record["quench_T_K"])
    record["quench_volume_A3"] = tuple(record["quench_volume_A3"])
    return GlassCell(atoms=atoms, melt=melt, **record)

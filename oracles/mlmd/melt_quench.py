"""The melt-quench protocol that makes one annealed glass cell, with the potential finding the density.

Random packing -> FIRE relaxation, cell free -> NVT melt -> NPT (MTK, 0 GPa) anneal -> NPT quench
in blocks -> NPT equilibration (`presets.MDPreset` has the numbers). With ``resume``, the state
after the melt, the anneal and every quench block is saved in ``<glass folder>/partial`` (a
`saved_md.SavedMD`): a killed run resumes at the last of them (the anneal is the longest stage,
~25 minutes of one core at `quick`) and makes the cell an unbroken run makes, because every stage
starts a new thermostat whose only state is the random stream, saved with the atoms.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomistic.structures import density_of
from ..composition import Composition
from .cost import Clock
from .dynamics import StageResult, quiet_potential, run_stage, set_velocities, snapshot
from .glass_cell import GlassCell, save_glass_cell
from .guards import MDGuardError, check_finite, min_distance_violation
from .network import mean_diagnostics
from .presets import MDPreset
from .saved_md import SavedMD

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

#: Relative change of the bridging-O fraction and density between the two halves of the anneal
#: beyond which the network is reported as not settled.
SETTLED_TOLERANCE = 0.05


@dataclass
class _Made:
    """How far the protocol got (the saved record): stages done is 1 after the melt, 2 after the
    anneal, 2 + k after k quench blocks. Times in fs, volumes in Angstrom^3, cost in seconds."""

    stages_done: int = 0
    simulated_fs: float = 0.0
    halves: list[dict[str, float]] = field(default_factory=list)
    density_halves: list[float] = field(default_factory=list)
    settled: bool = False
    quench_T_K: list[float] = field(default_factory=list)
    quench_volume_A3: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0


def build_glass_cell(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, folder: Path,
                     potential_label: str, resume: bool) -> GlassCell:
    """Make the cell of ``seed`` and save it in ``folder``; `MDGuardError` when a stage goes unphysical."""
    from ..atomistic.relax import relax_structure
    from ..atomistic.structures import build_amorphous

    p = preset
    rng = np.random.default_rng([seed, zlib.crc32(comp.formula.encode())])
    start = build_amorphous(comp, target_atoms=p.target_atoms, rng=np.random.default_rng([seed, 1]))
    label = f"{comp.formula} s{seed}"
    problem = min_distance_violation(start, p.min_distance_fraction)
    if problem:
        raise MDGuardError(f"{label}: starting structure: {problem}")
    saved = SavedMD(folder / "partial", {"glass": p.glass_key(), "formula": comp.formula, "seed": seed},
                    "the glass cell") if resume else None
    atoms = start.copy()

    def parse(record: dict[str, Any], arrays: dict[str, np.ndarray]) -> tuple[_Made, Atoms | None]:
        made = _Made(**record)
        if made.stages_done < 2:
            return made, None
        melt = start.copy()
        melt.set_cell(arrays["melt_cell"])
        melt.set_positions(arrays["melt_positions"])
        melt.set_momenta(arrays["melt_momenta"])
        return made, melt

    loaded = None if saved is None else saved.load(atoms, rng, parse)
    made, melt = loaded if loaded is not None else (_Made(), None)
    if loaded is not None:
        logger.info("%s: glass cell resumed after %d of %d stages (%s)", label, made.stages_done,
                    2 + p.quench_blocks, folder / "partial")
    clock = Clock(cpu_s=made.cpu_s, wall_s=made.wall_s)  # counting earlier runs of this cell

    def checkpoint() -> None:
        made.stages_done += 1
        if saved is not None:
            spent = clock.elapsed()
            made.cpu_s, made.wall_s = spent["cpu_s"], spent["wall_s"]
            melt_arrays = {} if melt is None else {
                "melt_positions": melt.get_positions(), "melt_momenta": melt.get_momenta(),
                "melt_cell": np.asarray(melt.cell)}
            saved.save(asdict(made), atoms, rng, **melt_arrays)

    def stage(ensemble: str, T: float, steps: int, dt: float, name: str, frame_interval: int = 0) -> StageResult:
        made.simulated_fs += steps * dt
        return run_stage(atoms, p, ensemble=ensemble, T_K=T, steps=steps, timestep_fs=dt, rng=rng,
                         label=f"{label}: {name}", frame_interval=frame_interval)

    if made.stages_done < 1:
        with quiet_potential():
            # cell free: the NPT stages then start near the potential's own density instead of a ~5 GPa
            # kick from the estimated one, which overshoots into a cavitated cell
            atoms, _, _ = relax_structure(start, calculator, fmax_eV_A=p.relax_fmax_eV_A,
                                          max_steps=p.relax_max_steps, relax_cell=True)
            check_finite(atoms)
        atoms.calc = calculator
        set_velocities(atoms, p.melt_T_K, rng)
        stage("nvt", p.melt_T_K, p.melt_steps, p.melt_timestep_fs, f"NVT melt {p.melt_T_K:.0f} K")
        checkpoint()
    atoms.calc = calculator
    if made.stages_done < 2:
        set_velocities(atoms, p.anneal_T_K, rng)
        anneal = stage("npt", p.anneal_T_K, p.anneal_steps, p.timestep_fs, f"NPT anneal {p.anneal_T_K:.0f} K",
                       frame_interval=max(1, p.anneal_steps // 20))
        melt = snapshot(atoms)
        made.halves = list(_halves(anneal.frames))
        made.density_halves = list(_density_halves(anneal.series.volume_A3, atoms))
        made.settled = _settled((made.halves[0], made.halves[1]), (made.density_halves[0], made.density_halves[1]))
        checkpoint()
    block = max(1, p.quench_steps // p.quench_blocks)
    for k, T in enumerate(np.linspace(p.anneal_T_K, p.quench_end_K, p.quench_blocks + 1)[1:]):
        if 2 + k < made.stages_done:
            continue
        result = stage("npt", float(T), block, p.timestep_fs, f"NPT quench {T:.0f} K")
        made.quench_T_K.append(float(T))
        made.quench_volume_A3.append(float(np.mean(result.series.tail().volume_A3)))
        checkpoint()
    final = stage("npt", p.quench_end_K, p.equilibrate_steps, p.timestep_fs,
                  f"NPT equilibrate {p.quench_end_K:.0f} K", frame_interval=max(1, p.equilibrate_steps // 10))
    assert melt is not None
    tail = final.series.tail()
    mass = density_of(atoms) * atoms.get_volume()
    densities = mass / np.asarray(tail.volume_A3 or [atoms.get_volume()])
    cell = GlassCell(
        formula=str(start.info.get("formula", comp.formula)), seed=seed, atoms=snapshot(atoms), melt=melt,
        density_g_cm3=float(densities.mean()), density_sd_g_cm3=float(densities.std()),
        mobile_ions_per_A3=atoms.get_chemical_symbols().count(comp.M) * float(densities.mean()) / mass,
        pressure_GPa=float(np.mean(tail.pressure_GPa or [0.0])),
        pressure_sd_GPa=float(np.std(tail.pressure_GPa or [0.0])),
        anneal_density_g_cm3=made.density_halves[1], network=mean_diagnostics(final.frames[-5:] or [atoms]),
        melt_network_halves=(made.halves[0], made.halves[1]), settled=made.settled,
        quench_T_K=tuple(made.quench_T_K), quench_volume_A3=tuple(made.quench_volume_A3),
        simulated_ps=made.simulated_fs / 1000.0, folder=str(folder), potential=potential_label or p.potential,
        **clock.elapsed(),
    )
    save_glass_cell(cell, preset)
    if saved is not None:
        saved.remove()
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

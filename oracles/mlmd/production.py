"""NVT production at one temperature, run in chunks that are saved, and extended while not diffusive.

The production is cut into chunks of about `CHUNK_STEPS` steps (a multiple of the frame and
record intervals, so the frames fall on the grid an uncut run would give). After each chunk the
caller's ``save`` keeps the frames and the MD state, so a stopped run loses at most one chunk.
The analysis always covers the whole trajectory, extensions included.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .diffusion import DiffusionResult, tracer_diffusion
from .dynamics import run_stage
from .partial import Frames, Progress

if TYPE_CHECKING:
    from ase import Atoms

    from .presets import MDPreset

logger = logging.getLogger(__name__)

#: Production steps between saves: ~8 minutes of one core for a 60-atom cell on 7net-mf-0.
CHUNK_STEPS = 1000
#: Steps between records of the stage series (`dynamics.run_stage`'s default).
RECORD_INTERVAL_STEPS = 10

#: Called after each chunk with its frames (positions, times in fs), or None when only the plan changed.
SaveChunk = Callable[[tuple[np.ndarray, np.ndarray] | None], None]


def chunk_steps(preset: MDPreset) -> int:
    """`CHUNK_STEPS` rounded down to a multiple of the frame and record intervals (at least one of that)."""
    grid = math.lcm(preset.frame_interval_steps, RECORD_INTERVAL_STEPS)
    return max(grid, CHUNK_STEPS // grid * grid)


def run_production(atoms: Atoms, preset: MDPreset, *, T_K: float, species: str, rng: np.random.Generator,
                   label: str, seed: int, progress: Progress, frames: Frames, save: SaveChunk,
                   ) -> tuple[DiffusionResult, list[Atoms]]:
    """Continue the production from ``progress``/``frames`` to its end; the analysis and the trajectory.

    ``progress`` and ``frames`` are updated in place (steps done, pressures, extensions).
    """
    p = preset
    chunk = chunk_steps(p)
    while True:
        while progress.steps_done < progress.target_steps:
            steps = min(chunk, progress.target_steps - progress.steps_done)
            stage = run_stage(atoms, p, ensemble="nvt", T_K=T_K, steps=steps, timestep_fs=p.timestep_fs, rng=rng,
                              label=f"{label}: NVT production {T_K:.0f} K", frame_interval=p.frame_interval_steps,
                              record_interval=RECORD_INTERVAL_STEPS, log_progress=False)
            first = 0 if progress.steps_done == 0 else 1  # a chunk's step-0 record repeats the last one
            positions = np.array([frame.positions for frame in stage.frames[first:]])
            times = (np.array([frame.info["time_fs"] for frame in stage.frames[first:]])
                     + progress.steps_done * p.timestep_fs)
            progress.pressures_GPa.extend(stage.series.pressure_GPa[first:])
            progress.steps_done += steps
            frames.add(positions, times)
            save((positions, times))
            logger.info("%s: NVT production %.0f K %d/%d steps (T=%.0f K)", label, T_K, progress.steps_done,
                        progress.target_steps, atoms.get_temperature())
        trajectory = frames.as_atoms(atoms, T_K=T_K)
        run = tracer_diffusion(trajectory, species, T_K=T_K, timestep_fs=p.timestep_fs,
                               frame_interval=p.frame_interval_steps, start_fraction=p.msd_start_fraction,
                               n_samples=p.kinisi_samples, seed=seed, hop_length_A=p.hop_length_A,
                               slope_tolerance=p.diffusive_slope_tolerance)
        if run.diffusive or progress.extensions >= p.max_extensions or p.extend_steps == 0:
            return run, trajectory
        progress.extensions += 1
        progress.target_steps += p.extend_steps
        logger.info("%s: %.0f K not diffusive (MSD %.2f A2, slope %.2f); extending by %d steps (%d/%d)", label, T_K,
                    run.msd_end_A2, run.msd_slope, p.extend_steps, progress.extensions, p.max_extensions)
        save(None)

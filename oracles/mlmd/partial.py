"""An unfinished temperature on disk, so that a stopped run resumes inside it rather than at its start.

One temperature of a `quick` cell is about an hour of one core, most of it NVT production. Its
folder ``conductivity-<T>K.partial/`` (a `saved_md.SavedMD`) is written after the equilibration
(NPT, NVT, NVE check) and after every production chunk: the record is `Progress`, and each chunk's
production frames go to their own file ``frames-NNN.npz``, written once (positions as float32).

Resuming gives the numbers an unbroken run gives: the MD state and the random stream are restored
exactly, and production frames are analysed at float32 precision whether or not they went through
a file. The folder is removed when the temperature's result is saved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .saved_md import SavedMD

if TYPE_CHECKING:
    from ase import Atoms


@dataclass
class Progress:
    """Where an unfinished temperature stands; times in fs, pressures in GPa, cost in seconds."""

    npt_pressure_GPa: float
    pre_production_fs: float
    drift: dict[str, float] | None = None
    steps_done: int = 0
    target_steps: int = 0
    extensions: int = 0
    pressures_GPa: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    wall_s: float = 0.0
    chunks: list[str] = field(default_factory=list)


@dataclass
class Frames:
    """Production frames as arrays: positions (frames x atoms x 3, Angstrom, float32) and times (fs)."""

    positions: list[np.ndarray] = field(default_factory=list)
    time_fs: list[np.ndarray] = field(default_factory=list)

    def add(self, positions: np.ndarray, time_fs: np.ndarray) -> None:
        self.positions.append(np.asarray(positions, dtype=np.float32))
        self.time_fs.append(np.asarray(time_fs, dtype=float))

    def as_atoms(self, template: Atoms, *, T_K: float) -> list[Atoms]:
        """One `Atoms` per frame on ``template``'s species and cell (NVT: the cell is fixed)."""
        from ase import Atoms as AseAtoms

        positions = np.concatenate(self.positions) if self.positions else np.zeros((0, len(template), 3))
        times = np.concatenate(self.time_fs) if self.time_fs else np.zeros(0)
        return [AseAtoms(numbers=template.numbers, positions=p.astype(float), cell=template.cell, pbc=True,
                         info={"time_fs": float(t), "T_K": T_K}) for p, t in zip(positions, times)]


class PartialTemperature:
    """The ``conductivity-<T>K.partial`` folder of one temperature, valid only under ``key``."""

    def __init__(self, folder: Path, key: dict[str, Any]) -> None:
        self.folder = folder
        self._saved = SavedMD(folder, key, "the temperature")

    def load(self, atoms: Atoms, rng: np.random.Generator) -> tuple[Progress, Frames] | None:
        """The saved progress and frames, with ``atoms`` and ``rng`` set to where it stopped; None if
        nothing usable is saved (the temperature starts over)."""

        def parse(record: dict[str, Any], _: dict[str, np.ndarray]) -> tuple[Progress, Frames]:
            progress, frames = Progress(**record), Frames()
            for name in progress.chunks:
                chunk = self._saved.read_arrays(name)
                frames.add(chunk["positions"], chunk["time_fs"])
            return progress, frames

        return self._saved.load(atoms, rng, parse)

    def save(self, progress: Progress, atoms: Atoms, rng: np.random.Generator,
             chunk: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Save the MD state and ``progress``; ``chunk`` (positions, times) is the frames added since the last save."""
        if chunk is not None:
            name = f"frames-{len(progress.chunks):03d}.npz"
            self._saved.write_arrays(name, positions=np.asarray(chunk[0], dtype=np.float32), time_fs=chunk[1])
            progress.chunks.append(name)
        self._saved.save(asdict(progress), atoms, rng)

    def remove(self) -> None:
        self._saved.remove()

"""An unfinished temperature on disk, so that a stopped run resumes inside it rather than at its start.

One temperature of a `quick` cell is about an hour of one core, most of it NVT production. Its
folder ``conductivity-<T>K.partial/`` is written after the equilibration (NPT, NVT, NVE check) and
after every production chunk (`CHUNK_STEPS`):

- ``state.json``: where the temperature stands (`Progress`), the random stream's state, what the
  result will depend on (the key), and the chunk files so far; written last, so it only ever
  names files that are complete;
- ``md-NNN.npz``: positions, momenta and cell at full precision (the MD continues bit for bit),
  one name per save so that ``state.json`` never names a state newer or older than its chunks;
- ``frames-NNN.npz``: one per chunk, written once: the production frames' positions (float32).

Resuming gives the numbers an unbroken run gives: Bussi NVT keeps no state but its random stream,
which is restored, and production frames are analysed at float32 precision whether or not they
went through a file. The folder is removed when the temperature's result is saved.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..files import write_atomically

if TYPE_CHECKING:
    from ase import Atoms

logger = logging.getLogger(__name__)

#: Production steps between saves: ~8 minutes of one core for a 60-atom cell on 7net-mf-0.
CHUNK_STEPS = 1000


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
        self.key = json.loads(json.dumps(key))  # as it reads back from JSON

    def load(self, atoms: Atoms, rng: np.random.Generator) -> tuple[Progress, Frames] | None:
        """The saved progress and frames, with ``atoms`` and ``rng`` set to where it stopped; None if
        nothing usable is saved (none, other settings, or damaged files: the temperature starts over)."""
        state = self.folder / "state.json"
        if not state.is_file():
            return None
        try:
            record = json.loads(state.read_text(encoding="utf-8"))
            if record.get("key") != self.key:
                logger.info("%s was made under other settings; starting the temperature over", self.folder)
                return None
            progress = Progress(**record["progress"])
            frames = Frames()
            for name in progress.chunks:
                with np.load(self.folder / name) as chunk:
                    frames.add(chunk["positions"], chunk["time_fs"])
            with np.load(self.folder / record["md"]) as md:
                positions, momenta, cell = md["positions"], md["momenta"], md["cell"]
            if positions.shape != (len(atoms), 3):
                raise ValueError(f"{len(positions)} atoms saved, the glass has {len(atoms)}")
            rng.bit_generator.state = record["rng"]
        except (OSError, ValueError, KeyError, TypeError) as err:
            logger.warning("%s unreadable (%s); starting the temperature over", self.folder, err)
            return None
        atoms.set_cell(cell)
        atoms.set_positions(positions)
        atoms.set_momenta(momenta)
        return progress, frames

    def save(self, progress: Progress, atoms: Atoms, rng: np.random.Generator,
             chunk: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Save the MD state and ``progress``; ``chunk`` (positions, times) is the frames added since the last save."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if chunk is not None:
            name = f"frames-{len(progress.chunks):03d}.npz"
            _save_npz(self.folder / name, positions=np.asarray(chunk[0], dtype=np.float32), time_fs=chunk[1])
            progress.chunks.append(name)
        md = f"md-{len(progress.chunks):03d}.npz"
        _save_npz(self.folder / md, positions=atoms.get_positions(), momenta=atoms.get_momenta(),
                  cell=np.asarray(atoms.cell))
        write_atomically(self.folder / "state.json", json.dumps(
            {"key": self.key, "md": md, "rng": rng.bit_generator.state, "progress": asdict(progress)}))
        for old in self.folder.glob("md-*.npz"):
            if old.name != md:
                old.unlink()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _save_npz(path: Path, **arrays: Any) -> None:  # Any: numpy's stubs type **kwds as allow_pickle
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    write_atomically(path, buffer.getvalue())

"""Where a long MD protocol stopped, on disk, so that a killed run resumes there with the same numbers.

A `SavedMD` folder holds:

- ``state.json``: the caller's record of what is done, the random stream's state, the key (what
  the result depends on) and the name of the state file; written last, so it only ever names files
  that are complete;
- ``md-NNNN.npz``: positions, momenta and cell at full precision (and any arrays the caller adds),
  a new name per save, so ``state.json`` never names a state older or newer than its record;
- any further array files the caller writes once (`write_arrays`), such as trajectory chunks.

Resuming continues bit for bit: the thermostats used between saves (Bussi, a new MTK object per
stage) keep no state but the random stream, which is restored with the atoms.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from ..files import write_atomically

if TYPE_CHECKING:
    from ase import Atoms

logger = logging.getLogger(__name__)

T = TypeVar("T")


class SavedMD:
    """The folder of one unfinished protocol, valid only under ``key``; ``what`` names it in messages."""

    def __init__(self, folder: Path, key: dict[str, Any], what: str) -> None:
        self.folder = folder
        self.key = json.loads(json.dumps(key))  # as it reads back from JSON
        self.what = what
        self._serial = 0

    def load(self, atoms: Atoms, rng: np.random.Generator,
             parse: Callable[[dict[str, Any], dict[str, np.ndarray]], T]) -> T | None:
        """``parse(record, arrays)`` of the saved state, with ``atoms`` and ``rng`` then set to where it
        stopped; None, leaving both untouched, if nothing usable is saved (none, other settings, damaged
        files, or ``parse`` failing on them): the caller starts over."""
        state = self.folder / "state.json"
        if not state.is_file():
            return None
        try:
            saved = json.loads(state.read_text(encoding="utf-8"))
            if saved.get("key") != self.key:
                logger.info("%s was made under other settings; starting %s over", self.folder, self.what)
                return None
            arrays = self.read_arrays(saved["md"])
            if arrays["positions"].shape != (len(atoms), 3):
                raise ValueError(f"{len(arrays['positions'])} atoms saved, the cell has {len(atoms)}")
            result = parse(saved["record"], arrays)
            rng.bit_generator.state = saved["rng"]
            self._serial = int(saved["serial"])
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as err:
            logger.warning("%s unreadable (%s); starting %s over", self.folder, err, self.what)
            return None
        atoms.set_cell(arrays["cell"])
        atoms.set_positions(arrays["positions"])
        atoms.set_momenta(arrays["momenta"])
        return result

    def save(self, record: dict[str, Any], atoms: Atoms, rng: np.random.Generator, **arrays: np.ndarray) -> None:
        """Save the MD state of ``atoms``, the state of ``rng``, ``record`` (JSON-ready) and ``arrays``."""
        self._serial += 1
        md = f"md-{self._serial:04d}.npz"
        self.write_arrays(md, positions=atoms.get_positions(), momenta=atoms.get_momenta(),
                          cell=np.asarray(atoms.cell), **arrays)
        write_atomically(self.folder / "state.json", json.dumps(
            {"key": self.key, "serial": self._serial, "md": md, "rng": rng.bit_generator.state, "record": record}))
        for old in self.folder.glob("md-*.npz"):
            if old.name != md:
                old.unlink()

    def write_arrays(self, name: str, **arrays: Any) -> None:  # Any: numpy's stubs type **kwds as allow_pickle
        """Write ``arrays`` to the file ``name`` in the folder, whole or not at all."""
        self.folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        write_atomically(self.folder / name, buffer.getvalue())

    def read_arrays(self, name: str) -> dict[str, np.ndarray]:
        # the handle is ours, so a damaged file is closed too (numpy leaves its own open when it raises)
        with open(self.folder / name, "rb") as handle, np.load(handle) as stored:
            return {key: stored[key] for key in stored.files}

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

"""Per-composition result cache: in memory, and optionally a small JSON file in the oracle's workdir."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ..files import write_atomically
from ..results import Evaluation

logger = logging.getLogger(__name__)

CACHE_FILE = "hull_cache.json"


class ResultCache:
    """Evaluations keyed by a string (formula, preset, potential, references); failures are not kept.

    The file is re-read before each write so that oracles sharing a workdir (a process pool) merge
    rather than overwrite each other's results; the write is atomic (temporary file + rename).
    """

    def __init__(self, workdir: Path | None) -> None:
        self.path = Path(workdir) / CACHE_FILE if workdir is not None else None
        self._memory: dict[str, Evaluation] = {}
        self._loaded = False

    def _read_file(self) -> dict[str, Any]:
        if self.path is None or not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:  # a damaged cache costs recomputation, never a wrong value
            logger.warning("ignoring unreadable hull cache %s: %s", self.path, err)
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Evaluation | None:
        if not self._loaded:
            for k, item in self._read_file().items():
                self._memory.setdefault(k, Evaluation(**item))
            self._loaded = True
        return self._memory.get(key)

    def put(self, key: str, result: Evaluation) -> None:
        self._memory[key] = result
        if self.path is None:
            return
        data = self._read_file()
        data[key] = {"values": result.values, "std": result.std, "metadata": result.metadata,
                     "fidelity": result.fidelity}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True))

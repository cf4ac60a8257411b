"""One maker per glass cell: an OS file lock beside the cell's folder.

Two oracles (ML-MD and hull) or two Dask workers may ask for the same missing cell at once; without
a lock both would run hours of the same MD and the last write would win. With it the second waits,
then reads the cell the first saved (without POSIX locks, at worst a cell is made twice).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..files import exclusive_lock

logger = logging.getLogger(__name__)


@contextmanager
def cell_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of the cell filed in ``folder`` for the block (waiting for another holder)."""

    def wait(holder: str) -> None:
        logger.info("%s: another process is making this cell (%s); waiting for it", folder, holder or "unknown")

    with exclusive_lock(folder.parent / f"{folder.name}.lock", holder=f"pid {os.getpid()}", on_busy=wait):
        yield

"""One maker per glass cell: an OS file lock beside the cell's folder.

Two oracles (ML-MD and hull) or two Dask workers may ask for the same missing cell at once; without
a lock both would run hours of the same MD and the last write would win. With it the second waits,
then reads the cell the first saved. ``flock`` locks die with their process, so a killed run leaves
no stale lock behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)


@contextmanager
def cell_lock(folder: Path) -> Iterator[None]:
    """Hold the lock of the cell filed in ``folder`` for the block (waiting for another holder)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no advisory locks; at worst a cell is made twice
        yield
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(folder.parent / f"{folder.name}.lock", "a+", encoding="utf-8")  # noqa: SIM115
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            logger.info("%s: another process is making this cell (%s); waiting for it", folder,
                        handle.read().strip() or "unknown")
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}")
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock


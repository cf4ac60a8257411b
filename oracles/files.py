"""Files kept between runs (caches, saved cells, outcomes, lock files): written so that a kill never
leaves half a file, and locked so that a kill never leaves a stale lock."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` through a temporary file and a rename: readers see
    all of it or none."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@contextmanager
def exclusive_lock(path: Path, *, holder: str, on_busy: Callable[[str], None]) -> Iterator[None]:
    """Hold an exclusive OS lock (``flock``) on the file ``path`` for the block; the file then says ``holder``.

    When another process holds it, ``on_busy`` gets what that holder wrote: raise to refuse, return to
    wait for the lock. The lock dies with its process, so a killed run leaves none behind. Without
    POSIX locks (not POSIX) the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the whole block)
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            busy = False
        except OSError:
            busy = True
        if busy:  # outside the except: a refusal raised by on_busy carries no OSError context
            handle.seek(0)
            on_busy(handle.read().strip())
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(holder)
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock

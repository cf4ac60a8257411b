"""What a stage of the protocol cost: wall-clock and CPU seconds, recorded with its result."""

from __future__ import annotations

import time


class Clock:
    """Started on creation; `elapsed` gives ``{"wall_s", "cpu_s"}`` since then.

    CPU seconds are the process's (all its threads): exact for the cost of a cell, since the oracle
    runs one cell at a time per process. Summed over cells they are the core-hours of issue 11 item 7,
    and unlike wall time they do not grow when other work shares the cores.
    """

    def __init__(self, *, wall_s: float = 0.0, cpu_s: float = 0.0) -> None:
        # ``wall_s``/``cpu_s``: what earlier runs of the same stage spent (a resumed stage counts them)
        self._wall = time.perf_counter() - wall_s
        self._cpu = time.process_time() - cpu_s

    def elapsed(self) -> dict[str, float]:
        return {"wall_s": round(time.perf_counter() - self._wall, 1),
                "cpu_s": round(time.process_time() - self._cpu, 1)}

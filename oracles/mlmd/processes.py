"""Work of one oracle in other processes: each job with its share of torch threads, logging as the caller does."""

from __future__ import annotations

import heapq
import itertools
import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, TypeVar

from ..atomistic.potential import torch_threads

logger = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")


def in_process(job: Callable[..., T], *args: Any, threads: int, log_level: int = logging.WARNING) -> T:
    """``job(*args)`` with ``threads`` torch threads, in a spawned process whose logging is unset."""
    # without this, hours of MD in a worker would report nothing
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("oracles").setLevel(log_level)
    with torch_threads(threads):
        return job(*args)


def finished(jobs: Sequence[Any], futures: list[Future[Any]]) -> list[Any]:
    """The jobs whose future finished without error; the others are logged."""
    done = []
    for job, future in zip(jobs, futures):
        try:
            future.result()
            done.append(job)
        except Exception as err:  # whoever needs the job runs it again and reports the error there
            logger.warning("%s failed in its own process: %s: %s", job, type(err).__name__, err)
    return done


def chained(first: dict[Future[Any], K], then: Callable[[K], list[tuple[Any, Callable[[], Future[Any]]]]], *,
            slots: int, seen: Callable[[Any, Future[Any]], None] | None = None,
            keep: Callable[[Any], bool] | None = None) -> None:
    """Wait for the ``first`` futures (future: key); as soon as one finishes without error, queue
    ``then(key)``: (job, start) pairs, where ``job`` sorts (the longest first) and ``start()``
    submits it. Whenever fewer than ``slots`` futures are running (the pool's processes), start the
    queued job that sorts first over every finished key, so that no process idles while work is
    ready and the longest jobs of all cells run first, not those of the first cell ready (a long job
    started last leaves the other processes idle at the end). Failures are logged by `finished`,
    never raised. ``seen(key or job, future)`` is called for every finished future; a queued job
    for which ``keep(job)`` is false when its turn comes is dropped, never started."""
    running: dict[Future[Any], tuple[bool, Any]] = {future: (True, key) for future, key in first.items()}
    queued: list[tuple[Any, int, Callable[[], Future[Any]]]] = []
    order = itertools.count()  # ties between equal jobs go first-come, and never compare their starts
    while running:
        done, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in done:
            is_first, key = running.pop(future)
            ok = finished([key], [future])
            if seen is not None:
                seen(key, future)
            if ok and is_first:
                for job, start in then(key):
                    heapq.heappush(queued, (job, next(order), start))
        while queued and len(running) < slots:
            job, _, start = heapq.heappop(queued)
            if keep is None or keep(job):
                running[start()] = (False, job)

"""Work of one oracle in other processes: each job with its share of torch threads, logging as the caller does."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, as_completed
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


def chained(first: dict[Future[Any], K], then: Callable[[K], list[tuple[Any, Future[Any]]]]) -> None:
    """Wait for the ``first`` futures (future: key); as soon as one finishes without error, start
    ``then(key)`` (its (job, future) pairs), so that no process idles while work is ready; wait for
    those too. Failures are logged by `finished`, never raised."""
    later: list[tuple[Any, Future[Any]]] = []
    for future in as_completed(first):
        key = first[future]
        if finished([key], [future]):
            later.extend(then(key))
    finished([job for job, _ in later], [future for _, future in later])

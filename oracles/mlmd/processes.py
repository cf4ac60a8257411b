"""Work of one oracle in other processes: each job with its share of torch threads, logging as the caller does."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

from ..atomistic.potential import torch_threads

logger = logging.getLogger(__name__)

T = TypeVar("T")


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

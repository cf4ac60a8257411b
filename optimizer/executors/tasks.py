"""What runs on a Dask worker: one oracle on one candidate, answering a plain picklable result.

The oracle is rebuilt on the worker from its campaign entry rather than pickled: a user's oracle
need not be picklable, and an ML potential is loaded where it is used. Each worker process keeps
the oracles it built (loading a potential takes seconds to minutes), keyed by everything that
defines them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from oracles import Composition, Oracle
from oracles.atomistic.potential import torch_threads
from oracles.guard import call_oracle
from oracles.results import Result

from ..config import OracleConfig
from ..oracle_factory import Runtime, build_oracle

logger = logging.getLogger(__name__)

# Per worker process; a worker with several threads may build concurrently, hence the lock.
_ORACLES: dict[tuple[str, str, str, Runtime], tuple[Oracle, int | None]] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class OracleSpec:
    """Everything a worker needs to rebuild one campaign oracle (sent with every task, a few hundred bytes)."""

    entry: OracleConfig
    base_dir: str
    workdir: str
    runtime: Runtime

    @property
    def key(self) -> tuple[str, str, str, Runtime]:
        return self.entry.model_dump_json(), self.base_dir, self.workdir, self.runtime


def oracle_specs(entries: list[OracleConfig], *, name: str, base_dir: Path, runtime: Runtime) -> list[OracleSpec]:
    """One spec per campaign oracle, with the artifact folder `build_oracles` gives it."""
    artifacts = Path(base_dir).resolve() / f"{name}-artifacts"
    return [OracleSpec(entry, str(Path(base_dir).resolve()), str(artifacts / (entry.name or entry.kind)), runtime)
            for entry in entries]


def _worker_threads() -> int | None:
    """This Dask worker's thread count (dask-jobqueue sets it to the job's cores per worker process)."""
    try:
        from distributed import get_worker

        return int(get_worker().state.nthreads)
    except (ImportError, ValueError):
        return None  # not on a Dask worker (tests, serial use)


def _oracle(spec: OracleSpec) -> tuple[Oracle, int | None]:
    with _LOCK:
        built = _ORACLES.get(spec.key)
        if built is None:
            runtime = spec.runtime
            if runtime.threads is None:
                runtime = Runtime(device=runtime.device, threads=_worker_threads())
            oracle = build_oracle(spec.entry, base_dir=Path(spec.base_dir), workdir=Path(spec.workdir),
                                  runtime=runtime)
            _ORACLES[spec.key] = (oracle, runtime.threads)
            logger.info("built oracle %s on this worker (%s threads)", oracle.name, runtime.threads)
            return oracle, runtime.threads
        return built


def evaluate_task(spec: OracleSpec, composition: Composition) -> Result:
    """Evaluate ``composition`` with the oracle of ``spec``; a misbehaving oracle gives a `Failure`.

    `OracleSetupError` propagates: a worker that cannot build the oracle (missing model or module)
    is a broken setup that stops the run, not a property of this candidate.
    """
    oracle, threads = _oracle(spec)
    try:
        # Bound torch's pool during one evaluation even for oracles that ignore ``threads`` (Dask pins
        # OMP_NUM_THREADS=1 in workers), and restore it after.
        with torch_threads(threads, only_if_loaded=True):
            return call_oracle(oracle, [composition])[0]
    except (SystemExit, KeyboardInterrupt) as err:  # escapes call_oracle, and would leave the task hanging
        raise RuntimeError(f"oracle {oracle.name!r} raised {type(err).__name__}: {err}") from None

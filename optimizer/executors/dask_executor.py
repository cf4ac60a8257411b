"""Dask executors: a `LocalCluster` on this machine, an existing scheduler, or a dask-jobqueue HPC cluster."""

from __future__ import annotations

import importlib
import logging
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from ..steps import CampaignRun
from .async_loop import EVALUATION_RESOURCE, LoopSettings, run_async
from .base import ExecutorError
from .profile import JobqueueConfig, RuntimeProfile
from .tasks import oracle_specs

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

logger = logging.getLogger(__name__)
_CONNECT_TIMEOUT_S = 30.0
_JOBQUEUE_CLASSES = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def start_local_cluster(workers: int, threads: int) -> LocalCluster:
    """``workers`` single-task worker processes, each letting its libraries use ``threads`` threads.

    One Dask thread per process (an evaluation is a long call holding the GIL or its own thread
    pool); ``allowed_failures=0`` makes a lost worker fail its task at once, so the loop's own
    retry count is the only one; a nanny per worker restarts dead or hung workers.
    """
    from distributed import LocalCluster

    env = {name: str(threads) for name in _THREAD_VARIABLES}  # Dask would pin these to 1 in workers
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                        scheduler_kwargs={"allowed_failures": 0}, resources={EVALUATION_RESOURCE: 1}, env=env)


def start_jobqueue_cluster(config: JobqueueConfig) -> Any:
    """A dask-jobqueue cluster of ``config.jobs`` batch jobs (the jobs may wait in the queue)."""
    try:
        module = importlib.import_module("dask_jobqueue")
    except ImportError:
        raise ExecutorError("a jobqueue profile needs dask-jobqueue: pip install 'viglas[hpc]'") from None
    cls = getattr(module, _JOBQUEUE_CLASSES[config.system])
    options = dict(config.options)
    # every worker process takes one evaluation at a time, whatever its thread count
    options["worker_extra_args"] = [*options.get("worker_extra_args", []), "--resources",
                                    f"{EVALUATION_RESOURCE}=1"]
    try:
        cluster = cls(**options)
    except (TypeError, ValueError) as err:
        raise ExecutorError(f"jobqueue.options for {config.system}: {err}") from None
    # adapt, not scale: jobs that end (walltime, worker --lifetime) are resubmitted, keeping `jobs` alive
    cluster.adapt(minimum_jobs=config.jobs, maximum_jobs=config.jobs)
    logger.info("submitting %d %s job(s); workers join as the jobs start", config.jobs, config.system)
    return cluster


@contextmanager
def open_client(profile: RuntimeProfile) -> Iterator[Client]:
    """A client on the profile's cluster, closed (and a cluster it started shut down) on exit."""
    from distributed import Client

    cluster: Any = None
    try:
        if profile.executor == "local":
            cluster = start_local_cluster(profile.n_workers(), profile.worker_threads() or 1)
            client = Client(cluster)
        elif profile.jobqueue is not None:
            cluster = start_jobqueue_cluster(profile.jobqueue)
            client = Client(cluster)
        else:
            client = Client(profile.scheduler, timeout=_CONNECT_TIMEOUT_S)
    except OSError as err:
        if cluster is not None:
            cluster.close()
        raise ExecutorError(f"cannot reach the Dask scheduler at {profile.scheduler}: {err}") from None
    try:
        yield client
    finally:
        _close(client, cluster)


def _close(client: Client, cluster: Any) -> None:
    lost = client.status != "running"
    # After the scheduler vanished, closing cancels the client's reconnection attempts, which Dask logs
    # as an error with a traceback; the run has already said what happened in one line.
    quiet = [logging.getLogger(name) for name in ("distributed.client", "distributed.utils")]
    levels = [log.level for log in quiet]
    for log in quiet if lost else []:
        log.setLevel(logging.CRITICAL)
    try:
        client.close(timeout=5)  # not the full reconnect timeout when the scheduler is gone
    except (OSError, TimeoutError) as err:
        logger.debug("closing the client: %s", err)
    finally:
        for log, level in zip(quiet, levels):
            log.setLevel(level)
    if cluster is not None:
        cluster.close()


class DaskExecutor:
    """Evaluations as Dask tasks, one (candidate, oracle) per task, with asynchronous proposals."""

    def __init__(self, profile: RuntimeProfile) -> None:
        self.profile = profile
        self.name: str = profile.executor

    def __repr__(self) -> str:
        return f"DaskExecutor({self.profile.executor!r})"

    def run(self, run: CampaignRun) -> int:
        profile, campaign = self.profile, run.campaign
        specs = oracle_specs(campaign.config.oracles, name=campaign.config.name, base_dir=campaign.base_dir,
                             runtime=profile.runtime())
        settings = LoopSettings(timeout_s=profile.timeout_s, retries=profile.retries)
        before = run.stats.evaluated
        with run.exclusive(), open_client(profile) as client:
            logger.info("Dask executor %s: %s", profile.executor, client)
            run_async(run, client, specs=specs, settings=settings)
        stats = run.stats
        logger.info("evaluated %d candidate(s) (%d failed); %d retried, %d timed out", stats.evaluated, stats.failed,
                    stats.retried, stats.timed_out)
        return stats.evaluated - before

"""Where a campaign's evaluations run: in process (serial) or on a Dask cluster (local, remote, HPC).

Every executor drives the same `optimizer.steps.CampaignRun`, so resume, budget and lab-wait rules
exist once. Dask is imported only when a Dask executor is used.
"""

from __future__ import annotations

from .base import Executor, ExecutorError, SchedulerLostError
from .profile import JobqueueConfig, RuntimeProfile, load_profile
from .serial import SerialExecutor


def make_executor(profile: RuntimeProfile) -> Executor:
    """The executor a profile names; Dask is imported only when it is used."""
    if profile.executor == "serial":
        return SerialExecutor()
    from .dask_executor import DaskExecutor

    return DaskExecutor(profile)


__all__ = ["Executor", "ExecutorError", "JobqueueConfig", "RuntimeProfile", "SchedulerLostError",
           "SerialExecutor", "load_profile", "make_executor"]

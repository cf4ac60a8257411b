"""Where a campaign's evaluations run: in process (serial) or on a Dask cluster (local, remote, HPC).

Dask is imported only when a Dask executor is used, so the serial path costs nothing extra.
"""

from __future__ import annotations

from .base import Executor, ExecutorError, SchedulerLostError, SerialExecutor, make_executor
from .profile import JobqueueConfig, RuntimeProfile, load_profile

__all__ = ["Executor", "ExecutorError", "JobqueueConfig", "RuntimeProfile", "SchedulerLostError",
           "SerialExecutor", "load_profile", "make_executor"]

"""The executor interface: how a campaign's evaluations are spread over processes or machines."""

from __future__ import annotations

from typing import Protocol

from ..steps import CampaignRun


class ExecutorError(RuntimeError):
    """The compute infrastructure failed (no cluster, scheduler gone); the store is intact, rerun to resume."""


class SchedulerLostError(ExecutorError):
    """The Dask scheduler vanished mid-run; every result received so far is committed."""


class Executor(Protocol):
    """Drives one `CampaignRun` to its end; ``run`` returns the number of candidates evaluated."""

    name: str

    def run(self, run: CampaignRun) -> int: ...

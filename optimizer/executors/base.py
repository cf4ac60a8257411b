"""The executor interface: how a campaign's evaluations are spread over processes or machines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Protocol

from .profile import RuntimeProfile

if TYPE_CHECKING:
    from ..campaign import Campaign, Progress


class ExecutorError(RuntimeError):
    """The compute infrastructure failed (no cluster, scheduler gone); the store is intact, rerun to resume."""


class SchedulerLostError(ExecutorError):
    """The Dask scheduler vanished mid-run; every result received so far is committed."""


class Executor(Protocol):
    """Runs a campaign to its budget; ``run`` returns the number of candidates evaluated in this call."""

    name: str

    def run(self, campaign: Campaign, budget: int, *, progress: Callable[[Progress], None] | None = None) -> int: ...


class SerialExecutor:
    """In-process, batch after batch: `Campaign.run` exactly as without executors (the default)."""

    name = "serial"

    def run(self, campaign: Campaign, budget: int, *, progress: Callable[[Progress], None] | None = None) -> int:
        return campaign.run(budget, progress=progress)


def make_executor(profile: RuntimeProfile) -> Executor:
    """The executor a profile names; Dask is imported only when it is used."""
    if profile.executor == "serial":
        return SerialExecutor()
    from .dask_executor import DaskExecutor

    return DaskExecutor(profile)

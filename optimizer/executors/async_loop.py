"""The asynchronous loop: keep every Dask worker busy, proposing the next candidate as each one finishes.

With W workers, W (candidate, oracle) tasks are in flight; when one answers, its result is committed
at once (this process is the store's only writer) and, if the budget allows, a new candidate is
proposed with all in-flight candidates as pending points. Lost workers, raising tasks and tasks
hung past the timeout are retried, then recorded as a `Failure` giving the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from oracles import OracleSetupError
from oracles.results import Failure, Result

from ..steps import CampaignRun
from ..store import Candidate
from .base import SchedulerLostError
from .tasks import OracleSpec, evaluate_task

if TYPE_CHECKING:
    from distributed import Client, Future

logger = logging.getLogger(__name__)
#: Dask resource that limits each worker process to one evaluation, whatever its thread count.
EVALUATION_RESOURCE = "evaluation"
_WORKER_POLL_S = 1.0  # how often the worker count (the loop's capacity) is refreshed


@dataclass(frozen=True)
class LoopSettings:
    """Patience of the loop: ``timeout_s`` per attempt (from when a worker takes the task), ``retries`` after it."""

    timeout_s: float | None = None
    retries: int = 2
    poll_s: float = 0.1


@dataclass
class _Job:
    candidate: Candidate
    slot: int
    attempt: int = 1
    started: float | None = None  # when a worker took it (seen in the scheduler's processing map)
    worker: str | None = None


@dataclass
class _State:
    queue: deque[_Job] = field(default_factory=deque)
    inflight: dict[Future, _Job] = field(default_factory=dict)
    remaining: dict[int, set[int]] = field(default_factory=dict)  # candidate id -> oracle slots still to answer
    capacity: int = 1
    capacity_at: float = float("-inf")


def run_async(run: CampaignRun, client: Client, *, specs: Sequence[OracleSpec],
              settings: LoopSettings | None = None) -> None:
    """Evaluate pending candidates, then propose one at a time while the run may propose."""
    _AsyncLoop(run, client, list(specs), settings or LoopSettings()).run()


class _AsyncLoop:
    def __init__(self, run: CampaignRun, client: Client, specs: list[OracleSpec], settings: LoopSettings) -> None:
        self.steps, self.client, self.specs, self.settings = run, client, specs, settings
        self.slots = run.campaign.oracles  # indexed like the campaign's oracle entries and ``specs``
        self.stats = run.stats
        self.state = _State()
        self._resources = False  # set from the workers' declared resources in _capacity

    def run(self) -> None:
        for cand in self.steps.resumable():
            self._enqueue(cand)
        try:
            while True:
                self._refill()
                if not self.state.inflight:
                    return
                for future in self._wait():
                    self._collect(future)
                if self.settings.timeout_s is not None:
                    self._check_timeouts(self.settings.timeout_s)
        finally:
            self._cancel_all()  # on an error or Ctrl-C: the candidates stay pending for the next run

    # --- proposing and submitting --------------------------------------------------------------
    def _enqueue(self, cand: Candidate) -> None:
        todo = [self.slots.index(slot) for slot in self.steps.todo(cand)]
        if not todo:  # every oracle answered before a crash; only the final check was missing
            self._finish(cand)
            return
        self.state.remaining[cand.id] = set(todo)
        self.state.queue.extend(_Job(cand, i) for i in todo)

    def _refill(self) -> None:
        state = self.state
        while len(state.inflight) < self._capacity():
            if not state.queue:
                # the strategy sees every in-flight candidate as pending (X_pending), since they are in the store
                batch = self.steps.reserve(1)
                if not batch:
                    return
                for cand in batch:
                    self._enqueue(cand)
                continue
            self._submit(state.queue.popleft())

    def _capacity(self) -> int:
        """Worker processes now connected (at least 1, so a task waits for workers still starting)."""
        state, now = self.state, time.monotonic()
        if now - state.capacity_at >= _WORKER_POLL_S:
            info = self._rpc(lambda: self.client.scheduler_info(n_workers=-1))
            workers = info.get("workers", {}).values()
            self._resources = bool(workers) and all(EVALUATION_RESOURCE in w.get("resources", {}) for w in workers)
            state.capacity, state.capacity_at = max(1, len(workers)), now
        return state.capacity

    def _submit(self, job: _Job) -> None:
        # Restrict to the evaluation resource only if every worker offers it; otherwise nothing would run.
        extra: dict[str, Any] = {"resources": {EVALUATION_RESOURCE: 1}} if self._resources else {}
        spec = self.specs[job.slot]
        future = self._rpc(lambda: self.client.submit(evaluate_task, spec, job.candidate.composition, pure=False,
                                                      key=f"eval-{job.candidate.id}-{job.slot}-{job.attempt}-"
                                                          f"{time.monotonic_ns()}", **extra))
        self.state.inflight[future] = job

    # --- receiving -------------------------------------------------------------------------------
    def _wait(self) -> list[Future]:
        from distributed import wait

        try:
            done, _ = wait(list(self.state.inflight), timeout=self.settings.poll_s, return_when="FIRST_COMPLETED")
        except (TimeoutError, asyncio.TimeoutError):
            return []
        except CancelledError:  # only the client cancels our futures when it loses the scheduler
            return [f for f in self.state.inflight if f.cancelled()]
        return list(done)

    def _collect(self, future: Future) -> None:
        from distributed import KilledWorker

        job = self.state.inflight.pop(future)
        if future.status == "finished":
            self._record(job, self._rpc(future.result))
            return
        if future.status == "cancelled" or self.client.status != "running":
            raise SchedulerLostError(self._lost_message())
        error = future.exception()
        if isinstance(error, OracleSetupError):
            raise error  # a broken setup on the worker stops the run, as it does in process
        reason = "its worker died" if isinstance(error, KilledWorker) else f"{type(error).__name__}: {error}"
        self._retry_or_fail(job, reason)

    def _retry_or_fail(self, job: _Job, reason: str) -> None:
        attempts = self.settings.retries + 1
        label = self.slots[job.slot].label
        if job.attempt < attempts:
            logger.warning("%s on candidate %d: %s (attempt %d of %d); retrying", label, job.candidate.id, reason,
                           job.attempt, attempts)
            self.stats.retried += 1
            self.state.queue.appendleft(_Job(job.candidate, job.slot, job.attempt + 1))
            return
        self._record(job, Failure(f"{reason} (attempt {job.attempt} of {attempts})"))

    def _record(self, job: _Job, result: Result) -> None:
        self.steps.record(job.candidate, self.slots[job.slot], result)
        remaining = self.state.remaining[job.candidate.id]
        remaining.discard(job.slot)
        if not remaining:
            del self.state.remaining[job.candidate.id]
            self._finish(job.candidate)

    def _finish(self, cand: Candidate) -> None:
        self.steps.finish(cand)
        self.steps.report([cand])

    # --- timeouts and the scheduler ----------------------------------------------------------------
    def _check_timeouts(self, timeout_s: float) -> None:
        processing = self._rpc(self.client.processing)
        where = {key: worker for worker, keys in processing.items() for key in keys}
        now = time.monotonic()
        for future, job in list(self.state.inflight.items()):
            if job.started is None and future.key in where:
                job.started, job.worker = now, where[future.key]
            if job.started is not None and now - job.started > timeout_s:
                del self.state.inflight[future]
                future.cancel()
                self.stats.timed_out += 1
                self._restart(job.worker)
                self._retry_or_fail(job, f"timed out after {timeout_s:g} s")

    def _restart(self, worker: str | None) -> None:
        """A hung Python thread cannot be stopped, so the worker process is replaced (needs a nanny)."""
        if worker is None:
            return
        try:
            self.client.restart_workers([worker], timeout=max(60.0, 2 * (self.settings.timeout_s or 0)))
            logger.warning("restarted worker %s to stop a hung evaluation", worker)
        except Exception as err:  # no nanny, or the restart failed: the worker stays busy until the call returns
            logger.warning("could not restart hung worker %s (%s); its thread stays busy until the call returns",
                           worker, err)
        self.state.capacity_at = float("-inf")

    def _rpc(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except OSError as err:  # CommClosedError, refused connections and comm timeouts
            raise SchedulerLostError(f"{self._lost_message()} ({type(err).__name__}: {err})") from None

    def _lost_message(self) -> str:
        return (f"lost the Dask scheduler; {self.stats.evaluated} candidate(s) evaluated and committed in this run, "
                f"{len(self.state.remaining)} left pending; rerun to resume")

    def _cancel_all(self) -> None:
        if self.state.inflight and self.client.status == "running":
            try:
                self.client.cancel(list(self.state.inflight))
            except (OSError, RuntimeError) as err:
                logger.debug("could not cancel in-flight tasks: %s", err)
        self.state.inflight.clear()

"""One run of a campaign as steps, with the rules every executor shares (as Optuna's ``_run_trial`` serves
both of its paths): what to resume, when to propose, how to record, when a candidate is finished,
and when the run stops (budget, a lab round).

An executor loops over these steps: `resumable` first, then `reserve` while `can_propose`; for each
candidate, `todo` oracles, `record` each answer as it arrives, then `finish`.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator

from oracles.results import Failure, Result

from . import analysis
from .config import ConfigError
from .core import CampaignCore
from .oracle_factory import OracleSlot
from .store import Candidate, runner_lock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """One finished batch (or candidate, for asynchronous executors), as the progress display shows it."""

    batch: int
    evaluated: int
    failed: int
    total: int
    budget: int
    best: analysis.Best | None

    def line(self) -> str:
        text = f"batch {self.batch}: {self.evaluated} evaluated ({self.failed} failed) | {self.total}/{self.budget}"
        if self.best is None:
            return text + " | no feasible point yet"
        return (f"{text} | best feasible {self.best.objective} = {self.best.value:.4g} "
                f"({self.best.observation.composition.formula}), Pareto set {self.best.pareto_size}")


@dataclass
class RunStats:
    """What one run did."""

    evaluated: int = 0
    failed: int = 0
    retried: int = 0
    timed_out: int = 0


@dataclass
class CampaignRun:
    """The state and rules of one call of `run` (not stored: the store is the truth; a rerun resumes).

    Args:
        campaign: the campaign core.
        budget: total candidates (``loop.budget`` if None).
        progress: called with a `Progress` after each finished batch or candidate.
        retries: extra attempts at an evaluation during which the running process died (in-process
            executors), before the candidate is failed instead of crashing every resume.
    """

    campaign: CampaignCore
    budget: int | None = None
    progress: Callable[[Progress], None] | None = None
    retries: int = 2
    stats: RunStats = field(default_factory=RunStats)
    lab_waiting: bool = False
    stopped: str | None = None
    reserved: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.budget is None:
            self.budget = self.campaign.config.loop.budget
        if isinstance(self.budget, bool) or self.budget < 1:
            raise ConfigError(f"budget={self.budget}: must be at least 1")

    @property
    def limit(self) -> int:
        assert self.budget is not None
        return self.budget

    @contextmanager
    def exclusive(self, command: str = "viglas run") -> Iterator[None]:
        """Hold the campaign's runner lock: a second run of the same campaign is refused, naming this one."""
        with runner_lock(self.campaign.store_path, command=command):
            yield

    def start(self, candidate: Candidate, slot: OracleSlot) -> bool:
        """Note an evaluation attempt before it starts; False (and the candidate failed with the reason) when
        earlier attempts killed the process ``retries + 1`` times."""
        attempt = self.campaign.store.start_attempt(candidate.id, slot.label)
        allowed = self.retries + 1
        if attempt > allowed:
            self.record(candidate, slot, Failure(
                f"the run stopped during this evaluation {attempt - 1} time(s) (the oracle may crash the process: "
                "a segfault, os._exit or running out of memory); not retried. Isolate it with --executor local"))
            return False
        if attempt > 1:
            logger.warning("candidate %d: the previous run stopped during its evaluation by %s; attempt %d of %d",
                           candidate.id, slot.label, attempt, allowed)
        return True

    def resumable(self) -> list[Candidate]:
        """Pending candidates from earlier runs that an automated oracle still has to answer."""
        pending = self.campaign.unevaluated()
        if pending:
            logger.info("resuming: %d pending candidate(s) from an earlier run", len(pending))
        return pending

    def can_propose(self) -> bool:
        """Budget left, no candidate finished in this run waits for the lab (one lab round per run: the next
        run proposes from what the lab entered), and no ``loop.stop_when`` rule says stop (`stopped` says why)."""
        if self.lab_waiting or self.stopped or self.campaign.n_proposed() >= self.limit:
            return False
        self.stopped = self._stop_reason()
        if self.stopped:
            logger.info("stopping before the budget: %s", self.stopped)
        return self.stopped is None

    def _stop_reason(self) -> str | None:
        """The first ``loop.stop_when`` rule that holds now (checked once the initial design is evaluated)."""
        loop, problem = self.campaign.config.loop, self.campaign.problem
        if loop.stop_when is None:
            return None
        snapshot = self.campaign.snapshot()
        finished = [r for r in snapshot.records if r.state in ("done", "failed") and r.batch is not None]
        if len(finished) < max(loop.initial, 2):
            return None
        rules = loop.stop_when
        if rules.no_improvement_batches is not None:
            open_batches = {r.batch for r in snapshot.in_state("pending")}
            batches = sorted({r.batch for r in finished if r.batch is not None} - open_batches)
            grouped = [[r.observation() for r in finished if r.batch == b] for b in batches]
            stalled = analysis.batches_without_improvement(grouped, problem)
            if stalled >= rules.no_improvement_batches:
                return (f"no better feasible point in the last {stalled} batches "
                        f"(loop.stop_when.no_improvement_batches: {rules.no_improvement_batches})")
        if rules.expected_improvement_below is not None:
            from .explain import expected_gain

            gain = expected_gain(snapshot, batch_size=loop.batch_size)
            if gain is not None and gain.value < rules.expected_improvement_below:
                return (f"the model expects {gain.value:.3g} {gain.unit} ({gain.what}), below "
                        f"loop.stop_when.expected_improvement_below: {rules.expected_improvement_below:g}")
        return None

    def reserve(self, n: int) -> list[Candidate]:
        """Up to ``n`` new pending candidates (fewer near the budget; none when `can_propose` is false)."""
        if not self.can_propose():
            return []
        room = self.limit - self.campaign.n_proposed()
        batch = self.campaign.reserve(min(n, room), budget=self.limit)
        self.reserved.update(c.id for c in batch)
        return batch

    def todo(self, candidate: Candidate) -> list[OracleSlot]:
        return self.campaign.todo(candidate)

    def record(self, candidate: Candidate, slot: OracleSlot, result: Result) -> None:
        """Commit one oracle's answer for one candidate at once (a kill loses only what is in flight)."""
        self.campaign.record(candidate, slot, result)

    def finish(self, candidate: Candidate) -> Candidate:
        """Close a candidate every oracle has answered; note whether one proposed in this run now waits for
        the lab (resumed ones, such as a historical point the lab entered in part, do not stop the run)."""
        now = self.campaign.finish(candidate)
        self.stats.evaluated += 1
        self.stats.failed += now.state == "failed"
        self.lab_waiting |= now.state == "pending" and now.id in self.reserved
        return now

    def report(self, batch: list[Candidate]) -> None:
        """Log and show the progress line of a finished ``batch``."""
        states = [c.state for c in self.campaign.candidates([c.id for c in batch])]
        snapshot = self.campaign.snapshot()
        event = Progress(batch[0].batch or 0, len(batch), states.count("failed"), self.campaign.n_proposed(),
                         self.limit, analysis.best_feasible(snapshot.observations, self.campaign.problem))
        logger.info(event.line())
        if self.progress is not None:
            self.progress(event)

"""The campaign: ask/tell over the store, and `run` as a thin loop over them (as in Optuna's Study)."""

from __future__ import annotations

import dataclasses
import logging
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from oracles.guard import call_oracle
from oracles.results import Evaluation, Result

from . import analysis
from .config import CampaignConfig, ConfigError, line_of, load_config
from .oracle_factory import OracleSlot, Runtime, build_oracles
from .problem import Observation
from .store import Candidate, Store
from .strategies import Proposal, Strategy, make_strategy

if TYPE_CHECKING:
    import pandas

    from .executors import Executor

logger = logging.getLogger(__name__)
HISTORICAL = "historical"
INITIAL = "initial"
MANUAL = "manual"


class CampaignChangedError(RuntimeError):
    """The campaign file no longer matches the one its store was started with."""


@dataclass(frozen=True)
class Progress:
    """One finished batch, as the progress display shows it."""

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


class Campaign:
    """A campaign file bound to its store and oracles.

    >>> campaign = Campaign.from_yaml("campaigns/demo.yaml")  # doctest: +SKIP
    >>> for cand in campaign.ask(2): ...                      # doctest: +SKIP
    """

    def __init__(self, config: CampaignConfig, *, base_dir: Path, source: str = "<campaign>",
                 text: str | None = None, runtime: Runtime | None = None, force: bool = False) -> None:
        self.config = config
        self.problem = config.problem()
        self.base_dir = Path(base_dir).resolve()
        self.source = source
        self.runtime = runtime or Runtime()
        self.force = force
        self._text = text
        self._slots: list[OracleSlot] | None = None
        self._store: Store | None = None

    @classmethod
    def from_yaml(cls, path: Path | str, *, runtime: Runtime | None = None, force: bool = False) -> Campaign:
        path = Path(path)
        config = load_config(path)
        return cls(config, base_dir=path.parent, source=str(path), text=path.read_text(), runtime=runtime,
                   force=force)

    def __repr__(self) -> str:
        return f"Campaign({self.config.name!r}, store={self.store_path})"

    def _repr_html_(self) -> str:
        """Compact summary for Jupyter: counts, best feasible candidates, pending ids."""
        from .report import summary_html

        return summary_html(self)

    def _locate(self, loc: tuple[object, ...]) -> str:
        line = line_of(self._text, loc) if self._text else None
        return f"{self.source}:{line}" if line else self.source

    # --- derived pieces --------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        return self.base_dir / self.config.store

    @property
    def oracles(self) -> list[OracleSlot]:
        if self._slots is None:
            self._slots = build_oracles(self.config, base_dir=self.base_dir, runtime=self.runtime,
                                        locate=self._locate)
        return self._slots

    @property
    def automated(self) -> list[OracleSlot]:
        """Oracles the loop calls itself (all but the lab)."""
        return [s for s in self.oracles if not s.manual]

    @property
    def lab_label(self) -> str:
        """Label under which hand-entered results are stored."""
        return next((s.label for s in self.oracles if s.manual), MANUAL)

    def validate(self) -> None:
        """Check everything that can be checked without evaluating: schema, oracles, outputs."""
        _ = self.oracles

    @property
    def units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for slot in self.oracles:
            for name, unit in slot.oracle.outputs.items():
                units.setdefault(name, unit)
        return units

    @property
    def store(self) -> Store:
        """The store, checked against this campaign file (refused if it changed, unless forced)."""
        if self._store is None:
            store = Store(self.store_path)
            stored, mine = store.get_meta("config_hash"), self.config.hash()
            if stored is None:
                store.record_config(self.config.canonical_json(), mine, forced=False)
            elif stored != mine:
                if not self.force:
                    store.close()
                    raise CampaignChangedError(
                        f"{self.source} differs from the campaign stored in {self.store_path} "
                        f"(hash {stored} -> {mine}); use --force to continue with the new file (the change is "
                        "recorded), or point 'store' at a new file"
                    )
                logger.warning("campaign file changed (hash %s -> %s); recorded, continuing (--force)", stored, mine)
                store.record_config(self.config.canonical_json(), mine, forced=True)
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def strategy(self) -> Strategy:
        """The configured strategy, told which oracles provide which outputs at what cost."""
        problem = dataclasses.replace(self.problem, oracles=tuple(s.info for s in self.oracles))
        return make_strategy(self.config.strategy, problem, seed=self.config.seed)

    # --- reading ---------------------------------------------------------------------------
    def trust(self, label: str) -> float:
        """Rank of a result's source: hand-entered (lab) results first, then oracles by cost."""
        if label == MANUAL:
            return math.inf
        slot = next((s for s in self.oracles if s.label == label), None)
        return 0.0 if slot is None else slot.info.trust

    def observations(self, *, include_pending: bool = False) -> list[Observation]:
        """Every candidate that is done or failed (and pending ones if asked), with its values.

        ``values`` holds each output from its most trusted source; ``sources`` keeps all of them.
        """
        store = self.store
        analysed = store.analysed()
        sources: dict[int, dict[str, dict[str, tuple[float, float | None]]]] = {}
        for row in store.results():
            sources.setdefault(row.candidate_id, {}).setdefault(row.oracle, {})[row.output] = (row.value, row.std)
        observations = []
        for c in store.candidates():
            if c.state == "pending" and not include_pending:
                continue
            values: dict[str, float] = {}
            stds: dict[str, float] = {}
            for label in sorted(sources.get(c.id, {}), key=self.trust):  # most trusted written last
                for output, (value, std) in sources[c.id][label].items():
                    values[output] = value
                    stds.pop(output, None)
                    if std is not None:
                        stds[output] = std
            observations.append(Observation(c.id, analysed.get(c.id, c.composition), values, stds,
                                            c.state == "failed", sources.get(c.id, {})))
        return observations

    def required(self, candidate_id: int, assignments: dict[int, set[str]] | None = None) -> tuple[str, ...]:
        """What completes a candidate: the problem's outputs, limited to those its assigned oracles give;
        where it was sent to the lab, the lab's outputs as ``output@lab`` (a simulation can't stand in)."""
        assigned = (self.store.assignments() if assignments is None else assignments).get(candidate_id)
        if not assigned:
            return self.problem.outputs
        slots = [s for s in self.oracles if s.label in assigned]
        lab = {name: s.label for s in slots if s.manual for name in s.oracle.outputs}
        given = {name for s in slots for name in s.oracle.outputs}
        return tuple(f"{name}@{lab[name]}" if name in lab else name
                     for name in self.problem.outputs if name in given)

    def pending(self) -> list[Candidate]:
        return self.store.candidates("pending")

    def _answered(self) -> dict[str, set[int]]:
        """Automated oracle label -> ids of the candidates it has answered."""
        return {s.label: self.store.evaluated_by(s.label) for s in self.automated}

    @staticmethod
    def _sent(assignments: dict[int, set[str]], candidate_id: int, label: str) -> bool:
        """Whether a candidate went to oracle ``label`` (a candidate nobody routed goes to every oracle)."""
        assigned = assignments.get(candidate_id)
        return assigned is None or label in assigned

    def unevaluated(self) -> list[Candidate]:
        """Pending candidates that an automated oracle they were sent to has not answered yet."""
        assignments, answered = self.store.assignments(), self._answered()
        return [c for c in self.pending()
                if any(c.id not in ids for label, ids in answered.items() if self._sent(assignments, c.id, label))]

    def best(self) -> analysis.Best | None:
        return analysis.best_feasible(self.observations(), self.problem)

    def n_proposed(self) -> int:
        """Candidates that count against the budget (everything but historical entries)."""
        return self.store.count(exclude_source=HISTORICAL)

    # --- ask / tell ------------------------------------------------------------------------
    def propose(self, n: int) -> list[tuple[Proposal, str]]:
        """``n`` new proposals (composition, oracles to send it to) with their source, not stored."""
        store = self.store
        n_initial = sum(1 for c in store.candidates() if c.source == INITIAL)
        k = max(0, min(n, self.config.loop.initial - n_initial))
        strategy = self.strategy()
        initial = self.problem.space.sobol(k, seed=self.config.seed, skip=n_initial)
        route_initial = getattr(strategy, "route_initial", None)  # cost-aware strategies route these too
        routed = (route_initial(initial, skip=n_initial, total=self.config.loop.initial) if route_initial and initial
                  else [Proposal(c) for c in initial])
        chosen = [(p, INITIAL) for p in routed]
        if n > k:
            pending = [c.composition for c in self.pending()] + [p.composition for p, _ in chosen]
            for item in strategy.propose(n - k, self.observations(), pending):
                proposal = item if isinstance(item, Proposal) else Proposal(item)
                self.problem.space.check(proposal.composition)  # a strategy must never leave the space
                unknown = set(proposal.oracles or ()) - {s.label for s in self.oracles}
                if unknown:
                    raise ValueError(f"strategy {strategy.name} routed to unknown oracle(s) {sorted(unknown)}")
                chosen.append((proposal, strategy.name))
        return chosen

    def ask(self, n: int | None = None) -> list[Candidate]:
        """Propose ``n`` (default ``loop.batch_size``) candidates and reserve them as pending."""
        n = self.config.loop.batch_size if n is None else n
        if n < 1:
            raise ValueError(f"n={n}: ask for at least one candidate")
        proposals = self.propose(n)
        batch = self.store.next_batch()
        ids: list[int] = []
        for source in dict.fromkeys(s for _, s in proposals):
            mine = [p for p, s in proposals if s == source]
            ids += self.store.add_candidates([p.composition for p in mine], source=source, batch=batch,
                                             assign=[sorted(p.oracles) if p.oracles else None for p in mine])
        return [c for c in (self.store.candidate(i) for i in ids) if c is not None]

    def tell(self, candidate_id: int, values: dict[str, float], *, std: dict[str, float] | None = None,
             oracle: str = MANUAL, replace: bool = False) -> Candidate:
        """Record values (declared units) for a candidate; see `optimizer.tell` for checks."""
        from .tell import check_values

        check_values(values, std, self.units)
        oracle = self.lab_label if oracle == MANUAL else oracle
        self.store.record_values(candidate_id, oracle=oracle, values=values, std=std, units=self.units,
                                 required=self.required(candidate_id), replace=replace, mark_evaluated=False,
                                 provenance={"entered_by": oracle})
        cand = self.store.candidate(candidate_id)
        assert cand is not None
        return cand

    def tell_file(self, path: Path | str, *, replace: bool = False) -> int:
        """Apply a CSV or .xlsx results file all-or-nothing (see `optimizer.tell`)."""
        from .tell import tell_file

        return tell_file(self, Path(path), replace=replace)

    def waiting_for_lab(self) -> list[Candidate]:
        """Pending candidates that every automated oracle has answered: only the lab can complete them."""
        if len(self.automated) == len(self.oracles):
            return []
        assignments, answered = self.store.assignments(), self._answered()
        lab = [s.label for s in self.oracles if s.manual]
        return [c for c in self.pending()
                if any(self._sent(assignments, c.id, label) for label in lab)
                and all(c.id in ids for label, ids in answered.items() if self._sent(assignments, c.id, label))]

    # --- evaluation and the loop ------------------------------------------------------------
    def record_result(self, candidate: Candidate, slot: OracleSlot, result: Result,
                      tx: sqlite3.Connection | None = None) -> None:
        """Store one oracle's answer for one candidate (values, or the failure and its reason)."""
        store, required = self.store, self.required(candidate.id)
        if isinstance(result, Evaluation):
            store.record_values(candidate.id, oracle=slot.label, values=result.values, std=result.std,
                                units=dict(slot.oracle.outputs), required=required, fidelity=result.fidelity,
                                provenance=result.metadata, replace=True, tx=tx)
        else:
            logger.warning("%s failed on candidate %d: %s", slot.label, candidate.id, result.reason)
            store.record_failure(candidate.id, oracle=slot.label, reason=result.reason, required=required, tx=tx)

    def evaluate(self, candidates: Sequence[Candidate]) -> int:
        """Evaluate ``candidates`` with every oracle that has not seen them; return how many failed."""
        store = self.store
        assignments = store.assignments()
        for slot in self.automated:
            done = store.evaluated_by(slot.label)
            todo = [c for c in candidates if c.id not in done and self._sent(assignments, c.id, slot.label)]
            if not todo:
                continue
            logger.info("%s: evaluating %d candidate(s)", slot.label, len(todo))
            results = call_oracle(slot.oracle, [c.composition for c in todo])
            with store.transaction() as tx:
                for cand, result in zip(todo, results):
                    self.record_result(cand, slot, result, tx)
        self.fail_incomplete(candidates)
        ids = {c.id for c in candidates}
        return sum(1 for c in store.candidates("failed") if c.id in ids)

    def fail_incomplete(self, candidates: Sequence[Candidate]) -> None:
        """A candidate every oracle has seen but that still lacks a needed output cannot complete."""
        store = self.store
        assignments, answered = store.assignments(), self._answered()
        lab = [s for s in self.oracles if s.manual]
        current = store.results()
        for cand in candidates:
            now = store.candidate(cand.id)
            if now is None or now.state != "pending" or not all(
                    cand.id in ids for label, ids in answered.items() if self._sent(assignments, cand.id, label)):
                continue
            required = self.required(cand.id, assignments)
            rows = [r for r in current if r.candidate_id == cand.id]
            have = {r.output for r in rows} | {f"{r.output}@{r.oracle}" for r in rows}
            missing = sorted(set(required) - have)
            from_lab = {n for s in lab if self._sent(assignments, cand.id, s.label) for n in s.oracle.outputs}
            if not missing or {m.partition("@")[0] for m in missing} <= from_lab:
                continue  # complete, or the lab will enter the rest
            store.record_failure(cand.id, oracle="campaign", required=required,
                                 reason=f"no oracle returned {', '.join(missing)}")

    def run(self, budget: int | None = None, *, progress: Callable[[Progress], None] | None = None,
            executor: Executor | None = None) -> int:
        """Evaluate what is pending, then ask and evaluate batches until ``budget`` candidates exist.

        Returns the number of candidates evaluated in this call. Safe to kill at any point and rerun.
        A non-serial ``executor`` (`optimizer.executors`) evaluates on a Dask cluster instead, proposing
        one candidate whenever a worker frees up.
        """
        budget = self.config.loop.budget if budget is None else budget
        if budget < 1:
            raise ConfigError(f"budget={budget}: must be at least 1")
        if executor is not None and executor.name != "serial":
            return executor.run(self, budget, progress=progress)
        evaluated = 0
        pending = self.unevaluated()
        if pending:
            logger.info("resuming: %d pending candidate(s) from an earlier run", len(pending))
            evaluated += self._evaluate_and_report(pending, budget, progress)
        while self.n_proposed() < budget:
            batch = self.ask(min(self.config.loop.batch_size, budget - self.n_proposed()))
            evaluated += self._evaluate_and_report(batch, budget, progress)
            if self.waiting_for_lab():
                break  # one lab round per run: the next run proposes from what the lab entered
        return evaluated

    def _evaluate_and_report(self, batch: Sequence[Candidate], budget: int,
                             progress: Callable[[Progress], None] | None) -> int:
        failed = self.evaluate(batch)
        event = Progress(batch[0].batch or 0, len(batch), failed, self.n_proposed(), budget, self.best())
        logger.info(event.line())
        if progress is not None:
            progress(event)
        return len(batch)

    # --- export ----------------------------------------------------------------------------
    def to_dataframe(self) -> pandas.DataFrame:
        from .export import campaign_dataframe

        return campaign_dataframe(self)

"""The campaign core: a campaign file bound to its store and oracles, and the steps every loop is made of.

Executors (`optimizer.executors`) drive these steps through `optimizer.steps.CampaignRun`; readers
take `snapshot`. `optimizer.campaign.Campaign` adds the conveniences of the public API on top.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Callable, Sequence

from oracles.results import Evaluation, Result

from . import completion
from .config import CampaignConfig, load_config
from .merge import CAMPAIGN, MANUAL
from .oracle_factory import OracleSlot, Runtime, build_oracles
from .problem import Problem
from .proposing import propose
from .snapshot import CampaignSnapshot
from .store import Candidate, Requirement, Store, StoreError, StoreRows
from .strategies import Strategy, make_strategy
from .tell import TellError, check_values

logger = logging.getLogger(__name__)
#: Lock timeouts (`optimizer.store.store.BUSY_TIMEOUT_S` each) a computed result waits for a locked store.
RECORD_PATIENCE = 10


class CampaignChangedError(RuntimeError):
    """The campaign file no longer matches the one its store was started with."""


class CampaignCore:
    """A campaign file bound to its store and oracles (built lazily; the constructor does no I/O)."""

    def __init__(self, config: CampaignConfig, *, base_dir: Path, source: str = "<campaign>",
                 text: str | None = None, runtime: Runtime | None = None, force: bool = False) -> None:
        self.config = config
        self.problem: Problem = config.problem()
        self.base_dir = Path(base_dir).resolve()
        self.source = source
        self.runtime = runtime or Runtime()
        self.force = force
        self._text = text
        self._slots: list[OracleSlot] | None = None
        self._store: Store | None = None

    @classmethod
    def from_yaml(cls, path: Path | str, *, runtime: Runtime | None = None, force: bool = False):  # type: ignore[no-untyped-def]
        """Read and validate a campaign file (`ConfigError` naming file, line and key)."""
        path = Path(path)
        config = load_config(path)
        return cls(config, base_dir=path.parent, source=str(path), text=path.read_text(encoding="utf-8"),
                   runtime=runtime, force=force)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config.name!r}, store={self.store_path})"

    # --- oracles ---------------------------------------------------------------------------
    @property
    def oracles(self) -> list[OracleSlot]:
        if self._slots is None:
            from .config import line_of

            def locate(loc: tuple[object, ...]) -> str:
                line = line_of(self._text, loc) if self._text else None
                return f"{self.source}:{line}" if line else self.source

            self._slots = build_oracles(self.config, base_dir=self.base_dir, runtime=self.runtime, locate=locate)
        return self._slots

    @property
    def automated(self) -> list[OracleSlot]:
        """Oracles the loop calls itself (all but the lab)."""
        return [s for s in self.oracles if not s.manual]

    @property
    def lab_label(self) -> str:
        """Label under which hand-entered results are stored."""
        return next((s.label for s in self.oracles if s.manual), MANUAL)

    @property
    def units(self) -> dict[str, str]:
        units: dict[str, str] = {}
        for slot in self.oracles:
            for name, unit in slot.oracle.outputs.items():
                units.setdefault(name, unit)
        return units

    def validate(self) -> None:
        """Check everything that can be checked without evaluating: schema, oracles, outputs, the store file."""
        _ = self.oracles
        from .store.schema import check_location

        check_location(self.store_path)

    def advisories(self) -> list[str]:
        """Warnings about choices that validate but that a scientist should reconsider (printed by `validate`)."""
        notes = []
        kinds = {slot.label: entry.kind for slot, entry in zip(self.oracles, self.config.oracles)}
        for con in self.problem.constraints:
            sources = [s for s in self.oracles if con.output in s.oracle.outputs]
            if con.output == "tg_C" and sources and all(kinds[s.label] == "mlmd" for s in sources):
                notes.append(f"constraint '{con}' is a hard limit on the ML-MD glass transition, an MD descriptor "
                             "(10^12-10^13 K/s cooling puts it well above a measured Tg): add a lab oracle that "
                             "gives tg_C to calibrate it, or make tg_C an objective")
        sigma = [s for s in self.oracles if "log10_sigma_30C" in s.oracle.outputs]
        if "log10_sigma_30C" in self.problem.outputs and sigma and all(kinds[s.label] == "mlmd" for s in sigma):
            notes.append("log10_sigma_30C comes from ML-MD alone: it extrapolates a liquid's diffusion from "
                         ">= 550 K, and `quick` on 7net-mf-0 gave 1.3 and 2.4 decades above the measured LACO75 and "
                         "NACO75 (benchmarks/results/mlmd.md 6i): add a lab oracle that gives log10_sigma_30C to "
                         "calibrate it")
        return notes

    def strategy(self) -> Strategy:
        """The configured strategy, told which oracles provide which outputs at what cost."""
        problem = dataclasses.replace(self.problem, oracles=tuple(s.info for s in self.oracles), units=self.units)
        return make_strategy(self.config.strategy, problem, seed=self.config.seed)

    # --- the store -------------------------------------------------------------------------
    @property
    def store_path(self) -> Path:
        return self.base_dir / self.config.store

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
                        "recorded), or point 'store' at a new file")
                logger.warning("campaign file changed (hash %s -> %s); recorded, continuing (--force)", stored, mine)
                store.record_config(self.config.canonical_json(), mine, forced=True)
            self._store = store
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def snapshot(self) -> CampaignSnapshot:
        """The campaign now, frozen: every reader's one view (an empty one before the store exists)."""
        if self._store is None and not self.store_path.exists():
            rows = StoreRows((), (), {}, {}, {}, {}, {})
        else:
            rows = self.store.rows()
        return CampaignSnapshot.from_rows(rows, name=self.config.name, problem=self.problem, units=self.units,
                                          oracles=[s.info for s in self.oracles],
                                          budget=self.config.loop.budget)

    def n_proposed(self) -> int:
        """Candidates that count against the budget (all but historical and withdrawn ones)."""
        return self.store.n_proposed()

    def pending(self) -> list[Candidate]:
        return self.store.candidates("pending")

    # --- steps -----------------------------------------------------------------------------
    def required(self, candidate_id: int, assignments: dict[int, set[str]] | None = None) -> tuple[Requirement, ...]:
        """What completes a candidate (see `optimizer.completion.requirements`)."""
        assigned = (self.store.assignments() if assignments is None else assignments).get(candidate_id)
        return completion.requirements(self.problem.outputs, [s.info for s in self.oracles], assigned)

    def reserve(self, n: int, *, budget: int | None = None,
                then: Callable[[list[Candidate]], None] | None = None) -> list[Candidate]:
        """Propose ``n`` candidates and insert them as pending, never beyond ``budget`` (checked inside the
        insert transaction, so concurrent writers cannot overshoot it) nor twice the same composition.

        ``then`` runs inside that transaction with the new candidates (e.g. to write the lab's template):
        if it raises, nothing is reserved.
        """
        proposals = propose(n, config=self.config, problem=self.problem, strategy=self.strategy(),
                            snapshot=self.snapshot()) if n > 0 else []
        store = self.store
        with store.transaction() as tx:
            ids = store.add_candidates(proposals, batch=store.next_batch(), budget=budget, tx=tx)
            batch = [c for c in (store.candidate(i) for i in ids) if c is not None]
            if then is not None:
                then(batch)
        return batch

    def todo(self, candidate: Candidate) -> list[OracleSlot]:
        """Automated oracles that ``candidate`` was sent to and that have not answered it yet."""
        return self._todo([candidate])[candidate.id]

    def _todo(self, candidates: Sequence[Candidate]) -> dict[int, list[OracleSlot]]:
        store = self.store
        with store.read():
            assignments = store.assignments()
            answered = {s.label: store.evaluated_by(s.label) for s in self.automated}
        return {c.id: [s for s in self.automated if (c.id not in assignments or s.label in assignments[c.id])
                       and c.id not in answered[s.label]] for c in candidates}

    def record(self, candidate: Candidate, slot: OracleSlot, result: Result) -> None:
        """Store one oracle's answer for one candidate in one transaction (values checked like a lab's).

        While another program holds the store locked, the write is retried for up to `RECORD_PATIENCE`
        lock timeouts (logged), so a result that took hours to compute is not lost to a brief lock.
        """
        if isinstance(result, Evaluation):
            try:
                check_values(dict(result.values), dict(result.std or {}), dict(slot.oracle.outputs))
            except TellError as err:
                result = completion.implausible(slot.label, err)
        for attempt in range(1, RECORD_PATIENCE + 1):
            try:
                return self._record(candidate, slot, result)
            except StoreError as err:
                if attempt == RECORD_PATIENCE:
                    raise StoreError(f"{err}; the result of {slot.label} for candidate {candidate.id} could not be "
                                     "stored and will be computed again on the next run") from None
                logger.warning("store locked (%s); retrying the write of candidate %d (%d of %d)", err,
                               candidate.id, attempt, RECORD_PATIENCE)

    def _record(self, candidate: Candidate, slot: OracleSlot, result: Result) -> None:
        store = self.store
        with store.transaction() as tx:
            required = self.required(candidate.id)
            if isinstance(result, Evaluation):
                store.record_values(candidate.id, oracle=slot.label, values=dict(result.values),
                                    std=dict(result.std or {}), units=dict(slot.oracle.outputs), required=required,
                                    fidelity=result.fidelity, metadata=dict(result.metadata), replace=True, tx=tx)
            else:
                logger.warning("%s failed on candidate %d: %s", slot.label, candidate.id, result.reason)
                store.record_failure(candidate.id, oracle=slot.label, reason=result.reason, required=required, tx=tx)

    def finish(self, candidate: Candidate) -> Candidate:
        """After every oracle answered: fail a candidate that still lacks an output no one else will give."""
        store = self.store
        with store.transaction() as tx:
            now = store.candidate(candidate.id)
            assert now is not None
            if now.state != "pending" or self.todo(now):
                return now
            assignments = store.assignments()
            have = {(r.output, r.oracle) for r in store.results(candidate_id=candidate.id)}
            sent = [s.info for s in self.oracles
                    if candidate.id not in assignments or s.label in assignments[candidate.id]]
            required = self.required(candidate.id, assignments)
            missing = completion.unobtainable(required, have, sent)
            if missing:
                store.record_failure(candidate.id, oracle=CAMPAIGN, required=required,
                                     reason=f"no oracle returned {', '.join(map(str, missing))}", tx=tx)
        final = store.candidate(candidate.id)
        assert final is not None
        return final

    def waiting_for_lab(self) -> list[Candidate]:
        """Pending candidates that every automated oracle has answered: only the lab can complete them."""
        if not any(s.manual for s in self.oracles):
            return []
        pending = self.pending()
        todo = self._todo(pending)
        return [c for c in pending if not todo[c.id]]

    def unevaluated(self) -> list[Candidate]:
        """Pending candidates some automated oracle they were sent to has not answered yet."""
        pending = self.pending()
        todo = self._todo(pending)
        return [c for c in pending if todo[c.id]]

    def candidates(self, ids: Sequence[int]) -> list[Candidate]:
        return [c for c in (self.store.candidate(i) for i in ids) if c is not None]


__all__ = ["CampaignChangedError", "CampaignCore", "StoreError"]

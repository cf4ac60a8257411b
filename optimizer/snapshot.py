"""The frozen read model of a campaign: what every reader (report, export, dashboard, calibration,
the strategies) sees, read from the store in one transaction and merged once (`optimizer.merge`).

>>> snap = campaign.snapshot()                  # doctest: +SKIP
>>> [r.formula for r in snap.records if r.state == "pending"]   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from oracles import Composition

from .analysis import feasible, objective_matrix, pareto_mask
from .merge import SourcedValue, Sources, merge, sources_by_candidate, trust_ranking
from .problem import Observation, OracleInfo, Problem
from .store import Candidate, CandidateState, StoreRows


@dataclass(frozen=True)
class CandidateRecord:
    """One candidate with everything known about it.

    ``composition`` is the one proposed; ``analysed`` the as-made one where the lab reported it
    (models use `modelled`). ``values`` holds each output's merged value, std and source; ``sources``
    every source's values. ``proposal`` is what the model predicted when it proposed the candidate.
    """

    id: int
    composition: Composition
    state: CandidateState
    source: str
    batch: int | None
    analysed: Composition | None = None
    values: Mapping[str, SourcedValue] = field(default_factory=dict)
    sources: Sources = field(default_factory=dict)
    failures: tuple[tuple[str, str], ...] = ()
    withdrawn_reason: str | None = None
    proposal: Mapping[str, Any] = field(default_factory=dict)

    @property
    def modelled(self) -> Composition:
        """The composition models learn from: as made when known, else as proposed."""
        return self.analysed or self.composition

    @property
    def formula(self) -> str:
        return self.composition.formula

    @property
    def failure(self) -> str | None:
        """Every failure reason, joined (``oracle: reason; ...``), or None."""
        return "; ".join(f"{oracle}: {reason}" for oracle, reason in self.failures) or None

    def observation(self) -> Observation:
        return Observation(self.id, self.modelled, {k: v.value for k, v in self.values.items()},
                           {k: v.std for k, v in self.values.items() if v.std is not None},
                           self.state == "failed", self.sources)


@dataclass(frozen=True)
class CampaignSnapshot:
    """A campaign at one moment: problem, units, budget, and one `CandidateRecord` per candidate (id order)."""

    name: str
    problem: Problem
    units: Mapping[str, str]
    records: tuple[CandidateRecord, ...] = ()
    budget: int | None = None
    ranks: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: StoreRows, *, name: str, problem: Problem, units: Mapping[str, str],
                  oracles: Sequence[OracleInfo], budget: int | None = None) -> CampaignSnapshot:
        """Build from one consistent read of the store, merging sources by trust (`merge.trust_ranking`)."""
        rank = trust_ranking(oracles)
        by_candidate = sources_by_candidate(rows.results)
        records = tuple(_record(c, rows, by_candidate.get(c.id, {}), rank) for c in rows.candidates)
        labels = {label for sources in by_candidate.values() for label in sources} | {o.label for o in oracles}
        return cls(name, problem, dict(units), records, budget, {label: rank(label) for label in labels})

    def rank(self, label: str) -> float:
        """Trust of a source label (higher: more trusted; the order `optimizer.merge` uses)."""
        return self.ranks.get(label, 0.0)

    # --- views ---------------------------------------------------------------------------
    @property
    def observations(self) -> list[Observation]:
        """Evaluated candidates (done or failed), as strategies and plots see them."""
        return [r.observation() for r in self.records if r.state in ("done", "failed")]

    def record(self, candidate_id: int) -> CandidateRecord | None:
        return next((r for r in self.records if r.id == candidate_id), None)

    def in_state(self, *states: CandidateState) -> list[CandidateRecord]:
        return [r for r in self.records if r.state in states]

    @property
    def pending(self) -> list[tuple[int, Composition]]:
        return [(r.id, r.composition) for r in self.records if r.state == "pending"]

    @property
    def failures(self) -> dict[int, str]:
        """candidate id -> its failure reasons, joined."""
        return {r.id: r.failure for r in self.records if r.failure}

    @property
    def metals(self) -> tuple[str, ...]:
        return tuple(self.problem.space.metals)

    def complete(self) -> list[Observation]:
        return [o for o in self.observations if o.complete(self.problem)]

    def feasible(self) -> list[Observation]:
        return feasible(self.observations, self.problem)

    def failed(self) -> list[Observation]:
        return [o for o in self.observations if o.failed]

    def pareto_ids(self) -> set[int]:
        ok = self.feasible()
        if not ok:
            return set()
        mask = pareto_mask(objective_matrix(ok, self.problem))
        return {o.candidate_id for o, keep in zip(ok, mask) if keep}

    def fingerprint(self) -> int:
        """Changes whenever anything shown changes (used to cache rendered plots)."""
        return hash((self.name, tuple((r.id, r.state, tuple(sorted(r.values.items())), r.analysed)
                                      for r in self.records)))


def _record(cand: Candidate, rows: StoreRows, sources: Sources, rank: Callable[[str], float]) -> CandidateRecord:
    return CandidateRecord(
        cand.id, cand.composition, cand.state, cand.source, cand.batch, rows.analysed.get(cand.id),
        merge(sources, rank), sources, tuple(rows.failures.get(cand.id, ())), rows.withdrawals.get(cand.id),
        rows.proposals.get(cand.id, {}))


"""The plain data a report is drawn from, read once from a campaign (plots never touch the store)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Sequence, Union

from oracles import Composition

from ..analysis import feasible, objective_matrix, pareto_mask
from ..problem import Observation, Problem
from .style import INPUT_LABELS, AxisSpec, axis_for

if TYPE_CHECKING:
    from ..campaign import Campaign


@dataclass(frozen=True)
class ReportData:
    """What the plots need: the problem, units, observations (evaluation order) and pending compositions.

    Build it with `ReportData.from_campaign`, or directly from plain values (e.g. in a notebook).
    """

    name: str
    problem: Problem
    units: dict[str, str]
    observations: Sequence[Observation]
    pending: Sequence[tuple[int, Composition]] = ()
    failures: dict[int, str] = field(default_factory=dict)

    @classmethod
    def from_campaign(cls, campaign: Campaign, *, units: dict[str, str] | None = None) -> ReportData:
        """Read ``campaign`` (``units`` may be passed to skip building the oracles)."""
        store = campaign.store
        reasons = {cid: "; ".join(f"{o}: {r}" for o, r in rows) for cid, rows in store.failures().items()}
        return cls(
            name=campaign.config.name,
            problem=campaign.problem,
            units=dict(campaign.units if units is None else units),
            observations=campaign.observations(),
            pending=[(c.id, c.composition) for c in campaign.pending()],
            failures=reasons,
        )

    @property
    def metals(self) -> tuple[str, ...]:
        return tuple(self.problem.space.metals)

    def axis(self, name: str) -> AxisSpec:
        """The axis for an output or a composition ratio (``m_al``, ``o_al``, ``s_al``)."""
        if name in INPUT_LABELS:
            return AxisSpec(INPUT_LABELS[name])
        return axis_for(name, self.units.get(name, ""), self.metals)

    def goal(self, name: str) -> str | None:
        return next((o.goal for o in self.problem.objectives if o.name == name), None)

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
        obs = tuple((o.candidate_id, o.failed, tuple(sorted(o.values.items())), tuple(sorted(o.std.items())))
                    for o in self.observations)
        return hash((self.name, obs, tuple(cid for cid, _ in self.pending)))


DataLike = Union["Campaign", ReportData]


def value_of(obs: Observation, name: str) -> float | None:
    """An output's value, or a composition ratio, of ``obs`` (None when not measured)."""
    if name in INPUT_LABELS:
        return float(getattr(obs.composition, name))
    return obs.values.get(name)


def as_data(source: DataLike) -> ReportData:
    """Accept a `Campaign` or a `ReportData` (so notebook users can pass either)."""
    return source if isinstance(source, ReportData) else ReportData.from_campaign(source)

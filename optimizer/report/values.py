"""What the plots read off a snapshot: an output's (or a ratio's) value, its axis, its goal."""

from __future__ import annotations

from ..problem import Observation
from ..snapshot import CampaignSnapshot
from .style import INPUT_LABELS, AxisSpec, axis_for


def value_of(obs: Observation, name: str) -> float | None:
    """An output's value, or a composition ratio, of ``obs`` (None when not measured)."""
    if name in INPUT_LABELS:
        return float(getattr(obs.composition, name))
    return obs.values.get(name)


def axis_of(data: CampaignSnapshot, name: str) -> AxisSpec:
    """The axis for an output or a composition ratio (``m_al``, ``o_al``, ``s_al``)."""
    if name in INPUT_LABELS:
        return AxisSpec(INPUT_LABELS[name])
    return axis_for(name, data.units.get(name, ""), data.metals)


def goal_of(data: CampaignSnapshot, name: str) -> str | None:
    return next((o.goal for o in data.problem.objectives if o.name == name), None)

"""The one merge of sources: which value (and std) of an output a candidate has when several gave one.

Every reader (optimiser, export, report, dashboard) takes values from here, so every view shows the
same number. Rule: each output takes its value **and** its std from its most trusted source (the lab
above every simulation, simulations by cost; ties by source name, so the rule never depends on the
order results arrived in). Every source stays available beside the merged value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

from .problem import OracleInfo
from .store import ResultRow

#: Source label of hand-entered values in a campaign without a ``kind: lab`` oracle.
MANUAL = "manual"
#: Source label of the campaign's own bookkeeping failures (e.g. "no oracle returned X").
CAMPAIGN = "campaign"

#: oracle label -> output -> (value, std or None), in declared units.
Sources = Mapping[str, Mapping[str, tuple[float, "float | None"]]]


@dataclass(frozen=True)
class SourcedValue:
    """One output's merged value, its std (None when the source gave none) and the source it came from."""

    value: float
    std: float | None
    source: str


def trust_ranking(oracles: Sequence[OracleInfo]) -> Callable[[str], float]:
    """Rank of a source label: hand-entered (the lab, or `MANUAL`) first, then oracles by cost, others last."""
    ranks = {o.label: o.trust for o in oracles}

    def rank(label: str) -> float:
        return math.inf if label == MANUAL else ranks.get(label, 0.0)

    return rank


def sources_by_candidate(rows: Iterable[ResultRow]) -> dict[int, dict[str, dict[str, tuple[float, float | None]]]]:
    """Current (not superseded) result rows grouped as candidate id -> `Sources`."""
    out: dict[int, dict[str, dict[str, tuple[float, float | None]]]] = {}
    for row in rows:
        if not row.superseded:
            out.setdefault(row.candidate_id, {}).setdefault(row.oracle, {})[row.output] = (row.value, row.std)
    return out


def merge(sources: Sources, rank: Callable[[str], float]) -> dict[str, SourcedValue]:
    """Each output's value and std from the same, most trusted source."""
    merged: dict[str, SourcedValue] = {}
    for label in sorted(sources, key=lambda name: (rank(name), name)):  # most trusted written last
        for output, (value, std) in sources[label].items():
            merged[output] = SourcedValue(value, std, label)
    return merged

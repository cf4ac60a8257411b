"""Simulation against lab: the points measured by several oracles, and how far apart they are."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .campaign import Campaign


@dataclass(frozen=True)
class Pair:
    candidate_id: int
    formula: str
    cheap: float
    trusted: float


@dataclass(frozen=True)
class Calibration:
    """One output given by two sources: paired values, mean offset, RMSE and Pearson correlation."""

    output: str
    unit: str
    cheap: str
    trusted: str
    pairs: tuple[Pair, ...]

    @property
    def offset(self) -> float:
        """Mean of (cheap - trusted), in the output's unit."""
        return sum(p.cheap - p.trusted for p in self.pairs) / len(self.pairs) if self.pairs else math.nan

    @property
    def rmse(self) -> float:
        return math.sqrt(sum((p.cheap - p.trusted) ** 2 for p in self.pairs) / len(self.pairs)) if self.pairs \
            else math.nan

    @property
    def correlation(self) -> float:
        if len(self.pairs) < 3:
            return math.nan
        xs, ys = [p.cheap for p in self.pairs], [p.trusted for p in self.pairs]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
        sxx, syy = sum((x - mx) ** 2 for x in xs), sum((y - my) ** 2 for y in ys)
        return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else math.nan


def calibrations(campaign: Campaign) -> list[Calibration]:
    """For every output two or more sources gave, the cheapest and the most trusted source paired."""
    observations = campaign.observations(include_pending=True)
    out = []
    for output in campaign.units:
        labels = sorted({label for o in observations for label, vals in o.sources.items() if output in vals},
                        key=campaign.trust)
        if len(labels) < 2:
            continue
        cheap, trusted = labels[0], labels[-1]
        pairs = tuple(Pair(o.candidate_id, o.composition.formula, o.sources[cheap][output][0],
                           o.sources[trusted][output][0])
                      for o in observations if output in o.sources.get(cheap, {}) and
                      output in o.sources.get(trusted, {}))
        out.append(Calibration(output, campaign.units[output], cheap, trusted, pairs))
    return out

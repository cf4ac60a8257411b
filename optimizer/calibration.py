"""Simulation against lab: the points measured by several oracles, and how far apart they are."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .snapshot import CampaignSnapshot


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


def calibrations(snapshot: CampaignSnapshot) -> list[Calibration]:
    """For every output two or more sources gave, the least and the most trusted source paired."""
    records = snapshot.records
    out = []
    for output, unit in snapshot.units.items():
        labels = sorted({label for r in records for label, vals in r.sources.items() if output in vals},
                        key=lambda name: (snapshot.rank(name), name))
        if len(labels) < 2:
            continue
        cheap, trusted = labels[0], labels[-1]
        pairs = tuple(Pair(r.id, r.formula, r.sources[cheap][output][0], r.sources[trusted][output][0])
                      for r in records if output in r.sources.get(cheap, {}) and output in r.sources.get(trusted, {}))
        out.append(Calibration(output, unit, cheap, trusted, pairs))
    return out

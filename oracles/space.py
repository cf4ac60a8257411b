"""The searchable composition space: a box in (M/Al, O/Al, S/Al) per metal, cut by charge balance.

The one linear inequality is ``cl_al = 3 + m_al - 2 (o_al + s_al) >= min_cl_al``; samplers and
`snap` keep every point on its feasible side exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from .composition import FORMULA_DECIMALS, METALS, Composition, CompositionError

RATIOS = ("m_al", "o_al", "s_al")
_GRID = 10.0**-FORMULA_DECIMALS


@dataclass(frozen=True)
class CompositionSpace:
    """Bounds (molar ratios to Al) and the minimum Cl/Al that keeps a glass a chloride.

    >>> space = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=0.5)
    >>> space.contains(Composition("Li", 1.0, 0.75, 0.0))
    True
    """

    metals: tuple[str, ...]
    m_al: tuple[float, float]
    o_al: tuple[float, float]
    s_al: tuple[float, float]
    min_cl_al: float = 0.0

    def __post_init__(self) -> None:
        if not self.metals or any(m not in METALS for m in self.metals):
            raise CompositionError(f"M={list(self.metals)} must be a non-empty subset of {list(METALS)}")
        if len(set(self.metals)) != len(self.metals):
            raise CompositionError(f"M={list(self.metals)} lists a metal twice")
        for name in RATIOS:
            low, high = getattr(self, name)
            if not (math.isfinite(low) and math.isfinite(high)):
                raise CompositionError(f"{name} bounds {[low, high]} must be finite")
            if low < 0:
                raise CompositionError(f"{name} lower bound {low} is negative")
            if high < low:
                raise CompositionError(f"{name} bounds {[low, high]} are inverted")
        if self.max_cl_al < self.min_cl_al:
            raise CompositionError(
                f"no composition satisfies min_cl_al={self.min_cl_al}: the largest Cl/Al in the box is "
                f"{self.max_cl_al:g} (at m_al={self.m_al[1]}, o_al={self.o_al[0]}, s_al={self.s_al[0]})"
            )

    @property
    def max_cl_al(self) -> float:
        return 3.0 + self.m_al[1] - 2.0 * (self.o_al[0] + self.s_al[0])

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        return {name: getattr(self, name) for name in RATIOS}

    def violation(self, comp: Composition) -> str | None:
        """Why ``comp`` lies outside the space, or None when it is inside (exactly, no tolerance)."""
        if comp.M not in self.metals:
            return f"M={comp.M} is not one of {list(self.metals)}"
        for name in RATIOS:
            low, high = getattr(self, name)
            value = getattr(comp, name)
            if not low <= value <= high:
                return f"{name}={value:g} is outside [{low:g}, {high:g}]"
        if comp.cl_al < self.min_cl_al:
            return f"cl_al={comp.cl_al:.6g} is below min_cl_al={self.min_cl_al:g}"
        return None

    def contains(self, comp: Composition) -> bool:
        return self.violation(comp) is None

    def check(self, comp: Composition) -> Composition:
        """Return ``comp``, or raise `CompositionError` naming the value outside the space."""
        reason = self.violation(comp)
        if reason:
            raise CompositionError(f"{comp.formula}: {reason}")
        return comp

    def _from_unit(self, unit: np.ndarray) -> list[tuple[str, float, float, float]]:
        """Map rows of [0,1)^4 (metal bin, then the three ratios) onto the box."""
        points = []
        for u_metal, *u_ratios in unit:
            metal = self.metals[min(int(u_metal * len(self.metals)), len(self.metals) - 1)]
            ratios = [lo + u * (hi - lo) for u, (lo, hi) in zip(u_ratios, (self.m_al, self.o_al, self.s_al))]
            points.append((metal, *ratios))
        return points

    def _feasible(self, points: Iterable[tuple[str, float, float, float]]) -> list[Composition]:
        out = []
        for metal, m, o, s in points:
            snapped = self.snap(Composition(metal, m, o, s), strict=False)
            if snapped is not None:
                out.append(snapped)
        return out

    def sobol(self, n: int, *, seed: int, skip: int = 0) -> list[Composition]:
        """Points ``skip .. skip+n-1`` of one scrambled Sobol sequence, filtered to the feasible region.

        The sequence depends on ``seed`` only, so a resumed campaign continues the same design.
        """
        from scipy.stats import qmc

        sampler = qmc.Sobol(d=4, scramble=True, seed=seed)
        found: list[Composition] = []
        while len(found) < skip + n:
            found.extend(self._feasible(self._from_unit(sampler.random(64))))
        return found[skip : skip + n]

    def uniform(self, n: int, *, rng: np.random.Generator) -> list[Composition]:
        """``n`` points uniform over the feasible region (rejection sampling)."""
        found: list[Composition] = []
        while len(found) < n:
            found.extend(self._feasible(self._from_unit(rng.random((max(2 * n, 16), 4)))))
        return found[:n]

    def snap(self, comp: Composition, *, strict: bool = True) -> Composition | None:
        """Round ``comp`` onto the formula grid without leaving the space.

        Rounding for display must never cross a bound or ``min_cl_al``; ties are broken toward the
        inside (M/Al up, O/Al and S/Al down). Returns None (or raises, when ``strict``) if ``comp``
        is outside the space by more than the grid spacing.
        """
        if comp.M not in self.metals:
            if strict:
                raise CompositionError(f"M={comp.M} is not one of {list(self.metals)}")
            return None
        ratios = {}
        for name in RATIOS:
            low, high = getattr(self, name)
            grid_low, grid_high = math.ceil(low / _GRID - 1e-9) * _GRID, math.floor(high / _GRID + 1e-9) * _GRID
            ratios[name] = min(max(round(getattr(comp, name) / _GRID) * _GRID, grid_low), grid_high)
            ratios[name] = round(ratios[name], FORMULA_DECIMALS + 2)
        candidate = Composition(comp.M, **ratios)
        steps = 0
        while candidate.cl_al < self.min_cl_al and steps < 10:
            # Move one grid step toward more chlorine along whichever ratio still has room.
            for name, direction in (("s_al", -1), ("o_al", -1), ("m_al", +1)):
                low, high = getattr(self, name)
                moved = round(ratios[name] + direction * _GRID, FORMULA_DECIMALS + 2)
                if low <= moved <= high:
                    ratios[name] = moved
                    break
            candidate = Composition(comp.M, **ratios)
            steps += 1
        reason = self.violation(candidate)
        if reason is not None:
            if strict:
                raise CompositionError(f"{comp.formula} cannot be snapped into the space: {reason}")
            return None
        return candidate

    def snap_all(self, comps: Sequence[Composition]) -> list[Composition]:
        return [c for c in (self.snap(c) for c in comps) if c is not None]

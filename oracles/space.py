"""The searchable composition space: a box in (M/Al, O/Al, S/Al) per metal, cut by charge balance and by
the lab's own linear constraints.

Charge balance is ``cl_al = 3 + m_al - 2 (o_al + s_al) >= min_cl_al``; ``constraints`` are
`LinearConstraint` values such as ``o_al + s_al <= 0.9``. Samplers and `snap` keep every point on the
feasible side of all of them exactly; a linear program (`oracles.polytope`) checks at construction that
some composition satisfies them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

import numpy as np

from .composition import FORMULA_DECIMALS, METALS, Composition, CompositionError
from .constraints import ConstraintError, LinearConstraint
from .polytope import Polytope
from .sampling import Draws, sobol_draws, uniform_draws

RATIOS = ("m_al", "o_al", "s_al")
_GRID = 10.0**-FORMULA_DECIMALS
#: Grid steps (per ratio) that `snap` may move a point to bring it inside.
_SNAP_STEPS = 10


@dataclass(frozen=True)
class CompositionSpace:
    """Bounds (molar ratios to Al), the minimum Cl/Al that keeps a glass a chloride, and linear constraints.

    >>> space = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=0.5)
    >>> space.contains(Composition("Li", 1.0, 0.75, 0.0))
    True
    >>> lab = CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), 0.5,
    ...                        constraints=(LinearConstraint.parse("o_al + s_al <= 0.9"),))
    >>> lab.violation(Composition("Li", 1.0, 0.75, 0.25))
    "violates the constraint 'o_al + s_al <= 0.9' (o_al + s_al = 1)"
    """

    metals: tuple[str, ...]
    m_al: tuple[float, float]
    o_al: tuple[float, float]
    s_al: tuple[float, float]
    min_cl_al: float = 0.0
    constraints: tuple[LinearConstraint, ...] = field(default=(), kw_only=True)

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
        object.__setattr__(self, "constraints", tuple(self.constraints))
        if any(not isinstance(c, LinearConstraint) for c in self.constraints):
            raise CompositionError("constraints must be LinearConstraint values (LinearConstraint.parse(text))")
        if self.constraints:
            self._check_constraints()

    @property
    def max_cl_al(self) -> float:
        return 3.0 + self.m_al[1] - 2.0 * (self.o_al[0] + self.s_al[0])

    @property
    def bounds(self) -> dict[str, tuple[float, float]]:
        return {name: getattr(self, name) for name in RATIOS}

    # --- the region as half-spaces -----------------------------------------------------------------
    def halfspaces(self) -> list[tuple[tuple[float, float, float], float]]:
        """Charge balance, then each constraint, as ``a . (m_al, o_al, s_al) <= b``."""
        charge = ((-1.0, 2.0, 2.0), 3.0 - self.min_cl_al)
        return [charge, *(c.as_upper() for c in self.constraints)]

    def polytope(self, n_constraints: int | None = None) -> Polytope:
        """The region (per metal) with the first ``n_constraints`` constraints (all if None)."""
        keep = len(self.constraints) if n_constraints is None else n_constraints
        box = [self.m_al, self.o_al, self.s_al]
        return Polytope.of(tuple(b[0] for b in box), tuple(b[1] for b in box), self.halfspaces()[: 1 + keep])

    def _check_constraints(self) -> None:
        """Each constraint leaves some composition (LP), and not only a sliver thinner than the formula grid."""
        start = self.polytope(0).chebyshev()
        first_radius = math.inf if start is None else start[1]
        for i, constraint in enumerate(self.constraints):
            found = self.polytope(i + 1).chebyshev()
            where = "the bounds, min_cl_al and the constraints before it" if i else "the bounds and min_cl_al"
            if found is None:
                raise ConstraintError(f"no composition satisfies the constraint {constraint.text!r} together with "
                                      f"{where}", index=i)
            if found[1] < min(_GRID, first_radius) / 2:
                raise ConstraintError(
                    f"the constraint {constraint.text!r} leaves, with {where}, only a sliver thinner than the "
                    f"{_GRID:g} formula grid (widest inscribed ball: radius {found[1]:.2g}); loosen it", index=i)
        centre = self.polytope().chebyshev()
        assert centre is not None
        if self.snap(Composition(self.metals[0], *(float(v) for v in centre[0])), strict=False) is None:
            raise ConstraintError(f"no composition on the {_GRID:g} formula grid satisfies every constraint",
                                  index=len(self.constraints) - 1)

    @cached_property
    def sampling_box(self) -> tuple[np.ndarray, np.ndarray]:
        """Where samplers draw: the bounds, or with constraints the smallest box holding the region (by LP)."""
        if not self.constraints:
            box = [self.m_al, self.o_al, self.s_al]
            return np.array([b[0] for b in box], dtype=float), np.array([b[1] for b in box], dtype=float)
        return self.polytope().bounding_box()

    # --- membership ----------------------------------------------------------------------------------
    def violation(self, comp: Composition) -> str | None:
        """Why ``comp`` lies outside the space, or None when it is inside.

        Bounds and charge balance are exact; a constraint allows float rounding (`constraints.TOLERANCE`).
        """
        if comp.M not in self.metals:
            return f"M={comp.M} is not one of {list(self.metals)}"
        for name in RATIOS:
            low, high = getattr(self, name)
            value = getattr(comp, name)
            if not low <= value <= high:
                return f"{name}={value:g} is outside [{low:g}, {high:g}]"
        if comp.cl_al < self.min_cl_al:
            return f"cl_al={comp.cl_al:.6g} is below min_cl_al={self.min_cl_al:g}"
        for c in self.constraints:
            if not c.satisfied(comp.m_al, comp.o_al, comp.s_al):
                value = c.value(comp.m_al, comp.o_al, comp.s_al)
                return f"violates the constraint {c.text or str(c)!r} ({c.left_side} = {value:.6g})"
        return None

    def contains(self, comp: Composition) -> bool:
        return self.violation(comp) is None

    def check(self, comp: Composition) -> Composition:
        """Return ``comp``, or raise `CompositionError` naming the value (or constraint) outside the space."""
        reason = self.violation(comp)
        if reason:
            raise CompositionError(f"{comp.formula}: {reason}")
        return comp

    def inside(self, ratios: np.ndarray) -> np.ndarray:
        """Boolean mask of the rows of ``ratios`` (``n x 3``) inside the bounds, charge balance and constraints
        (the same arithmetic as `violation`)."""
        m, o, s = ratios[:, 0], ratios[:, 1], ratios[:, 2]
        ok = (3.0 + m - 2.0 * (o + s)) >= self.min_cl_al
        for j, name in enumerate(RATIOS):
            low, high = getattr(self, name)
            ok &= (ratios[:, j] >= low) & (ratios[:, j] <= high)
        for c in self.constraints:
            value = c.coefficients[0] * m + c.coefficients[1] * o + c.coefficients[2] * s
            ok &= (value - c.bound if c.op == ">=" else c.bound - value) >= -c.tolerance
        return ok

    # --- sampling ----------------------------------------------------------------------------------
    def sobol(self, n: int, *, seed: int, skip: int = 0, metal: str | None = None) -> list[Composition]:
        """Points ``skip .. skip+n-1`` of one scrambled Sobol sequence, filtered to the feasible region.

        The sequence depends on ``seed`` (and ``metal``) only, so a resumed campaign continues the same
        design. With ``metal``, a stream of that metal alone (its own sequence over the three ratios).
        """
        return self._collect(sobol_draws(len(self.metals), self._metal_index(metal), seed=seed), skip + n)[skip:]

    def uniform(self, n: int, *, rng: np.random.Generator, metal: str | None = None) -> list[Composition]:
        """``n`` points uniform over the feasible region (rejection sampling), of ``metal`` if given."""
        draws = uniform_draws(len(self.metals), self._metal_index(metal), rng=rng, chunk=max(2 * n, 16))
        return self._collect(draws, n)

    def _metal_index(self, metal: str | None) -> int | None:
        if metal is not None and metal not in self.metals:
            raise CompositionError(f"M={metal} is not one of {list(self.metals)}")
        return None if metal is None else self.metals.index(metal)

    def _collect(self, draws: Draws, count: int) -> list[Composition]:
        """The first ``count`` feasible (snapped) points of ``draws``; raises when the region is too rare in its
        bounding box to be sampled."""
        low, high = self.sampling_box
        A, b = (np.array(v, dtype=float) for v in zip(*self.halfspaces()))
        reach = (_SNAP_STEPS + 1) * _GRID * np.abs(A).sum(axis=1)  # how far outside snapping can still fix
        found: list[Composition] = []
        for metal_index, unit in draws:
            if len(found) >= count:
                break
            ratios = low + unit * (high - low)
            near = ((ratios @ A.T - b) <= reach).all(axis=1)
            for k, row in zip(metal_index[near], ratios[near]):
                try:
                    snapped = self.snap(Composition(self.metals[k], *(float(v) for v in row)), strict=False)
                except CompositionError:  # Cl/Al below zero: not even a composition
                    continue
                if snapped is not None:
                    found.append(snapped)
        if len(found) < count:
            raise CompositionError(f"found only {len(found)} of {count} compositions inside the constraints in "
                                   f"{draws.limit} random draws: the region is too small a part of its bounding box; "
                                   "loosen the constraints")
        return found[:count]

    # --- rounding onto the formula grid ---------------------------------------------------------------
    def snap(self, comp: Composition, *, strict: bool = True) -> Composition | None:
        """Round ``comp`` onto the formula grid without leaving the space.

        Rounding for display must never cross a bound, ``min_cl_al`` or a constraint: when the nearest grid
        point is outside, the nearest grid point inside within `_SNAP_STEPS` steps per ratio is taken (ties
        toward more M/Al, less O/Al and S/Al). Returns None (or raises, when ``strict``) when there is none.
        """
        if comp.M not in self.metals:
            if strict:
                raise CompositionError(f"M={comp.M} is not one of {list(self.metals)}")
            return None
        x = np.array([comp.m_al, comp.o_al, comp.s_al])
        limits = [(math.ceil(low / _GRID - 1e-9), math.floor(high / _GRID + 1e-9)) for low, high in
                  (self.m_al, self.o_al, self.s_al)]
        nearest = [min(max(round(v / _GRID), first), last) for v, (first, last) in zip(x, limits)]
        rounded = Composition(comp.M, *(round(i * _GRID, FORMULA_DECIMALS + 2) for i in nearest))
        if self.violation(rounded) is None:
            return rounded
        for row in self._nearest_inside(x, nearest, limits)[:8]:
            candidate = Composition(comp.M, *(float(v) for v in row))
            if self.violation(candidate) is None:
                return candidate
        if strict:
            raise CompositionError(f"{comp.formula} cannot be snapped into the space: {self.violation(rounded)}")
        return None

    def _nearest_inside(self, x: np.ndarray, nearest: list[int], limits: list[tuple[int, int]]) -> np.ndarray:
        """Grid points inside the space at most `_SNAP_STEPS` steps (L1) from ``nearest``, nearest to ``x``
        first (ties toward more M/Al, less O/Al and S/Al)."""
        axes, steps = [], []
        for j, (centre, (first, last)) in enumerate(zip(nearest, limits)):
            near = range(max(first, centre - _SNAP_STEPS), min(last, centre + _SNAP_STEPS) + 1)
            order = sorted(near, key=lambda i: (abs(i - centre), -i if j == 0 else i))
            axes.append([round(i * _GRID, FORMULA_DECIMALS + 2) for i in order])
            steps.append([abs(i - centre) for i in order])
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
        moves = np.sum(np.meshgrid(*steps, indexing="ij"), axis=0).reshape(-1)
        grid = mesh[self.inside(mesh) & (moves <= _SNAP_STEPS)]
        return grid[np.argsort(((grid - x) ** 2).sum(axis=1), kind="stable")]

    def snap_all(self, comps: Sequence[Composition]) -> list[Composition]:
        return [c for c in (self.snap(c) for c in comps) if c is not None]

"""Linear programs over the composition polytope ``{x in box : A x <= b}`` (x = m_al, o_al, s_al).

scipy's ``linprog`` (HiGHS) decides exactly whether constraints leave any composition, where the
point deepest inside lies (the Chebyshev centre), and the smallest box that holds the region (the
samplers draw there instead of the whole box). Ratios whose bounds coincide are fixed, not optimised.
`Polytope.interval` gives the range of one ratio once the ratios before it are chosen (Fourier-Motzkin
elimination of the ratios after it), for samplers that choose m_al, then o_al, then s_al.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Slack added to every ``b`` so that a region touching a bound in exact arithmetic is not lost to rounding.
_LP_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Polytope:
    """``{x : low <= x <= high, A x <= b}``; ``A`` is ``k x 3``, ``b`` has ``k`` entries."""

    low: np.ndarray
    high: np.ndarray
    A: np.ndarray
    b: np.ndarray

    @classmethod
    def of(cls, low: tuple[float, ...], high: tuple[float, ...],
           halfspaces: list[tuple[tuple[float, float, float], float]]) -> Polytope:
        A = np.array([a for a, _ in halfspaces], dtype=float).reshape(-1, 3)
        return cls(np.asarray(low, dtype=float), np.asarray(high, dtype=float), A,
                   np.array([b for _, b in halfspaces], dtype=float))

    @property
    def free(self) -> np.ndarray:
        return self.high > self.low

    def _reduced(self) -> tuple[np.ndarray, np.ndarray]:
        """``A`` and ``b`` over the free ratios, the fixed ones moved to the right-hand side."""
        fixed = ~self.free
        return self.A[:, self.free], self.b - self.A[:, fixed] @ self.low[fixed] + _LP_TOLERANCE

    def chebyshev(self) -> tuple[np.ndarray, float] | None:
        """The centre of the largest ball (over the free ratios, radius in ratio units) inside the region,
        or None when no composition satisfies every inequality. With no free ratio, the radius is inf."""
        from scipy.optimize import linprog

        A, b = self._reduced()
        n = A.shape[1]
        if n == 0:
            return (self.low.copy(), float("inf")) if bool((b >= 0).all()) else None
        norms = np.linalg.norm(A, axis=1, keepdims=True)
        eye = np.eye(n)
        rows = np.vstack([np.hstack([A, norms]), np.hstack([eye, np.ones((n, 1))]),
                          np.hstack([-eye, np.ones((n, 1))])])
        rhs = np.concatenate([b, self.high[self.free], -self.low[self.free]])
        cost = np.zeros(n + 1)
        cost[-1] = -1.0
        res = linprog(cost, A_ub=rows, b_ub=rhs, bounds=[(None, None)] * n + [(0, None)], method="highs")
        if res.status != 0:
            return None
        centre = self.low.copy()
        centre[self.free] = np.clip(res.x[:n], self.low[self.free], self.high[self.free])
        return centre, float(res.x[-1])

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """The smallest box holding the region (call only for a non-empty region)."""
        from scipy.optimize import linprog

        A, b = self._reduced()
        low, high = self.low.copy(), self.high.copy()
        free = np.flatnonzero(self.free)
        bounds = list(zip(self.low[free], self.high[free]))
        for j, dim in enumerate(free):
            for sign, out in ((1.0, low), (-1.0, high)):
                cost = np.zeros(len(free))
                cost[j] = sign
                res = linprog(cost, A_ub=A if len(A) else None, b_ub=b if len(A) else None, bounds=bounds,
                              method="highs")
                if res.status == 0:
                    out[dim] = min(max(res.x[j], self.low[dim]), self.high[dim])
        return low, high

    def interval(self, dim: int, before: tuple[float, ...]) -> tuple[float, float]:
        """The values of ratio ``dim`` in the region once ratios ``0 .. dim-1`` are ``before``: ``(low, high)``,
        with ``high == low`` when ``before`` leaves none (the point is then outside; callers check)."""
        eye = np.eye(3)
        A = np.vstack([self.A, eye, -eye])
        b = np.concatenate([self.b, self.high, -self.low])
        for j in range(2, dim, -1):  # eliminate the ratios after ``dim``
            A, b = _eliminate(A, b, j)
        rhs = b - A[:, :dim] @ np.asarray(before, dtype=float)
        coeff = A[:, dim]
        up, down = coeff > 1e-12, coeff < -1e-12
        high = float(np.min(rhs[up] / coeff[up])) if up.any() else float(self.high[dim])
        low = float(np.max(rhs[down] / coeff[down])) if down.any() else float(self.low[dim])
        low, high = max(low, float(self.low[dim])), min(high, float(self.high[dim]))
        return low, max(low, high)


def _eliminate(A: np.ndarray, b: np.ndarray, j: int) -> tuple[np.ndarray, np.ndarray]:
    """Fourier-Motzkin: the system ``A x <= b`` without variable ``j`` (its column zero), same projection."""
    pos, neg, zero = A[:, j] > 0, A[:, j] < 0, A[:, j] == 0
    rows, rhs = [A[zero]], [b[zero]]
    for p in np.flatnonzero(pos):
        for q in np.flatnonzero(neg):
            scale_p, scale_q = -A[q, j], A[p, j]
            rows.append((scale_p * A[p] + scale_q * A[q])[None])
            rhs.append(np.array([scale_p * b[p] + scale_q * b[q]]))
    out = np.vstack(rows)
    out[:, j] = 0.0
    return out, np.concatenate(rhs)

"""Compositions <-> tensors: the only place where a `Composition` becomes a row of numbers.

A row is ``[m, o, s, k]``: the three ratios scaled to [0, 1] over the box, then the index ``k`` of
M in ``space.metals`` (a categorical column for `MixedSingleTaskGP`, never fed to a Matern kernel).
Charge balance ``m_al - 2 (o_al + s_al) >= min_cl_al - 3`` and the space's own linear constraints
(``space.constraints``) are linear in the scaled ratios, so they are written once here as BoTorch
``inequality_constraints`` entries.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import Tensor

from oracles import Composition, CompositionSpace

DTYPE = torch.float64
#: Column of M in an encoded row.
CAT_DIM = 3
#: Safety margin kept from ``min_cl_al`` (Cl/Al units) and from each constraint's bound (its own units)
#: by the optimiser; `snap` absorbs the rest.
CL_MARGIN = 1e-6


class SpaceEncoder:
    """Map compositions of ``space`` to ``n x 4`` float64 tensors and back.

    >>> from oracles import CompositionSpace
    >>> enc = SpaceEncoder(CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), 0.5))
    >>> enc.encode([Composition("Na", 1.0, 0.5, 0.25)]).tolist()
    [[0.5, 0.5, 0.5, 1.0]]
    """

    def __init__(self, space: CompositionSpace) -> None:
        self.space = space
        box = [space.m_al, space.o_al, space.s_al]
        self.low = np.array([b[0] for b in box], dtype=float)
        self.width = np.array([b[1] - b[0] for b in box], dtype=float)

    @property
    def dim(self) -> int:
        return 4

    @property
    def bounds(self) -> Tensor:
        """``2 x 4`` box of the encoded inputs (the M column spans the category indices)."""
        upper = [1.0, 1.0, 1.0, float(len(self.space.metals) - 1)]
        return torch.tensor([[0.0] * 4, upper], dtype=DTYPE)

    @property
    def fixed_dims(self) -> dict[int, float]:
        """Ratios whose bounds coincide: fixed at 0 during optimisation."""
        return {i: 0.0 for i in range(3) if self.width[i] == 0}

    def encode(self, comps: Sequence[Composition]) -> Tensor:
        """``n x 4`` tensor of ``comps``."""
        rows = [
            [*self._scale(c.m_al, c.o_al, c.s_al), float(self.space.metals.index(c.M))] for c in comps
        ]
        return torch.tensor(rows, dtype=DTYPE).reshape(len(rows), 4)

    def _scale(self, *ratios: float) -> list[float]:
        safe = np.where(self.width > 0, self.width, 1.0)
        return list(((np.asarray(ratios) - self.low) / safe).clip(0.0, 1.0))

    def _halfspaces(self) -> list[tuple[np.ndarray, float]]:
        """Charge balance and the space's constraints on the scaled ratios, as ``c . u >= rhs`` with a margin
        of `CL_MARGIN` (in each inequality's own units), leaving out those that cannot bind in the box."""
        sp, out = self.space, []
        for i, (a, b) in enumerate(sp.halfspaces()):  # a . x <= b with x = low + width * u
            coeffs = -np.asarray(a) * self.width
            rhs = float(np.dot(a, self.low)) - b
            if rhs - np.minimum(coeffs, 0.0).sum() <= 0:  # the largest a . x in the box already satisfies it
                continue
            room = sp.max_cl_al - sp.min_cl_al if i == 0 else 2 * CL_MARGIN  # a tight charge balance keeps less
            out.append((coeffs, rhs + min(CL_MARGIN, max(room, 0.0) / 2)))
        return out

    def inequality_constraints(self) -> list[tuple[Tensor, Tensor, float]] | None:
        """Charge balance and the space's constraints on the scaled ratios, as BoTorch's ``sum_i c_i x_i >= rhs``;
        None if none can bind in the box."""
        found = [(torch.tensor([0, 1, 2]), torch.tensor(c, dtype=DTYPE), rhs) for c, rhs in self._halfspaces()]
        return found or None

    def satisfies(self, X: Tensor) -> Tensor:
        """Boolean ``n`` mask: rows of ``X`` (``n x >=3``, scaled ratios first) inside every inequality."""
        ok = torch.ones(X.shape[0], dtype=torch.bool)
        for idx, coeffs, rhs in self.inequality_constraints() or []:
            ok &= X[:, idx] @ coeffs >= rhs
        return ok

    @property
    def sampling_bounds(self) -> Tensor:
        """``2 x 3`` box of the scaled ratios where feasible points lie (the whole unit box without constraints)."""
        low, high = self.space.sampling_box
        safe = np.where(self.width > 0, self.width, 1.0)
        scaled = np.stack([(low - self.low) / safe, (high - self.low) / safe]).clip(0.0, 1.0)
        return torch.tensor(scaled, dtype=DTYPE)

    def ratios(self, X: Tensor) -> np.ndarray:
        """``n x 3`` array of (m_al, o_al, s_al) of encoded rows ``X`` (``n x 4``)."""
        unit = X[..., :3].detach().cpu().numpy().reshape(-1, 3).clip(0.0, 1.0)
        return self.low + unit * self.width

    def decode(self, X: Tensor) -> list[Composition]:
        """Compositions of encoded rows ``X`` (``n x 4``), projected into the space and snapped to the grid."""
        metals = X[..., CAT_DIM].detach().round().long().reshape(-1).tolist()
        out = []
        for k, ratios in zip(metals, self.ratios(X)):
            metal = self.space.metals[min(max(k, 0), len(self.space.metals) - 1)]
            out.append(self._into_space(metal, self._project(ratios)))
        return out

    def _project(self, ratios: np.ndarray) -> np.ndarray:
        """Cyclic projections onto the box and each half-space (a no-op if inside)."""
        planes = [(np.asarray(a, dtype=float), b - 1e-9) for a, b in self.space.halfspaces()]
        x = ratios.copy()
        high = self.low + self.width
        for _ in range(200):
            x = np.clip(x, self.low, high)
            worst = 0.0
            for normal, bound in planes:
                gap = normal @ x - bound
                if gap > 0:
                    x = x - gap * normal / (normal @ normal)
                    worst = max(worst, gap)
            if worst == 0.0:
                break
        return np.clip(x, self.low, high)

    def _into_space(self, metal: str, ratios: np.ndarray) -> Composition:
        comp = Composition(metal, *(float(v) for v in ratios))
        snapped = self.space.snap(comp, strict=False)
        if snapped is None:  # only if the projection had not converged: fall back to the deepest point
            centre = self.space.polytope().chebyshev()
            assert centre is not None  # the space checked at construction that its region is not empty
            snapped = self.space.snap(Composition(metal, *(float(v) for v in centre[0])), strict=True)
        assert snapped is not None
        return snapped

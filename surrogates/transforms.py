"""Compositions <-> tensors: the only place where a `Composition` becomes a row of numbers.

A row is ``[m, o, s, k]``: the three ratios scaled to [0, 1] over the box, then the index ``k`` of
M in ``space.metals`` (a categorical column for `MixedSingleTaskGP`, never fed to a Matern kernel).
Charge balance ``m_al - 2 (o_al + s_al) >= min_cl_al - 3`` is linear in the scaled ratios, so it is
written once here as a BoTorch ``inequality_constraints`` entry.
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
#: Safety margin (Cl/Al units) kept from ``min_cl_al`` by the optimiser; `snap` absorbs the rest.
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

    def inequality_constraints(self) -> list[tuple[Tensor, Tensor, float]] | None:
        """Charge balance on the scaled ratios, as BoTorch's ``sum_i c_i x_i >= rhs``; None if it never binds."""
        sp = self.space
        lowest_cl = 3.0 + sp.m_al[0] - 2.0 * (sp.o_al[1] + sp.s_al[1])
        if lowest_cl >= sp.min_cl_al:
            return None
        coeffs = torch.tensor([self.width[0], -2.0 * self.width[1], -2.0 * self.width[2]], dtype=DTYPE)
        margin = min(CL_MARGIN, max(sp.max_cl_al - sp.min_cl_al, 0.0) / 2)
        rhs = sp.min_cl_al + margin - 3.0 - self.low[0] + 2.0 * (self.low[1] + self.low[2])
        return [(torch.tensor([0, 1, 2]), coeffs, float(rhs))]

    def satisfies(self, X: Tensor) -> Tensor:
        """Boolean ``n`` mask: rows of ``X`` (``n x >=3``, scaled ratios first) inside the charge-balance cut."""
        constraints = self.inequality_constraints()
        if constraints is None:
            return torch.ones(X.shape[0], dtype=torch.bool)
        idx, coeffs, rhs = constraints[0]
        return X[:, idx] @ coeffs >= rhs

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
        """Alternate projections onto the box and the charge-balance half-space (a no-op if inside)."""
        normal = np.array([1.0, -2.0, -2.0])
        bound = self.space.min_cl_al - 3.0 + 1e-9
        x = ratios.copy()
        for _ in range(50):
            x = np.clip(x, self.low, self.low + self.width)
            gap = bound - normal @ x
            if gap <= 0:
                break
            x = x + gap * normal / (normal @ normal)
        return np.clip(x, self.low, self.low + self.width)

    def _into_space(self, metal: str, ratios: np.ndarray) -> Composition:
        comp = Composition(metal, *(float(v) for v in ratios))
        snapped = self.space.snap(comp, strict=False)
        if snapped is None:  # only if the projection had not converged: fall back to a lattice corner
            sp = self.space
            snapped = self.space.snap(Composition(metal, sp.m_al[1], sp.o_al[0], sp.s_al[0]), strict=True)
        assert snapped is not None
        return snapped

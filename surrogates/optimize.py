"""Optimise an acquisition function over the composition space: q candidates, greedily.

Profiling showed gradient-based optimisation (SLSQP under the charge-balance inequality, started
from hit-and-run polytope samples) spending ~6 s per point: every SLSQP step is one posterior call
through all GPs, and Python overhead, not matrix size, dominates it. With three continuous ratios a
batched derivative-free search is far cheaper and as good at the precision that matters for a
composition (0.1 % of a range):

1. a scrambled Sobol set of ``raw_samples`` feasible points per metal (bounds, the exact
   charge-balance inequality and the space's own constraints hold by construction: infeasible points
   are filtered out), drawn in the box that holds the feasible region, scored in one batched call;
2. ``refine_steps`` rounds of local search: ``local_samples`` feasible points in a box of shrinking
   half-width around each of the ``num_restarts`` best, scored in one call per round.

Each of the ``q`` slots repeats this with the already chosen points in ``X_pending`` (sequential
greedy, as `optimize_acqf(..., sequential=True)`), over both metals at once; with ``same_metal``
the slots after the first stay at the first slot's metal (a batch melted in one furnace).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from botorch.acquisition import AcquisitionFunction
from torch import Tensor
from torch.quasirandom import SobolEngine

from .transforms import CAT_DIM, DTYPE, SpaceEncoder


@dataclass(frozen=True)
class OptimizeSettings:
    """Effort of the search (defaults measured: see docs/strategies.md)."""

    raw_samples: int = 512
    num_restarts: int = 4
    local_samples: int = 64
    refine_steps: int = 3
    radius: float = 0.08
    chunk: int = 512


def feasible_points(encoder: SpaceEncoder, n: int, *, seed: int, center: Tensor | None = None,
                    radius: float = 1.0, metals: Sequence[int] | None = None) -> Tensor:
    """About ``n`` encoded points (``k x d``) per metal inside the box, charge balance and the constraints.

    Without ``center``: Sobol points over the box that holds the feasible region (`SpaceEncoder.sampling_bounds`)
    for each metal in ``metals`` (default: every metal). With ``center`` (``d``): uniform points within
    ``radius`` of it, same metal, clipped to the box. Draws again (up to 8 times) while fewer than ``n`` of
    a metal's points are feasible, so a region that fills little of its bounding box still gets points.
    """
    engine = SobolEngine(3, scramble=True, seed=seed)
    low, high = encoder.sampling_bounds
    if center is not None:
        metals = [int(center[CAT_DIM])]
    elif metals is None:
        metals = range(len(encoder.space.metals))
    draws = [engine.draw(2 * n, dtype=DTYPE)]
    rows = []
    for k in metals:
        kept: list[Tensor] = []
        for attempt in range(8):
            if attempt == len(draws):
                draws.append(engine.draw(2 * n, dtype=DTYPE))
            unit = draws[attempt]
            x = low + unit * (high - low) if center is None else (center[:3] + radius * (2 * unit - 1)).clamp(0.0, 1.0)
            for i, value in encoder.fixed_dims.items():
                x[:, i] = value
            kept.append(x[encoder.satisfies(x)])
            if sum(len(part) for part in kept) >= n:
                break
        x = torch.cat(kept)[:n]
        rows.append(torch.cat([x, torch.full((x.shape[0], 1), float(k), dtype=DTYPE)], dim=-1))
    return torch.cat(rows)


def _score(acqf: AcquisitionFunction, X: Tensor, chunk: int) -> Tensor:
    """Acquisition values ``k`` of ``k`` single points ``X`` (``k x d``)."""
    with torch.no_grad():
        return torch.cat([acqf(part.unsqueeze(-2)) for part in X.split(chunk)])


def _best_point(
    acqf: AcquisitionFunction, encoder: SpaceEncoder, seed: int, s: OptimizeSettings, metals: Sequence[int] | None
) -> tuple[Tensor, Tensor]:
    X = feasible_points(encoder, s.raw_samples, seed=seed, metals=metals)
    values = _score(acqf, X, s.chunk)
    radius = s.radius
    for step in range(s.refine_steps):
        top = values.topk(min(s.num_restarts, values.numel())).indices
        local = [feasible_points(encoder, s.local_samples, seed=seed + 1 + step * 97 + j, center=X[i], radius=radius)
                 for j, i in enumerate(top.tolist())]
        X_new = torch.cat(local)
        X, values = torch.cat([X[top], X_new]), torch.cat([values[top], _score(acqf, X_new, s.chunk)])
        radius /= 4
    best = int(values.argmax())
    return X[best : best + 1], values[best]


def optimize_batch(
    acqf: AcquisitionFunction,
    encoder: SpaceEncoder,
    q: int,
    *,
    X_pending: Tensor | None,
    seed: int,
    settings: OptimizeSettings | None = None,
    metal: int | None = None,
    same_metal: bool = False,
) -> tuple[Tensor, Tensor]:
    """Return ``q x d`` candidates (encoded, feasible, unsnapped) and their ``q`` acquisition values.

    Args:
        X_pending: ``p x d`` points already proposed elsewhere, or None.
        metal: index of the metal every slot must use (None: any).
        same_metal: one metal for the whole batch: the first slot is optimised over every metal (or
            ``metal``), the others at the first slot's metal (one furnace run per batch).
    """
    settings = settings or OptimizeSettings()
    chosen: list[Tensor] = []
    values: list[Tensor] = []
    for slot in range(q):
        pending = ([X_pending] if X_pending is not None else []) + chosen
        acqf.set_X_pending(torch.cat(pending) if pending else None)
        metals = None if metal is None else [metal]
        if same_metal and chosen:
            metals = [int(chosen[0][0, CAT_DIM])]
        point, value = _best_point(acqf, encoder, seed + 1009 * slot, settings, metals)
        chosen.append(point)
        values.append(value)
    return torch.cat(chosen), torch.stack(values)

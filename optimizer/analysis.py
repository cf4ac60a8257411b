"""What the observations say so far: feasibility, Pareto front, best feasible point."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .problem import Observation, Problem


@dataclass(frozen=True)
class Best:
    """The best feasible candidate by the first objective, and the size of the feasible Pareto set."""

    observation: Observation
    objective: str
    value: float
    pareto_size: int


def feasible(observations: Sequence[Observation], problem: Problem) -> list[Observation]:
    return [o for o in observations if o.feasible(problem)]


def objective_matrix(observations: Sequence[Observation], problem: Problem) -> np.ndarray:
    """``n x m`` objective values, signed so that larger is better for every column."""
    return np.array(
        [[obj.sign * o.values[obj.name] for obj in problem.objectives] for o in observations], dtype=float
    ).reshape(len(observations), len(problem.objectives))


def pareto_mask(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (all columns maximised)."""
    mask = np.ones(len(points), dtype=bool)
    for i, p in enumerate(points):
        dominated = np.all(points >= p, axis=1) & np.any(points > p, axis=1)
        mask[i] = not dominated.any()
    return mask


def pareto_front(observations: Sequence[Observation], problem: Problem) -> list[Observation]:
    """Feasible observations that no other feasible observation dominates."""
    ok = feasible(observations, problem)
    if not ok:
        return []
    mask = pareto_mask(objective_matrix(ok, problem))
    return [o for o, keep in zip(ok, mask) if keep]


def best_feasible(observations: Sequence[Observation], problem: Problem) -> Best | None:
    ok = feasible(observations, problem)
    if not ok:
        return None
    first = problem.objectives[0]
    best = max(ok, key=lambda o: first.sign * o.values[first.name])
    return Best(best, first.name, best.values[first.name], len(pareto_front(ok, problem)))


def hypervolume(observations: Sequence[Observation], problem: Problem, reference: Sequence[float]) -> float:
    """Hypervolume (signed objectives, maximised) of the feasible set above ``reference``.

    Exact for one and two objectives; Monte Carlo free inclusion-exclusion is not attempted for
    more, where BoTorch's box decomposition is used.
    """
    ok = feasible(observations, problem)
    ref = np.asarray(reference, dtype=float)
    if not ok:
        return 0.0
    points = objective_matrix(ok, problem)
    points = points[np.all(points > ref, axis=1)]
    if len(points) == 0:
        return 0.0
    if points.shape[1] == 1:
        return float(points.max() - ref[0])
    if points.shape[1] == 2:
        front = points[pareto_mask(points)]
        front = front[np.argsort(-front[:, 0])]
        volume, last_y = 0.0, ref[1]
        for x, y in front:
            volume += (x - ref[0]) * (y - last_y)
            last_y = y
        return float(volume)
    import torch
    from botorch.utils.multi_objective.box_decompositions.dominated import DominatedPartitioning

    partition = DominatedPartitioning(ref_point=torch.as_tensor(ref), Y=torch.as_tensor(points))
    return float(partition.compute_hypervolume())


def batches_without_improvement(batches: Sequence[Sequence[Observation]], problem: Problem) -> int:
    """How many of the last ``batches`` (finished, in order) added no better feasible point.

    "Better" is a higher best feasible value of the objective (one objective) or a larger feasible
    hypervolume (several; reference point: the worst feasible value of each objective in all batches).
    """
    everything = [o for batch in batches for o in batch]
    ok = feasible(everything, problem)
    reference = objective_matrix(ok, problem).min(axis=0) if ok else None
    trailing, seen, before = 0, [], None  # type: int, list[Observation], float | None
    for batch in batches:
        seen.extend(batch)
        score = _score(seen, problem, reference)
        improved = score is not None and (before is None or score > before + 1e-12 * (1 + abs(before)))
        trailing = 0 if improved else trailing + 1
        before = score if improved else before
    return trailing


def _score(observations: Sequence[Observation], problem: Problem, reference: np.ndarray | None) -> float | None:
    best = best_feasible(observations, problem)
    if best is None or reference is None:
        return None
    if len(problem.objectives) == 1:
        return problem.objectives[0].sign * best.value
    return hypervolume(observations, problem, list(reference - 1e-9))

"""Feasibility, Pareto front, best point and hypervolume on hand-made observations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.analysis import best_feasible, hypervolume, pareto_front, pareto_mask
from optimizer.problem import Objective, Observation, OutcomeConstraint, Problem
from oracles import Composition, CompositionSpace

SPACE = CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.0), 0.0)
PROBLEM = Problem(SPACE, (Objective("s", "maximize"), Objective("t", "minimize")),
                  (OutcomeConstraint.parse("v >= 3.8"),))


def obs(i: int, s: float, t: float, v: float = 4.0, failed: bool = False) -> Observation:
    return Observation(i, Composition("Li", 1.0, i / 100), {} if failed else {"s": s, "t": t, "v": v}, failed=failed)


def test_front_best_and_infeasible_points() -> None:
    points = [obs(1, -3.0, -10.0), obs(2, -2.0, 0.0), obs(3, -4.0, -5.0), obs(4, -1.0, -30.0, v=3.0),
              obs(5, 0, 0, failed=True)]
    front = pareto_front(points, PROBLEM)
    assert sorted(o.candidate_id for o in front) == [1, 2]  # 3 is dominated by 1; 4 breaks the constraint
    best = best_feasible(points, PROBLEM)
    assert best is not None and best.observation.candidate_id == 2 and best.pareto_size == 2
    assert best_feasible([obs(4, -1.0, -30.0, v=3.0)], PROBLEM) is None


def test_hypervolume_two_objectives_by_hand() -> None:
    # signed objectives (s, -t): (-3, 10) and (-2, 0) above the reference (-5, -1): 2*11 + 1*1 = 23
    points = [obs(1, -3.0, -10.0), obs(2, -2.0, 0.0)]
    assert hypervolume(points, PROBLEM, [-5.0, -1.0]) == pytest.approx(23.0)
    assert hypervolume([], PROBLEM, [-5.0, -1.0]) == 0.0


@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=1, max_size=30))
def test_pareto_mask_keeps_exactly_the_non_dominated_rows(rows: list[tuple[float, float]]) -> None:
    import numpy as np

    points = np.array(rows)
    mask = pareto_mask(points)
    for i, p in enumerate(points):
        dominated = any((q >= p).all() and (q > p).any() for q in points)
        assert mask[i] == (not dominated)

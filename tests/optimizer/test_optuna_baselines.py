"""Optuna baselines: the charge-balance reparametrisation, failures and pending trials, determinism."""

from __future__ import annotations

import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.landscapes import SyntheticGlass
from optimizer.problem import Objective, Observation, OutcomeConstraint, Problem
from optimizer.strategies import make_strategy
from optimizer.strategies.optuna_baselines import OptunaStrategy, Reparametrisation
from oracles import Composition, CompositionSpace, Evaluation

SPACE = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=2.0)
PROBLEM = Problem(SPACE, (Objective("log10_sigma_30C", "maximize"), Objective("tg_C", "minimize")),
                  (OutcomeConstraint.parse("oxidation_V >= 3.8"),))


def observe(comps: list[Composition]) -> list[Observation]:
    out = []
    for i, (comp, res) in enumerate(zip(comps, SyntheticGlass().evaluate(comps))):
        if isinstance(res, Evaluation):
            out.append(Observation(i, comp, res.values))
        else:
            out.append(Observation(i, comp, failed=True))
    return out


@settings(max_examples=300, deadline=None)
@given(
    metal=st.sampled_from(["Li", "Na"]), m=st.floats(0.0, 1.0), u_o=st.floats(0.0, 1.0), u_s=st.floats(0.0, 1.0),
    min_cl=st.floats(0.0, 3.4),
)
def test_every_parameter_point_is_a_feasible_composition(metal: str, m: float, u_o: float, u_s: float,
                                                         min_cl: float) -> None:
    space = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=min_cl)
    rep = Reparametrisation(space)
    m_al = rep.m_low + m * (space.m_al[1] - rep.m_low)
    comp = rep.to_composition({"M": metal, "m_al": m_al, "u_o": u_o, "u_s": u_s})
    assert comp is not None and space.contains(comp), comp and space.violation(comp)


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 1000))
def test_round_trip_through_parameters(seed: int) -> None:
    rep = Reparametrisation(SPACE)
    (comp,) = SPACE.sobol(1, seed=seed)
    back = rep.to_composition(rep.to_params(comp))
    assert back is not None and back.almost_equals(comp, atol=2e-4)


@pytest.mark.parametrize("name", ["optuna-tpe", "optuna-gp", "optuna-nsga2"])
def test_proposals_feasible_new_repeatable(name: str) -> None:
    obs = observe(SPACE.sobol(12, seed=0))  # some fail (o_al < 0.2): FAIL trials
    assert any(o.failed for o in obs)
    pending = SPACE.sobol(2, seed=5)
    strategy = make_strategy(name, PROBLEM, seed=1)
    assert isinstance(strategy, OptunaStrategy)
    batch = [p.composition for p in strategy.propose(3, obs, pending)]
    assert batch == [p.composition for p in make_strategy(name, PROBLEM, seed=1).propose(3, obs, pending)]
    assert len(set(batch)) == 3
    assert all(SPACE.contains(c) for c in batch)
    assert not set(batch) & (set(pending) | {o.composition for o in obs})


def test_verbosity_is_restored() -> None:
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        make_strategy("optuna-tpe", PROBLEM, seed=0).propose(2, observe(SPACE.sobol(4, seed=0)), [])
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)

"""Optuna baselines: ``optuna-tpe``, ``optuna-gp``, ``optuna-nsga2``.

State is data: each `propose` rebuilds an in-memory study from the observations (`create_trial` +
`add_trial`), asks ``n`` trials, and throws the study away, so a resumed campaign proposes the same
points. Evaluated candidates are COMPLETE trials with their outcome constraints as trial
``constraints`` (Optuna 5's replacement of ``constraints_func``; feasible when <= 0); failed ones
are FAIL trials; pending ones RUNNING trials (TPE runs with ``constant_liar``, GPSampler conditions
on running trials, NSGA-II ignores them; repeats are re-asked, then replaced by uniform points).
A point outside the space after rounding (rare: the reparametrisation is exact) is re-asked the same
way, never proposed. With one metal per batch (``loop.same_within_batch: [M]``) the first ask chooses
M and the rest of the batch is asked through ``PartialFixedSampler({"M": metal})``.

Charge balance and ``space.constraints`` by reparametrisation, so every sampler sees a plain box and
every point is feasible: ``M``, ``m_al`` over the region's range of M/Al, and ``u_o, u_s`` in [0, 1]
with ``o = o_lo(m) + u_o (o_hi(m) - o_lo(m))`` and ``s = s_lo(m, o) + u_s (s_hi(m, o) - s_lo(m, o))``,
the exact ranges the region allows once the ratios before are chosen (`oracles.polytope.Polytope.interval`;
with charge balance alone ``o_hi = min(hi_o, B - lo_s)``, ``s_hi = min(hi_s, B - o)``,
``B = (3 + m_al - min_cl_al) / 2`` the O + S that charge balance allows at this ``m_al``).

Optuna logs every trial at INFO; `propose` lowers optuna's verbosity to WARNING and restores it.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator, Sequence

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState

from oracles import Composition, CompositionSpace

from ..problem import Observation
from .base import FREE, BatchRule, Proposal, Strategy

NSGA2_POPULATION = 8
_GENERATION_KEY = "NSGAIISampler:generation"


class Reparametrisation:
    """Box parameters ``(M, m_al, u_o, u_s)`` <-> compositions of ``space`` (see module doc).

    ``m_al`` spans the region's range of M/Al; at that ``m_al``, ``u_o`` spans the range of O/Al the region
    allows, and at both, ``u_s`` the range of S/Al (exact ranges of the polytope cut by charge balance and
    ``space.constraints``, `Polytope.interval`), so every parameter point is a composition of the space.
    """

    def __init__(self, space: CompositionSpace) -> None:
        self.space = space
        self.polytope = space.polytope()
        low, high = space.sampling_box  # with constraints, its M/Al range is the region's (by LP)
        self.m_high = float(high[0])
        lowest = space.min_cl_al - 3.0 + 2.0 * (space.o_al[0] + space.s_al[0])  # charge balance at the corner
        self.m_low = min(max(float(low[0]), lowest), self.m_high)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return {
            "M": CategoricalDistribution(list(self.space.metals)),
            "m_al": FloatDistribution(self.m_low, self.m_high),
            "u_o": FloatDistribution(0.0, 1.0),
            "u_s": FloatDistribution(0.0, 1.0),
        }

    def to_composition(self, params: dict[str, Any]) -> Composition | None:
        m = float(params["m_al"])
        low, high = self.polytope.interval(1, (m,))
        o = low + params["u_o"] * (high - low)
        low, high = self.polytope.interval(2, (m, o))
        s = low + params["u_s"] * (high - low)
        return self.space.snap(Composition(params["M"], m, o, s), strict=False)

    def to_params(self, comp: Composition) -> dict[str, Any]:
        m = min(max(comp.m_al, self.m_low), self.m_high)
        (lo_o, hi_o), (lo_s, hi_s) = self.polytope.interval(1, (m,)), self.polytope.interval(2, (m, comp.o_al))
        u_o = (comp.o_al - lo_o) / (hi_o - lo_o) if hi_o > lo_o else 0.0
        u_s = (comp.s_al - lo_s) / (hi_s - lo_s) if hi_s > lo_s else 0.0
        return {"M": comp.M, "m_al": m, "u_o": min(max(u_o, 0.0), 1.0), "u_s": min(max(u_s, 0.0), 1.0)}


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna at WARNING verbosity (a global setting in Optuna; restored on exit)."""
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        with warnings.catch_warnings():
            # constant_liar and NSGA-II's generation bookkeeping are marked experimental; we rely on them knowingly.
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(before)


class OptunaStrategy(Strategy):
    """Base of the Optuna baselines; subclasses implement `sampler`."""

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    def _trials(self, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Any]:
        rep, problem = Reparametrisation(self.problem.space), self.problem
        dists = rep.distributions
        trials = []
        for i, obs in enumerate(observations):
            params = rep.to_params(obs.composition)
            attrs = {_GENERATION_KEY: i // NSGA2_POPULATION}
            if obs.failed:
                trials.append(optuna.trial.create_trial(state=TrialState.FAIL, params=params, distributions=dists,
                                                        system_attrs=attrs))
            elif obs.complete(problem):
                trials.append(optuna.trial.create_trial(
                    params=params, distributions=dists, system_attrs=attrs,
                    values=[obs.values[o.name] for o in problem.objectives],
                    constraints={str(c): -c.slack(obs.values[c.output]) for c in problem.constraints} or None,
                ))
        for comp in pending:
            trials.append(optuna.trial.create_trial(state=TrialState.RUNNING, params=rep.to_params(comp),
                                                    distributions=dists))
        return trials

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition], *,
                batch: BatchRule = FREE) -> list[Proposal]:
        n_seen = len(observations) + len(pending)
        rng = self.rng(n_seen)
        space = self.problem.space
        rep = Reparametrisation(space)
        taken = set(pending) | {o.composition for o in observations}
        out: list[Composition] = []
        with quiet_optuna():
            base = self.sampler(int(rng.integers(2**31 - 1)))
            study = optuna.create_study(sampler=base, directions=[o.goal for o in self.problem.objectives])
            study.add_trials(self._trials(observations, pending))
            for _ in range(5 * n):
                if len(out) == n:
                    break
                metal = batch.metal_for(out)
                # one furnace per batch: the sampler proposes the other parameters at the batch's metal
                study.sampler = base if metal is None else optuna.samplers.PartialFixedSampler({"M": metal}, base)
                trial = study.ask(rep.distributions)  # stays RUNNING: later asks see it as pending
                comp = rep.to_composition(trial.params)
                # a point outside space.constraints is re-asked (its trial stays RUNNING: a lie keeps TPE away)
                if comp is not None and space.contains(comp) and comp not in taken and comp not in out \
                        and batch.admits(comp, out):
                    out.append(comp)
        while len(out) < n:  # the sampler kept repeating itself: uniform points instead
            for c in space.uniform(n, rng=rng, metal=batch.metal_for(out)):
                if c not in taken and c not in out and batch.admits(c, out) and len(out) < n:
                    out.append(c)
        return [Proposal(c) for c in out]


class OptunaTPEStrategy(OptunaStrategy):
    """Multivariate TPE with constant liar for pending trials (Optuna defaults otherwise)."""

    name = "optuna-tpe"

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)


class OptunaGPStrategy(OptunaStrategy):
    """Optuna's `GPSampler` (log-EI / log-EHVI, constraints modelled by GPs)."""

    name = "optuna-gp"

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.GPSampler(seed=seed)


class OptunaNSGA2Strategy(OptunaStrategy):
    """NSGA-II with a population of `NSGA2_POPULATION` (observations are assigned generations in order)."""

    name = "optuna-nsga2"

    def sampler(self, seed: int) -> optuna.samplers.BaseSampler:
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=NSGA2_POPULATION)

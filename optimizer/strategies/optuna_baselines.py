"""Optuna baselines: ``optuna-tpe``, ``optuna-gp``, ``optuna-nsga2``.

State is data: each `propose` rebuilds an in-memory study from the observations (`create_trial` +
`add_trial`), asks ``n`` trials, and throws the study away, so a resumed campaign proposes the same
points. Evaluated candidates are COMPLETE trials with their outcome constraints as trial
``constraints`` (Optuna 5's replacement of ``constraints_func``; feasible when <= 0); failed ones
are FAIL trials; pending ones RUNNING trials (TPE runs with ``constant_liar``, GPSampler conditions
on running trials, NSGA-II ignores them; repeats are re-asked, then replaced by uniform points).

Charge balance by reparametrisation, so every sampler sees a plain box and every point is feasible:
``M``, ``m_al`` (lower bound raised to where a composition exists), and ``u_o, u_s`` in [0, 1] with
``o = lo_o + u_o (min(hi_o, B - lo_s) - lo_o)``, ``s = lo_s + u_s (min(hi_s, B - o) - lo_s)``,
``B = (3 + m_al - min_cl_al) / 2`` the O + S that charge balance allows at this ``m_al``.

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
from .base import Proposal, Strategy

NSGA2_POPULATION = 8
_GENERATION_KEY = "NSGAIISampler:generation"


class Reparametrisation:
    """Box parameters ``(M, m_al, u_o, u_s)`` <-> feasible compositions of ``space`` (see module doc)."""

    def __init__(self, space: CompositionSpace) -> None:
        self.space = space
        sp = space
        self.m_low = min(max(sp.m_al[0], sp.min_cl_al - 3.0 + 2.0 * (sp.o_al[0] + sp.s_al[0])), sp.m_al[1])

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        return {
            "M": CategoricalDistribution(list(self.space.metals)),
            "m_al": FloatDistribution(self.m_low, self.space.m_al[1]),
            "u_o": FloatDistribution(0.0, 1.0),
            "u_s": FloatDistribution(0.0, 1.0),
        }

    def _o_max(self, m: float) -> float:
        sp = self.space
        return max(min(sp.o_al[1], (3.0 + m - sp.min_cl_al) / 2.0 - sp.s_al[0]), sp.o_al[0])

    def _s_max(self, m: float, o: float) -> float:
        sp = self.space
        return max(min(sp.s_al[1], (3.0 + m - sp.min_cl_al) / 2.0 - o), sp.s_al[0])

    def to_composition(self, params: dict[str, Any]) -> Composition | None:
        sp, m = self.space, float(params["m_al"])
        o = sp.o_al[0] + params["u_o"] * (self._o_max(m) - sp.o_al[0])
        s = sp.s_al[0] + params["u_s"] * (self._s_max(m, o) - sp.s_al[0])
        return sp.snap(Composition(params["M"], m, o, s), strict=False)

    def to_params(self, comp: Composition) -> dict[str, Any]:
        sp = self.space
        m = min(max(comp.m_al, self.m_low), sp.m_al[1])
        span_o, span_s = self._o_max(m) - sp.o_al[0], self._s_max(m, comp.o_al) - sp.s_al[0]
        u_o = (comp.o_al - sp.o_al[0]) / span_o if span_o > 0 else 0.0
        u_s = (comp.s_al - sp.s_al[0]) / span_s if span_s > 0 else 0.0
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

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        n_seen = len(observations) + len(pending)
        rng = self.rng(n_seen)
        rep = Reparametrisation(self.problem.space)
        taken = set(pending) | {o.composition for o in observations}
        out: list[Composition] = []
        with quiet_optuna():
            study = optuna.create_study(
                sampler=self.sampler(int(rng.integers(2**31 - 1))),
                directions=[o.goal for o in self.problem.objectives],
            )
            study.add_trials(self._trials(observations, pending))
            for _ in range(5 * n):
                if len(out) == n:
                    break
                trial = study.ask(rep.distributions)  # stays RUNNING: later asks see it as pending
                comp = rep.to_composition(trial.params)
                if comp is not None and comp not in taken and comp not in out:
                    out.append(comp)
        while len(out) < n:  # the sampler kept repeating itself: uniform points instead
            out.extend(c for c in self.problem.space.uniform(n, rng=rng) if c not in taken and c not in out)
        return [Proposal(c) for c in out[:n]]


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

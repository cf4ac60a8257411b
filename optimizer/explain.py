"""`explain`, `predict` and the stopping advice of a campaign, from one snapshot and the model fitted to it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from oracles import Composition

from . import analysis, modelling
from .insight import Prediction, Predictor, driver, expected_improvement, quiet_numerics
from .snapshot import CampaignSnapshot, CandidateRecord

#: Sobol points per metal over which the largest expected improvement is searched (one objective).
EI_SAMPLES = 1024


@dataclass(frozen=True)
class Explanation:
    """A candidate, what the model said when proposing it, what it says now, and its nearest evaluated
    neighbours (distance in ratios scaled to the search box; another metal counts 1)."""

    record: CandidateRecord
    proposal: dict[str, Any]
    now: Prediction | None
    why_now: str | None
    neighbours: list[tuple[CandidateRecord, float]]


@dataclass(frozen=True)
class Expectation:
    """How much the model still expects: ``value`` in ``unit``, what it measures, and where."""

    value: float
    unit: str
    what: str
    at: tuple[Composition, ...]


def predictions(snapshot: CampaignSnapshot, comps: Sequence[Composition]) -> list[Prediction] | None:
    """The model's predictions at ``comps`` (None before two complete evaluations)."""
    predictor = Predictor.fit(snapshot.problem, snapshot.observations)
    return None if predictor is None else predictor.predict(comps)


def why(snapshot: CampaignSnapshot, prediction: Prediction) -> str:
    return driver(prediction, snapshot.problem, snapshot.observations, dict(snapshot.units))


def explain(snapshot: CampaignSnapshot, candidate_id: int, *, neighbours: int = 3) -> Explanation:
    """`KeyError` for an unknown id."""
    record = snapshot.record(candidate_id)
    if record is None:
        raise KeyError(f"no candidate with id {candidate_id}")
    others = [r for r in snapshot.records if r.id != candidate_id and r.state == "done"]
    encoder = modelling.encoder(snapshot.problem)
    mine = encoder.encode([record.modelled])[0]
    near = []
    if others:
        rows = encoder.encode([r.modelled for r in others])
        for other, row in zip(others, rows):
            ratios = float(((row[:3] - mine[:3]) ** 2).sum().sqrt())
            near.append((other, math.hypot(ratios, float(row[3] != mine[3]))))
    near.sort(key=lambda pair: pair[1])
    found = predictions(snapshot, [record.modelled])
    now = found[0] if found else None
    return Explanation(record, dict(record.proposal), now, why(snapshot, now) if now else None, near[:neighbours])


def expected_gain(snapshot: CampaignSnapshot, *, batch_size: int) -> Expectation | None:
    """For one objective, the largest expected improvement (times the probability of being feasible) over
    the best feasible value anywhere in the space; for several, the expected hypervolume gain of the next
    batch (qLogNEHVI of the batch the strategy would propose). None before the model can be fitted."""
    problem = snapshot.problem
    predictor = Predictor.fit(problem, snapshot.observations)
    if predictor is None:
        return None
    if len(problem.objectives) == 1:
        return _single_objective(snapshot, predictor)
    return _hypervolume_gain(snapshot, predictor, batch_size)


def _single_objective(snapshot: CampaignSnapshot, predictor: Predictor) -> Expectation | None:
    problem = snapshot.problem
    (obj,) = problem.objectives
    best = analysis.best_feasible(snapshot.observations, problem)
    if best is None:
        return None
    points = [c for k in range(len(problem.space.metals))
              for c in problem.space.sobol(EI_SAMPLES, seed=17 + k)]
    scored = [(expected_improvement(p.mean[obj.name], p.std[obj.name], best.value, obj.sign) * p.p_feasible, p)
              for p in predictor.predict(points)]
    value, at = max(scored, key=lambda s: s[0])
    return Expectation(value, snapshot.units.get(obj.name, ""), f"largest expected improvement of {obj.name} over "
                       f"the best feasible {best.value:.4g}", (at.composition,))


def _hypervolume_gain(snapshot: CampaignSnapshot, predictor: Predictor, batch_size: int) -> Expectation | None:
    import torch

    from surrogates.acquisition import build_acquisition
    from surrogates.engine import torch_threads
    from surrogates.optimize import optimize_batch

    problem = snapshot.problem
    data = modelling.dataset(problem, snapshot.observations)
    encoder = modelling.encoder(problem)
    pending = [c for _, c in snapshot.pending]
    X_pending = encoder.encode(pending) if pending else None
    with torch_threads(1), torch.no_grad(), quiet_numerics():
        acqf = build_acquisition("qlognehvi", predictor.fitted.model, predictor.fitted.target, X_baseline=data.X,
                                 Y_baseline=data.Y, X_pending=X_pending, seed=0)
        X, _ = optimize_batch(acqf, encoder, batch_size, X_pending=X_pending, seed=0)
        acqf.set_X_pending(X_pending)
        value = float(acqf(X.unsqueeze(0)).exp())
    units = " x ".join(snapshot.units.get(o.name, "?") for o in problem.objectives)
    return Expectation(value, units, f"expected hypervolume gain of the next batch of {batch_size}",
                       tuple(encoder.decode(X)))

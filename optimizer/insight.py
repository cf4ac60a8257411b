"""What the model says about compositions: predictions, the probability of meeting the constraints, why a
candidate was chosen, and how much improvement is still expected (`explain`, `predict`, `ask`, `status`).

Every number here comes from the strategies' own GP pipeline (`optimizer.modelling`, `surrogates.engine`):
one GP per output (fused across oracles where several give it, predicting at the most trusted fidelity), and
the success model where candidates failed. Probabilities treat the outputs as independent Gaussians.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Sequence

from oracles import Composition

from . import analysis, modelling
from .problem import Observation, Problem

if TYPE_CHECKING:
    from surrogates.engine import Fitted

#: A driver is called exploration when no objective expects more than this fraction of its spread.
EXPLORATION_FRACTION = 0.01


@contextlib.contextmanager
def quiet_numerics() -> Iterator[None]:
    """GPyTorch adds jitter to near-singular covariances (repeated compositions) and warns each time; the
    strategies silence the same warning (`surrogates.engine`)."""
    from gpytorch.utils.warnings import NumericalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumericalWarning)
        yield


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _pdf(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def expected_improvement(mean: float, std: float, best: float, sign: float) -> float:
    """Analytic EI of N(mean, std) over ``best`` in the objective's unit (``sign`` +1 maximise, -1 minimise)."""
    gain = sign * (mean - best)
    if std <= 0:
        return max(gain, 0.0)
    z = gain / std
    return gain * _phi(z) + std * _pdf(z)


@dataclass(frozen=True)
class Prediction:
    """The model at one composition: mean and std per output (declared units), the probability of each
    outcome constraint (and of success, when candidates failed), and their product."""

    composition: Composition
    mean: dict[str, float]
    std: dict[str, float]
    p_constraints: dict[str, float] = field(default_factory=dict)
    p_success: float | None = None

    @property
    def p_feasible(self) -> float:
        p = math.prod(self.p_constraints.values())
        return p * (1.0 if self.p_success is None else self.p_success)

    def as_record(self) -> dict[str, Any]:
        """JSON-ready, as stored with a proposal and shown by `viglas explain`."""
        return {"predicted": {k: [round(self.mean[k], 6), round(self.std[k], 6)] for k in self.mean},
                "p_constraints": {k: round(v, 4) for k, v in self.p_constraints.items()},
                "p_success": None if self.p_success is None else round(self.p_success, 4),
                "p_feasible": round(self.p_feasible, 4)}


class Predictor:
    """Fitted surrogates of a campaign's observations; `fit` returns None with fewer than 2 complete ones."""

    def __init__(self, problem: Problem, fitted: Fitted) -> None:
        self.problem = problem
        self.fitted = fitted

    @classmethod
    def fit(cls, problem: Problem, observations: Sequence[Observation]) -> Predictor | None:
        from surrogates.engine import fit_models, torch_threads
        from surrogates.errors import SurrogateFitError

        data = modelling.dataset(problem, observations)
        if data.X.shape[0] < 2:
            return None
        try:
            with torch_threads(1), quiet_numerics():
                fitted = fit_models(data, modelling.target(problem), problem.outputs,
                                    fused=modelling.fidelity_data(problem, observations) or None)
        except SurrogateFitError:
            return None
        return cls(problem, fitted)

    def predict(self, comps: Sequence[Composition]) -> list[Prediction]:
        if not comps:
            return []
        with quiet_numerics():
            mean, std = self.fitted.predict(modelling.encoder(self.problem).encode(list(comps)))
        outputs, success = self.problem.outputs, self.fitted.target.success_index
        out = []
        for i, comp in enumerate(comps):
            mu = {name: float(mean[i, j]) for j, name in enumerate(outputs)}
            sd = {name: float(std[i, j]) for j, name in enumerate(outputs)}
            p_con = {str(c): _probability(mu[c.output], sd[c.output], c.op, c.bound) for c in self.problem.constraints}
            p_ok = None if success is None else _probability(float(mean[i, success]), float(std[i, success]), ">=",
                                                                 0.5)
            out.append(Prediction(comp, mu, sd, p_con, p_ok))
        return out


def _spread(observations: Sequence[Observation], name: str) -> float:
    """The range of ``name`` over the successful observations (1 when it has none yet)."""
    values = [o.values[name] for o in observations if name in o.values and not o.failed]
    spread = max(values) - min(values) if len(values) > 1 else 0.0
    return spread or 1.0


def _probability(mean: float, std: float, op: str, bound: float) -> float:
    if std <= 0:
        return float((mean >= bound) if op == ">=" else (mean <= bound))
    z = (mean - bound) / std
    return _phi(z) if op == ">=" else _phi(-z)


def driver(prediction: Prediction, problem: Problem, observations: Sequence[Observation],
           units: dict[str, str]) -> str:
    """Which objective or constraint drove a choice, in one line (expected improvement per objective over the
    best feasible value, exploration where none expects much, and the limiting constraint)."""
    ok = analysis.feasible(observations, problem)
    parts = []
    scores = []
    spreads = {name: _spread(observations, name) for name in problem.outputs}
    for obj in problem.objectives:
        spread = spreads[obj.name]
        best = max((obj.sign * o.values[obj.name] for o in ok), default=None)
        mean, std = prediction.mean[obj.name], prediction.std[obj.name]
        if best is None:
            scores.append((std / (spread or 1.0), f"{obj.name}: no feasible point yet; predicted {mean:.3g} ± "
                                                  f"{std:.2g} {units.get(obj.name, '')}"))
            continue
        ei = expected_improvement(mean, std, obj.sign * best, obj.sign)
        scores.append((ei / (spread or 1.0), f"{obj.name}: expected improvement {ei:.3g} {units.get(obj.name, '')} "
                                             f"over the best feasible {obj.sign * best:.4g}"))
    score, text = max(scores, key=lambda s: s[0])
    if ok and score < EXPLORATION_FRACTION:
        name = max(problem.outputs, key=lambda k: prediction.std[k] / spreads[k])
        text = f"exploration: {name} is uncertain here (± {prediction.std[name]:.2g} {units.get(name, '')})"
    parts.append(text.strip())
    limits = dict(prediction.p_constraints)
    if prediction.p_success is not None:
        limits["no failure"] = prediction.p_success
    if limits:
        name, p = min(limits.items(), key=lambda kv: kv[1])
        parts.append(f"P(feasible) {prediction.p_feasible:.2f}, lowest for {name} ({p:.2f})")
    return "; ".join(parts)

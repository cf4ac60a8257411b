"""Acquisition functions for one or several objectives under outcome constraints and failures.

Model outputs are ordered ``[outputs..., success]``: the campaign's outputs (objectives first), then,
when some evaluations failed, a 0/1 "the oracle succeeded here" label. The label is regressed by a
GP like the other outputs and enters as one more outcome constraint, ``success >= 0.5``, so regions
where oracles fail are avoided through the same smoothed feasibility weighting as ``tg_C <= 0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal

import torch
from botorch.acquisition import AcquisitionFunction, qLogNoisyExpectedImprovement
from botorch.acquisition.multi_objective.logei import qLogNoisyExpectedHypervolumeImprovement
from botorch.acquisition.multi_objective.objective import WeightedMCMultiOutputObjective
from botorch.acquisition.multi_objective.parego import qLogNParEGO
from botorch.acquisition.objective import LinearMCObjective
from botorch.models.model import Model
from botorch.sampling import SobolQMCNormalSampler
from botorch.utils.multi_objective.hypervolume import infer_reference_point
from botorch.utils.multi_objective.pareto import is_non_dominated
from botorch.utils.sampling import sample_simplex
from torch import Tensor

Kind = Literal["qlognehvi", "qlognparego"]
Constraint = Callable[[Tensor], Tensor]


@dataclass(frozen=True)
class _Slack:
    """``sign * (Y[..., index] - bound)``: negative where the constraint holds (BoTorch's convention)."""

    index: int
    sign: float
    bound: float

    def __call__(self, Y: Tensor) -> Tensor:
        return self.sign * (Y[..., self.index] - self.bound)


@dataclass(frozen=True)
class Target:
    """What to optimise, in model-output indices.

    Attributes:
        signs: one per objective, +1 maximise / -1 minimise; objective ``i`` is model output ``i``.
        constraints: ``(output index, "<=" or ">=", bound)`` in the output's units.
        success_index: model output holding the 0/1 success label, or None when nothing failed.
    """

    signs: tuple[float, ...]
    constraints: tuple[tuple[int, str, float], ...] = ()
    success_index: int | None = None

    @property
    def n_outputs(self) -> int:
        return len(self.signs)

    def constraint_callables(self) -> list[Constraint]:
        """Callables mapping samples ``... x q x m`` to ``... x q``, feasible where negative."""
        out = [_Slack(index, 1.0 if op == "<=" else -1.0, bound) for index, op, bound in self.constraints]
        if self.success_index is not None:
            out.append(_Slack(self.success_index, -1.0, 0.5))  # success >= 0.5
        return list(out)

    def feasible(self, Y: Tensor) -> Tensor:
        """Boolean ``n`` mask of the rows of observed ``Y`` (``n x m``) meeting every outcome constraint."""
        ok = torch.ones(Y.shape[0], dtype=torch.bool)
        for index, op, bound in self.constraints:
            ok &= Y[:, index] <= bound if op == "<=" else Y[:, index] >= bound
        return ok

    def signed_objectives(self, Y: Tensor) -> Tensor:
        """``n x k`` objectives of ``Y`` (``n x m``), signed so that larger is better."""
        return Y[:, : self.n_outputs] * torch.tensor(self.signs, dtype=Y.dtype)


def reference_point(Y: Tensor, target: Target) -> Tensor:
    """Hypervolume reference point from the data: BoTorch's `infer_reference_point` on the feasible
    Pareto front (all evaluated points when none is feasible yet), signed objectives."""
    obj = target.signed_objectives(Y)
    feasible = target.feasible(Y)
    pool = obj[feasible] if bool(feasible.any()) else obj
    return infer_reference_point(pool[is_non_dominated(pool)])


def build_acquisition(
    kind: Kind,
    model: Model,
    target: Target,
    *,
    X_baseline: Tensor,
    Y_baseline: Tensor,
    X_pending: Tensor | None,
    seed: int,
    mc_samples: int = 64,
) -> AcquisitionFunction:
    """The acquisition function of ``kind`` (qLogNEI whenever there is one objective).

    Args:
        X_baseline: ``n x d`` evaluated inputs (the noisy incumbents).
        Y_baseline: ``n x m`` their observed outputs (for the reference point).
        X_pending: ``p x d`` inputs proposed but not evaluated, or None.
    """
    sampler = SobolQMCNormalSampler(sample_shape=torch.Size([mc_samples]), seed=seed)
    constraints = target.constraint_callables() or None
    n_model = model.num_outputs
    common: dict[str, Any] = dict(
        sampler=sampler, constraints=constraints, X_pending=X_pending, prune_baseline=True, cache_root=True
    )
    if target.n_outputs == 1:
        weights = torch.zeros(n_model, dtype=X_baseline.dtype)
        weights[0] = target.signs[0]
        return qLogNoisyExpectedImprovement(model, X_baseline, objective=LinearMCObjective(weights), **common)
    objective = WeightedMCMultiOutputObjective(
        weights=torch.tensor(target.signs, dtype=X_baseline.dtype), outcomes=list(range(target.n_outputs))
    )
    if kind == "qlognparego":
        gen = torch.Generator().manual_seed(seed)
        with torch.random.fork_rng():
            torch.manual_seed(int(torch.randint(2**31, (1,), generator=gen)))
            weights = sample_simplex(target.n_outputs, dtype=X_baseline.dtype).squeeze(0)
        return qLogNParEGO(model, X_baseline, scalarization_weights=weights, objective=objective, **common)
    ref = reference_point(Y_baseline, target)
    return qLogNoisyExpectedHypervolumeImprovement(
        model, ref_point=ref, X_baseline=X_baseline, objective=objective, **common
    )

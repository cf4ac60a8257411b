"""Acquisition on small fixed data: deterministic, feasible, pending-aware; fit failures are typed."""

from __future__ import annotations

import math

import pytest
import torch
from botorch.exceptions.errors import ModelFittingError

from oracles import Composition, CompositionSpace
from surrogates import models
from surrogates.acquisition import Target, build_acquisition, reference_point
from surrogates.engine import Dataset, EngineSettings, propose_encoded, torch_threads
from surrogates.errors import SurrogateFitError
from surrogates.optimize import OptimizeSettings
from surrogates.transforms import DTYPE, SpaceEncoder

SPACE = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=2.0)
NAMES = ("sigma", "tg", "ox")
FAST = EngineSettings(mc_samples=16, optimize=OptimizeSettings(raw_samples=64, local_samples=16, refine_steps=1))


def truth(c: Composition) -> list[float]:
    na = 1.0 if c.M == "Na" else 0.0
    return [-3 + math.exp(-(((c.o_al - 0.6) / 0.3) ** 2)) - 0.3 * na, 40 * (c.o_al - 0.6) - 10 * c.s_al,
            4.2 - 0.4 * c.o_al - c.s_al]


@pytest.fixture(scope="module")
def data() -> Dataset:
    comps = SPACE.sobol(14, seed=1)
    ok = [c for c in comps if c.o_al >= 0.15]
    failed = [c for c in comps if c.o_al < 0.15]
    enc = SpaceEncoder(SPACE)
    Y = torch.tensor([truth(c) for c in ok], dtype=DTYPE)
    return Dataset(enc.encode(ok), Y, None, enc.encode(failed))


TARGETS = {
    "one objective": Target((1.0,), ((1, "<=", 0.0),)),
    "two objectives": Target((1.0, -1.0), ((2, ">=", 3.8),)),
}


@pytest.mark.parametrize(("kind", "case"), [("qlognehvi", "one objective"), ("qlognparego", "two objectives")])
def test_proposals_are_feasible_distinct_and_deterministic(data: Dataset, kind: str, case: str) -> None:
    enc = SpaceEncoder(SPACE)
    run = [propose_encoded(kind, enc, data, TARGETS[case], names=NAMES, q=3, X_pending=None, seed=7,  # type: ignore[arg-type]
                           settings=FAST)[0] for _ in range(2)]
    assert torch.equal(run[0], run[1])
    comps = enc.decode(run[0])
    assert len(set(comps)) == 3
    assert all(SPACE.contains(c) for c in comps)


def test_pending_points_are_not_proposed_again(data: Dataset) -> None:
    enc = SpaceEncoder(SPACE)
    first, _ = propose_encoded("qlognehvi", enc, data, TARGETS["two objectives"], names=NAMES, q=2,
                               X_pending=None, seed=3, settings=FAST)
    second, _ = propose_encoded("qlognehvi", enc, data, TARGETS["two objectives"], names=NAMES, q=2,
                                X_pending=first, seed=3, settings=FAST)
    assert not set(enc.decode(first)) & set(enc.decode(second))


def test_failure_model_steers_away_from_failed_region(data: Dataset) -> None:
    """With a success GP as a constraint, proposals avoid o_al < 0.15 where every evaluation failed."""
    enc = SpaceEncoder(SPACE)
    X, fitted = propose_encoded("qlognehvi", enc, data, TARGETS["one objective"], names=NAMES, q=3,
                                X_pending=None, seed=0, settings=FAST)
    assert fitted.target.success_index == len(NAMES)  # the success GP is modelled after the outputs
    assert all(c.o_al >= 0.15 for c in enc.decode(X))


def test_reference_point_is_below_the_feasible_front() -> None:
    Y = torch.tensor([[1.0, 5.0, 4.0], [2.0, 3.0, 4.0], [3.0, 9.0, 3.0]], dtype=DTYPE)
    ref = reference_point(Y, TARGETS["two objectives"])
    # signed front: (2, -3) alone; the infeasible (3, -9) would pull the reference below -9
    assert ref[0] < 2.0 and -9.0 < ref[1] < -3.0


def test_acquisition_values_finite_and_shaped(data: Dataset) -> None:
    from surrogates.engine import fit_models

    with torch_threads(1):
        fitted = fit_models(data, TARGETS["two objectives"], NAMES)
    model, target = fitted.model, fitted.target
    assert target.success_index == 3 and len(fitted.parts) == 4
    acqf = build_acquisition("qlognehvi", model, target, X_baseline=data.X, Y_baseline=data.Y, X_pending=None,
                             seed=0, mc_samples=16)
    X = torch.rand(5, 2, 4, dtype=DTYPE)
    X[..., 3] = 1.0
    values = acqf(X)
    assert values.shape == (5,) and torch.isfinite(values).all()


def test_fit_failure_is_typed_and_names_the_output(data: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ModelFittingError("all attempts failed")

    monkeypatch.setattr(models, "fit_gpytorch_mll", broken)
    with pytest.raises(SurrogateFitError, match="sigma") as info:
        models.MixedGP(names=NAMES).fit(data.X, data.Y)
    assert info.value.outputs == ("sigma",)


def test_too_little_data_is_a_fit_error() -> None:
    enc = SpaceEncoder(SPACE)
    one = Dataset(enc.encode([Composition("Li", 1.0, 0.5, 0.0)]), torch.zeros(1, 3, dtype=DTYPE))
    with pytest.raises(SurrogateFitError):
        propose_encoded("qlognehvi", enc, one, TARGETS["one objective"], names=NAMES, q=1, X_pending=None, seed=0)


def test_reported_std_gives_a_fixed_noise_gp_and_missing_std_a_learned_one(data: Dataset) -> None:
    from gpytorch.likelihoods import FixedNoiseGaussianLikelihood, GaussianLikelihood

    yvar = torch.full_like(data.Y, 0.01)
    yvar[:, 2] = float("nan")  # no std reported for "ox"
    with torch_threads(1):
        gp = models.MixedGP(names=NAMES).fit(data.X, data.Y, yvar)
    kinds = [type(m.likelihood) for m in gp.model_.models]  # type: ignore[attr-defined]
    assert kinds[:2] == [FixedNoiseGaussianLikelihood] * 2 and kinds[2] is GaussianLikelihood
    kernel = gp.model_.models[0].covar_module  # type: ignore[attr-defined]
    assert "CategoricalKernel" in repr(kernel)

"""A small GP per output for the report's model slices and calibration plot.

Interim helper: one BoTorch `SingleTaskGP` per output (float64, inputs ``[m_al, o_al, s_al]``
normalised over the campaign box plus a one-hot M, outputs standardised). It should be replaced by
the `surrogates` package's model once that API is stable; the plots only use `OutputModel`.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Sequence

import numpy as np
import torch
from botorch.exceptions.errors import ModelFittingError
from botorch.exceptions.warnings import BotorchWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms import Normalize, Standardize
from gpytorch.mlls import ExactMarginalLogLikelihood
from gpytorch.utils.errors import NotPSDError
from gpytorch.utils.warnings import GPInputWarning, NumericalWarning

from oracles import Composition, CompositionSpace

from ..problem import Observation

DTYPE = torch.float64
#: Fewer points than this and no model is drawn (a GP on two points only shows its prior).
MIN_POINTS = 3
#: Smallest observation variance given to a fixed-noise GP (declared units squared).
MIN_VAR = 1e-8


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one thread, then restore the caller's setting.

    These matrices are tiny (n <= a few hundred): extra threads only add synchronisation, and on a
    machine busy with MD they made each fit ten times slower (6 s instead of 0.5 s).
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def encode(comps: Sequence[Composition], space: CompositionSpace) -> torch.Tensor:
    """``n x d`` inputs: ``m_al, o_al, s_al`` then one column per metal when the space has several."""
    metals = list(space.metals) if len(space.metals) > 1 else []
    rows = [[c.m_al, c.o_al, c.s_al, *(float(m == c.M) for m in metals)] for c in comps]
    return torch.tensor(rows, dtype=DTYPE).reshape(len(comps), 3 + len(metals))


def _bounds(space: CompositionSpace) -> torch.Tensor:
    lows, highs = [], []
    for low, high in (space.m_al, space.o_al, space.s_al):
        lows.append(low)
        highs.append(high if high > low else low + 1.0)  # a fixed ratio: any non-zero range will do
    return torch.tensor([lows, highs], dtype=DTYPE)


@dataclass
class OutputModel:
    """A fitted GP for one output, predicting in the output's declared unit."""

    output: str
    space: CompositionSpace
    model: SingleTaskGP
    n: int

    def predict(self, comps: Sequence[Composition]) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at ``comps``."""
        with torch.no_grad(), warnings.catch_warnings(), single_thread():
            warnings.simplefilter("ignore", GPInputWarning)  # predicting at a training point is fine
            post = self.model.posterior(encode(comps, self.space))
            return post.mean.squeeze(-1).numpy(), post.variance.clamp_min(0).sqrt().squeeze(-1).numpy()

    def loo(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out predictive mean and std at the training points, hyperparameters fixed.

        Uses the closed form of Rasmussen & Williams (2006), eq. 5.12, in standardised units:
        ``mu_i = y_i - [K^-1 y]_i / [K^-1]_ii``, ``var_i = 1 / [K^-1]_ii`` (K includes the noise).
        """
        model = self.model
        with torch.no_grad():
            x = model.train_inputs[0]
            y = model.train_targets
            noise = model.likelihood.noise.reshape(-1).expand(len(y))
            cov = model.covar_module(x).to_dense() + torch.diag(noise)
            inv = torch.cholesky_inverse(torch.linalg.cholesky(cov))
            resid = y - model.mean_module(x)
            diag = torch.diagonal(inv)
            mean = y - (inv @ resid) / diag
            var = 1.0 / diag
            standardize = model.outcome_transform
            assert isinstance(standardize, Standardize)
            out_mean, out_var = standardize.untransform(mean.unsqueeze(-1), var.unsqueeze(-1))
        assert out_var is not None
        return out_mean.squeeze(-1).numpy(), out_var.clamp_min(0).sqrt().squeeze(-1).numpy()


def training_data(observations: Sequence[Observation], output: str) -> list[Observation]:
    """Successful observations that have ``output``."""
    return [o for o in observations if not o.failed and output in o.values]


def fit_output(observations: Sequence[Observation], output: str, space: CompositionSpace) -> OutputModel | None:
    """Fit a GP to ``output``; None with fewer than `MIN_POINTS` points or when fitting fails."""
    train = training_data(observations, output)
    if len(train) < MIN_POINTS:
        return None
    x = encode([o.composition for o in train], space)
    y = torch.tensor([[o.values[output]] for o in train], dtype=DTYPE)
    yvar = None
    if all(output in o.std for o in train):  # the oracle reports its noise: use it, do not learn it
        yvar = torch.tensor([[o.std[output] ** 2] for o in train], dtype=DTYPE).clamp_min(MIN_VAR)
    transform = Normalize(d=x.shape[-1], indices=[0, 1, 2], bounds=_bounds(space))
    try:
        with warnings.catch_warnings(), single_thread():
            # Few, clustered or repeated points give near-singular covariances; BoTorch adds jitter
            # and retries, and warns each time. A report must not fail (or get noisy) for that.
            warnings.simplefilter("ignore", NumericalWarning)
            warnings.simplefilter("ignore", BotorchWarning)
            warnings.simplefilter("ignore", GPInputWarning)
            model = SingleTaskGP(x, y, train_Yvar=yvar, input_transform=transform, outcome_transform=Standardize(m=1))
            fit_gpytorch_mll(ExactMarginalLogLikelihood(model.likelihood, model))
    except (ModelFittingError, NotPSDError, RuntimeError, ValueError):
        return None
    model.eval()
    return OutputModel(output, space, model, len(train))


def fit_outputs(observations: Sequence[Observation], outputs: Sequence[str],
                space: CompositionSpace) -> dict[str, OutputModel]:
    """A model for each output that has enough data (missing keys: no model)."""
    models = {name: fit_output(observations, name, space) for name in outputs}
    return {name: m for name, m in models.items() if m is not None}

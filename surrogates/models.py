"""GP surrogates: one GP per output with a mixed categorical-continuous kernel (scikit-learn style).

Each output gets an exact `SingleTaskGP` (float64) with the kernel

    k(x, x') = s^2 * Matern52_ARD(r, r') * Categorical(M, M')

on the scaled ratios ``r`` and the M index (BoTorch's `CategoricalKernel`: correlation
``exp(-[M != M'] / l)``, so Li and Na share what the data say they share). Outputs are standardised
(`Standardize`); with ``Yvar`` the noise is fixed to the oracle's reported variance, otherwise it
is learned. Outputs are fitted one by one: measured here, a batched multi-output fit needed 5-10x
more L-BFGS iterations than separate fits, and the product kernel fits about 3x faster than the
sum-plus-product kernel of `MixedSingleTaskGP` (see docs/strategies.md).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence, TypeVar

import torch
from botorch.exceptions.errors import ModelFittingError
from botorch.exceptions.warnings import OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import ModelListGP, SingleTaskGP
from botorch.models.kernels.categorical import CategoricalKernel
from botorch.models.model import Model
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from gpytorch.kernels import Kernel, ScaleKernel
from gpytorch.mlls import ExactMarginalLogLikelihood
from gpytorch.utils.errors import NotPSDError
from gpytorch.utils.warnings import GPInputWarning, NumericalWarning
from torch import Tensor

from .errors import SurrogateFitError
from .transforms import CAT_DIM

GP = TypeVar("GP", bound=Model)
#: Smallest noise variance given to a fixed-noise GP (output units squared); the one floor of every GP here.
MIN_YVAR = 1e-8


def mixed_kernel(d: int, cat_dims: Sequence[int]) -> Kernel:
    """``s^2 * Matern52_ARD(continuous dims) * Categorical(cat_dims)`` for ``d`` input columns."""
    cont = [i for i in range(d) if i not in cat_dims]
    matern = get_covar_module_with_dim_scaled_prior(ard_num_dims=len(cont), active_dims=cont)
    return ScaleKernel(matern * CategoricalKernel(ard_num_dims=len(cat_dims), active_dims=list(cat_dims)))


class MixedGP:
    """Independent GPs for the ``m`` columns of ``Y``, sharing the inputs ``X``.

    Args:
        names: output names, one per column of ``Y`` (named in `SurrogateFitError`).
        cat_dims: columns of ``X`` holding category indices.
        maxiter: L-BFGS iterations per fit attempt (`fit_gpytorch_mll` retries failed attempts).

    Attributes:
        model_: the fitted model, one output per column of ``Y`` (a `ModelListGP` if ``m > 1``).
    """

    def __init__(self, *, names: Sequence[str], cat_dims: Sequence[int] = (CAT_DIM,), maxiter: int = 60,
                 workers: int = 1) -> None:
        self.names = tuple(names)
        self.cat_dims = tuple(cat_dims)
        self.maxiter = maxiter
        self.workers = workers

    def fit(self, X: Tensor, Y: Tensor, Yvar: Tensor | None = None) -> MixedGP:
        """Fit to ``X`` (``n x d``), ``Y`` (``n x m``) and optional ``Yvar`` (``n x m``); return self.

        A column of ``Yvar`` that is NaN anywhere means "noise unknown": that output's noise is learned.
        """
        if Y.shape[-1] != len(self.names):
            raise ValueError(f"Y has {Y.shape[-1]} columns for {len(self.names)} names {self.names}")
        jobs = []
        for j, name in enumerate(self.names):
            yvar = None if Yvar is None or Yvar[:, j].isnan().any() else Yvar[:, j : j + 1].clamp_min(MIN_YVAR)
            jobs.append((name, X, Y[:, j : j + 1], yvar))
        models = self.fit_many(jobs)
        self.model_: Model = models[0] if len(models) == 1 else ModelListGP(*models)
        return self

    def fit_many(self, jobs: Sequence[tuple[str, Tensor, Tensor, Tensor | None]]) -> list[SingleTaskGP]:
        """Fit one GP per ``(name, X, y, yvar)`` job, ``workers`` at a time (threads).

        Torch releases the GIL inside its kernels: measured on 2 cores, two fitting threads cut the
        wall time of five 200-point fits by 1.8x at equal CPU time. But `fit_gpytorch_mll` records
        warnings per attempt with ``catch_warnings``, which is not thread-safe: with ``workers > 1``
        a warning can be attributed to the wrong attempt and cause needless retries (rarely, a
        10-20x slower fit was observed), so the default is 1.
        """
        # Filters set here, in the calling thread (warning filters are process-wide, and
        # catch_warnings is not thread-safe, so the worker threads must not touch them):
        # jitter on a near-singular covariance (repeated compositions) is handled by GPyTorch, and
        # an attempt that stops at maxiter is still a usable fit. `fit_gpytorch_mll` records warnings
        # per attempt with catch_warnings too; racing threads can leak that state, which this outer
        # block restores on exit (at worst a warning is attributed to the other thread's attempt).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalWarning)
            warnings.simplefilter("ignore", OptimizationWarning)
            if self.workers <= 1 or len(jobs) <= 1:
                return [self._fit_one(*job) for job in jobs]
            threads = torch.get_num_threads()  # OpenMP thread counts are per thread: pass ours on

            def work(job: tuple[str, Tensor, Tensor, Tensor | None]) -> SingleTaskGP:
                torch.set_num_threads(threads)
                return self._fit_one(*job)

            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                return list(pool.map(work, jobs))

    def _fit_one(self, name: str, X: Tensor, y: Tensor, yvar: Tensor | None) -> SingleTaskGP:
        try:
            model = SingleTaskGP(X, y, train_Yvar=yvar, covar_module=mixed_kernel(X.shape[-1], self.cat_dims))
        except (RuntimeError, ValueError) as err:
            raise SurrogateFitError((name,), err) from err
        return fit_exact_gp(model, (name,), maxiter=self.maxiter)

    @classmethod
    def of(cls, gp: SingleTaskGP, name: str) -> MixedGP:
        """Wrap one already fitted single-output GP."""
        out = cls(names=[name])
        out.model_ = gp
        return out

    def single_model(self) -> Model:
        """The fitted model of a one-output `MixedGP`."""
        if len(self.names) != 1:
            raise ValueError(f"{self.names} are {len(self.names)} outputs, not one")
        return self.model_

    def models(self) -> list[Model]:
        """The fitted GP of each output, in column order."""
        return [m for m in self.model_.models] if isinstance(self.model_, ModelListGP) else [self.model_]  # type: ignore[misc]

    def predict(self, X: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and standard deviation of the latent functions, ``n x m`` each, output units."""
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", GPInputWarning)  # predicting at a training point is fine
            post = self.model_.posterior(X)
            return post.mean, post.variance.clamp_min(0).sqrt()  # type: ignore[attr-defined]

    def loo(self) -> tuple[Tensor, Tensor]:
        """Leave-one-out predictive mean and std at the training points (``n x m``; one output at a time
        when they share the inputs), hyperparameters fixed."""
        means, stds = zip(*(loo_single(m) for m in self.models()))
        return torch.stack(means, dim=-1), torch.stack(stds, dim=-1)


def fit_exact_gp(model: GP, names: Sequence[str], *, maxiter: int) -> GP:
    """Fit ``model``'s hyperparameters by maximum marginal likelihood (BoTorch's retries); `SurrogateFitError`
    naming ``names`` when every attempt fails. The one fitting routine of every GP here."""
    mll = ExactMarginalLogLikelihood(model.likelihood, model)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NumericalWarning)
            warnings.simplefilter("ignore", OptimizationWarning)
            fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": maxiter}})
    except (ModelFittingError, NotPSDError, RuntimeError, ValueError) as err:
        raise SurrogateFitError(tuple(names), err) from err
    model.eval()
    return model


def loo_single(model: Any) -> tuple[Tensor, Tensor]:
    """Leave-one-out mean and std (``n`` each, output units) of a fitted single-output exact GP.

    The closed form of Rasmussen & Williams (2006), eq. 5.12, in the model's standardised units:
    ``mu_i = y_i - [K^-1 y]_i / [K^-1]_ii``, ``var_i = 1 / [K^-1]_ii`` (K includes the noise).
    """
    with torch.no_grad():
        x = model.train_inputs[0]
        y = model.train_targets
        noise = model.likelihood.noise.reshape(-1).expand(len(y))
        cov = model.covar_module(x).to_dense() + torch.diag(noise)
        inv = torch.cholesky_inverse(torch.linalg.cholesky(cov))
        resid = y - model.mean_module(x)
        diag = torch.diagonal(inv)
        mean, var = y - (inv @ resid) / diag, 1.0 / diag
        transform = getattr(model, "outcome_transform", None)
        if transform is not None:
            out_mean, out_var = transform.untransform(mean.unsqueeze(-1), var.unsqueeze(-1))
            mean, var = out_mean.squeeze(-1), out_var.squeeze(-1)
    return mean, var.clamp_min(0).sqrt()

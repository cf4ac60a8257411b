"""Multi-fidelity fusion: one output measured by several oracles (simulation and lab) in one GP.

`FusedGP` is a BoTorch `MultiTaskGP` whose task is the oracle: the kernel is
``(Matern-5/2 on the scaled ratios x Categorical on M) x PositiveIndexKernel on the oracle``, with a
constant mean per oracle. It learns how strongly the simulation tracks the lab (the task
correlation), its bias (the per-oracle mean) and its scale (the per-oracle variance), and predicts
at the most trusted fidelity (``target_task``), which is what the acquisition optimises.

The cost-aware routing rule (`route`) is the fidelity-selection rule of MF-GP-UCB (Kandasamy et
al., NeurIPS 2016): at a candidate x, query the cheap oracle while its own posterior standard
deviation there exceeds a threshold that scales with the cost ratio,

    gamma = sqrt(cost_cheap / cost_expensive) * spread,

(spread: the standard deviation of the target-fidelity prediction over the observed compositions);
once the simulation has
little left to teach at x, measure it at the expensive fidelity. The cheap oracle evaluates every
candidate (its information is nearly free).
"""

from __future__ import annotations

import warnings
from typing import Sequence

import torch
from botorch.models import MultiTaskGP
from gpytorch.kernels import MaternKernel
from torch import Tensor

from .errors import SurrogateFitError
from .models import MIN_YVAR, fit_exact_gp
from .transforms import CAT_DIM, DTYPE


def _data_kernel(n_ratio_dims: int = 3) -> torch.nn.Module:
    from botorch.models.kernels.categorical import CategoricalKernel

    return MaternKernel(nu=2.5, ard_num_dims=n_ratio_dims, active_dims=list(range(n_ratio_dims))) * CategoricalKernel(
        ard_num_dims=1, active_dims=[CAT_DIM]
    )


class FusedGP:
    """One output from ``n_tasks`` oracles; predicts at ``target_task`` (scikit-learn style).

    Inputs are encoded rows ``n x 4`` (`surrogates.transforms.SpaceEncoder`) plus a task index per
    row (0 .. n_tasks-1, the oracle, least trusted first).

    Args:
        name: output name, for error messages.
        n_tasks: number of oracles providing the output.
        target_task: the fidelity to predict (default: the last, most trusted).
        maxiter: L-BFGS iterations per fit attempt.
    """

    def __init__(self, *, name: str, n_tasks: int, target_task: int | None = None, maxiter: int = 200) -> None:
        self.name = name
        self.n_tasks = n_tasks
        self.target_task = n_tasks - 1 if target_task is None else target_task
        self.maxiter = maxiter

    @staticmethod
    def with_task(X: Tensor, task: Tensor) -> Tensor:
        """``n x 5``: encoded inputs ``X`` (``n x 4``) with the task index appended."""
        return torch.cat([X, task.to(X).reshape(-1, 1)], dim=-1)

    def fit(self, X: Tensor, task: Tensor, Y: Tensor, Yvar: Tensor | None = None) -> FusedGP:
        """Fit on ``X`` (``n x 4``), ``task`` (``n``), ``Y`` (``n x 1``), optional ``Yvar`` (``n x 1``)."""
        train_X = self.with_task(X.to(DTYPE), task)
        yvar = None if Yvar is None else Yvar.to(DTYPE).clamp_min(MIN_YVAR)
        try:
            model = MultiTaskGP(train_X, Y.to(DTYPE), task_feature=-1, train_Yvar=yvar,
                                covar_module=_data_kernel(), output_tasks=[self.target_task],
                                all_tasks=list(range(self.n_tasks)))
        except (RuntimeError, ValueError) as err:
            raise SurrogateFitError([self.name], err) from err
        with warnings.catch_warnings():
            # gpytorch's multitask mean builds a sparse tensor; torch warns once about invariant checks
            warnings.filterwarnings("ignore", message="Sparse invariant checks", category=UserWarning)
            fit_exact_gp(model, [self.name], maxiter=self.maxiter)
        self.model_ = model
        return self

    def single_model(self) -> MultiTaskGP:
        """The fitted model; with task-free inputs it predicts the target fidelity (as in a `ModelListGP`)."""
        return self.model_

    def predict(self, X: Tensor, task: int | None = None) -> tuple[Tensor, Tensor]:
        """Posterior mean and standard deviation (``n`` each, output units) at ``X`` for ``task``."""
        task = self.target_task if task is None else task
        with torch.no_grad():
            post = self.model_.posterior(self.with_task(X.to(DTYPE), torch.full((len(X),), float(task))))
        return post.mean.reshape(-1), post.variance.clamp_min(0).sqrt().reshape(-1)

    def task_correlation(self) -> Tensor:
        """``n_tasks x n_tasks`` correlation between oracles learned by the task kernel."""
        with torch.no_grad():
            task_kernel = next(k for k in self.model_.covar_module.kernels if hasattr(k, "covar_matrix"))
            cov = task_kernel.covar_matrix.to_dense()
            d = cov.diagonal().sqrt()
            return cov / d.outer(d)

    def sim_std(self, X: Tensor, task: int = 0) -> Tensor:
        """Posterior standard deviation (``n``, output units) of the oracle ``task`` at ``X``."""
        return self.predict(X, task)[1]


def route(cheap_std: Tensor, costs: Sequence[float], spread: float) -> list[bool]:
    """For each candidate, whether to measure it at the expensive fidelity (MF-GP-UCB threshold rule).

    Args:
        cheap_std: ``n`` posterior std of the cheap oracle at the candidates (output units).
        costs: (cheap cost, expensive cost), any common unit.
        spread: scale of the expensive-fidelity output (output units), e.g. the standard deviation of
            its prediction over the observed compositions.
    """
    cheap, expensive = costs
    gamma = (cheap / expensive) ** 0.5 * spread
    return (cheap_std <= gamma).tolist()

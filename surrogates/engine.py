"""One proposal, end to end: (subsample) -> fit GPs -> acquisition -> optimise q candidates.

Above ``max_points`` evaluated points the GPs are fitted to a subsample (documented in
docs/strategies.md): every point of the feasible Pareto front (up to half the budget), then a seeded
uniform draw of the rest; failed points for the success model are capped at a quarter. Exact GPs
cost O(n^3) per likelihood evaluation, so this keeps a proposal's time flat beyond the threshold.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass, field
from typing import Iterator, Mapping

import numpy as np
import torch
from botorch.exceptions.warnings import BotorchWarning
from botorch.models import ModelListGP
from botorch.utils.multi_objective.pareto import is_non_dominated
from gpytorch.utils.warnings import GPInputWarning, NumericalWarning
from torch import Tensor

from .acquisition import Kind, Target, build_acquisition
from .errors import SurrogateFitError
from .fusion import FusedGP
from .models import MIN_YVAR, MixedGP
from .optimize import OptimizeSettings, optimize_batch
from .transforms import DTYPE, SpaceEncoder

#: Above this many evaluated points the GPs see a subsample of this size.
MAX_POINTS = 256


@dataclass(frozen=True)
class Dataset:
    """Encoded observations.

    Attributes:
        X: ``n x d`` inputs of complete evaluations; Y: ``n x m`` their outputs (campaign order).
        Yvar: ``n x m`` reported noise variances, NaN where an oracle gave none; or None.
        X_failed: ``f x d`` inputs where an oracle returned a `Failure`.
    """

    X: Tensor
    Y: Tensor
    Yvar: Tensor | None = None
    X_failed: Tensor = field(default_factory=lambda: torch.empty(0, 4, dtype=DTYPE))


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch intra-op threads, restoring the previous count (None: leave as is)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass(frozen=True)
class EngineSettings:
    """Effort of one proposal.

    ``torch_threads`` is 1 by default: the GP matrices (at most `MAX_POINTS` rows) are too small
    to gain from threads, and on a shared machine OpenMP spin-waiting made a 200 x 200 Cholesky
    100x slower with 2 threads than with 1 (measured; see docs/strategies.md). ``fit_workers > 1``
    fits the outputs' GPs in Python threads (1.8x faster fitting on 2 cores), but BoTorch records
    warnings per fit attempt with the non-thread-safe ``catch_warnings``: racing threads can trigger
    needless retries (observed: rare 10-20x slower proposals), so the default is 1.
    """

    torch_threads: int | None = 1
    fit_workers: int = 1
    mc_samples: int = 32
    max_points: int = MAX_POINTS
    optimize: OptimizeSettings = field(default_factory=OptimizeSettings)


def subsample(data: Dataset, target: Target, n_max: int, rng: np.random.Generator) -> Dataset:
    """At most ``n_max`` complete and ``n_max // 4`` failed points (Pareto front kept first)."""
    n = data.X.shape[0]
    keep = np.arange(n)
    if n > n_max:
        obj = target.signed_objectives(data.Y)
        feasible = target.feasible(data.Y)
        front = np.zeros(n, dtype=bool)
        if bool(feasible.any()):
            front[feasible.numpy()] = is_non_dominated(obj[feasible]).numpy()
        first = rng.permutation(np.flatnonzero(front))[: n_max // 2]
        rest = rng.permutation(np.setdiff1d(np.arange(n), first))[: n_max - len(first)]
        keep = np.sort(np.concatenate([first, rest]))
    failed = np.arange(data.X_failed.shape[0])
    if len(failed) > n_max // 4:
        failed = np.sort(rng.permutation(failed)[: n_max // 4])
    idx, fidx = torch.as_tensor(keep), torch.as_tensor(failed, dtype=torch.long)
    yvar = None if data.Yvar is None else data.Yvar[idx]
    return Dataset(data.X[idx], data.Y[idx], yvar, data.X_failed[fidx])


@dataclass(frozen=True)
class FidelityData:
    """One output measured by several oracles, for a `FusedGP`: every value with its oracle's task index.

    Attributes:
        X: ``r x d`` encoded inputs of every (composition, oracle) value; task: ``r`` task indices
        (0 .. n_tasks-1, least trusted first); Y: ``r x 1`` the values; n_tasks: number of oracles.
    """

    X: Tensor
    task: Tensor
    Y: Tensor
    n_tasks: int


@dataclass(frozen=True)
class Fitted:
    """The fitted surrogates of one proposal: one model per output (then the success label), as a
    `ModelListGP`, the `Target` (with the success index when something failed) and each output's
    own fitted object (`MixedGP` or `FusedGP`) for predictions and routing."""

    model: ModelListGP
    target: Target
    parts: tuple[MixedGP | FusedGP, ...]

    def predict(self, X: Tensor) -> tuple[Tensor, Tensor]:
        """Posterior mean and std, ``n x k`` each (outputs in order, then the success label if modelled)."""
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", GPInputWarning)  # predicting at a training point is fine
            post = self.model.posterior(X)
        return post.mean, post.variance.clamp_min(0).sqrt()


def fit_models(data: Dataset, target: Target, names: tuple[str, ...], *, workers: int = 1,
               fused: Mapping[int, FidelityData] | None = None) -> Fitted:
    """One GP per output (a `FusedGP` for the outputs in ``fused``, by column), plus the success-label
    GP when something failed."""
    fused = fused or {}
    parts: dict[int, MixedGP | FusedGP] = {}
    jobs, columns = [], []
    for j, name in enumerate(names):
        if j in fused:
            f = fused[j]
            parts[j] = FusedGP(name=name, n_tasks=f.n_tasks).fit(f.X, f.task, f.Y)
            continue
        column = None if data.Yvar is None else data.Yvar[:, j : j + 1]
        yvar = None if column is None or bool(column.isnan().any()) else column.clamp_min(MIN_YVAR)
        jobs.append((name, data.X, data.Y[:, j : j + 1], yvar))
        columns.append(j)
    if data.X_failed.shape[0] > 0:
        X_all = torch.cat([data.X, data.X_failed])
        label = torch.cat([torch.ones(data.X.shape[0], 1), torch.zeros(data.X_failed.shape[0], 1)]).to(DTYPE)
        jobs.append(("oracle success", X_all, label, None))
        columns.append(len(names))
        target = Target(target.signs, target.constraints, success_index=len(names))
    fitter = MixedGP(names=[job[0] for job in jobs], workers=workers)
    for j, gp in zip(columns, fitter.fit_many(jobs)):
        parts[j] = MixedGP.of(gp, names[j] if j < len(names) else "oracle success")
    ordered = tuple(parts[j] for j in sorted(parts))
    return Fitted(ModelListGP(*(p.single_model() for p in ordered)), target, ordered)  # type: ignore[arg-type]


def propose_encoded(
    kind: Kind,
    encoder: SpaceEncoder,
    data: Dataset,
    target: Target,
    *,
    names: tuple[str, ...],
    q: int,
    X_pending: Tensor | None,
    seed: int,
    settings: EngineSettings | None = None,
    fused: Mapping[int, FidelityData] | None = None,
) -> tuple[Tensor, Fitted]:
    """``q x d`` encoded candidates (not yet snapped) and the fitted surrogates they came from.

    Raises `SurrogateFitError` if a GP cannot be fitted.

    Args:
        names: output names, one per column of ``data.Y`` (objectives first, as in ``target``).
        X_pending: ``p x d`` encoded pending candidates, or None.
        fused: outputs (by column) measured by several oracles, fused in one multi-task GP each;
            ``data.Y`` holds their values at the most trusted fidelity (for the incumbents).
    """
    settings = settings or EngineSettings()
    rng = np.random.default_rng(seed)
    if data.X.shape[0] < 2:
        raise SurrogateFitError(names, f"{data.X.shape[0]} complete evaluation(s); a GP needs at least 2")
    data = subsample(data, target, settings.max_points, rng)
    with torch.random.fork_rng(), warnings.catch_warnings(), torch_threads(settings.torch_threads):
        # Fit retries and baseline pruning draw from torch's generator: same data and seed, same proposal.
        torch.manual_seed(seed)
        fitted = fit_models(data, target, names, workers=settings.fit_workers, fused=fused)
        # Posterior covariances over near-duplicate baseline points need jitter; GPyTorch adds it.
        warnings.simplefilter("ignore", NumericalWarning)
        # Before the first feasible point the smoothed constraint weights still steer toward feasibility.
        warnings.filterwarnings("ignore", "When all training points are infeasible", BotorchWarning)
        # root caching does not apply to multi-task models; BoTorch says so and turns it off
        warnings.filterwarnings("ignore", message=".*cache_root.*", category=RuntimeWarning)
        acqf = build_acquisition(
            kind, fitted.model, fitted.target, X_baseline=data.X, Y_baseline=data.Y, X_pending=X_pending,
            seed=seed, mc_samples=settings.mc_samples,
        )
        candidates, _ = optimize_batch(acqf, encoder, q, X_pending=X_pending, seed=seed, settings=settings.optimize)
    return candidates, fitted

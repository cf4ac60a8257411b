"""Arrhenius against Vogel-Fulcher-Tammann for D(T): kinisi's models, compared by their Bayesian evidence.

kinisi (2.1) has both `kinisi.arrhenius.Arrhenius` and `VogelFulcherTammann`; its `FittingBase`
gives the likelihood (Gaussian in D with the kinisi variances) and the prior transform, and we run
the nested sampling (dynesty, as kinisi does) with our own seeded generator so the evidence is
reproducible. Priors (uniform unless said): Ea 0-2 eV (Arrhenius) or 0-1 eV (VFT, the pseudo-
activation energy), prefactor log-uniform 1e-7-10 cm^2/s, T0 0 K to (lowest T - 50 K).

VFT is used for the extrapolation only when the data ask for it: ln(Z_VFT / Z_Arrhenius) > 1
("positive" evidence, Kass and Raftery 1995) *and* T0 sits more than 50 K below 303.15 K (below
T0 the VFT law has no meaning). VFT needs at least 4 temperatures (3 parameters).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fits import K_B_EV_K, T_30C_K

#: ln Bayes factor above which VFT is preferred over Arrhenius.
LN_BAYES_THRESHOLD = 1.0
#: T0 must lie this far below 303.15 K for a VFT extrapolation to 30 degC (K).
T0_MARGIN_K = 50.0


@dataclass(frozen=True)
class ModelChoice:
    """Which temperature law to extrapolate with, and why.

    Attributes:
        model: ``"arrhenius"`` or ``"vft"``.
        reason: one sentence.
        ln_bayes_vft: ln(Z_VFT / Z_Arrhenius) (None if VFT was not fitted).
        T0_K: VFT's posterior median T0, K (None if not fitted).
        ln_D_30C, ln_D_30C_std: the VFT extrapolation to 303.15 K (None unless VFT is chosen).
    """

    model: str
    reason: str
    ln_bayes_vft: float | None = None
    T0_K: float | None = None
    ln_D_30C: float | None = None
    ln_D_30C_std: float | None = None


def compare_models(T_K: list[float], D_cm2_s: list[float], ln_D_std: list[float], *, seed: int) -> ModelChoice:
    """Fit both laws to the diffusive temperatures of one cell and choose one (see module docstring)."""
    if len(T_K) < 4:
        return ModelChoice("arrhenius", f"{len(T_K)} diffusive temperatures: too few for the 3-parameter VFT law")
    import scipp as sc
    from kinisi.arrhenius import Arrhenius, VogelFulcherTammann
    from scipy.stats import loguniform, uniform

    D = np.asarray(D_cm2_s, dtype=float)
    data = sc.DataArray(sc.array(dims=["temperature"], values=D, variances=(D * np.asarray(ln_D_std)) ** 2,
                                 unit="cm^2/s"),
                        coords={"temperature": sc.array(dims=["temperature"], values=np.asarray(T_K, float), unit="K")})
    prefactor = loguniform(1e-7, 10.0)
    t0_high = min(T_K) - 50.0
    if t0_high <= 0:
        return ModelChoice("arrhenius", "temperatures too low for a VFT T0 below them")
    with warnings.catch_warnings():
        # the optimiser and the sampler probe parameters where exp() overflows; those points just get zero weight
        warnings.simplefilter("ignore", RuntimeWarning)
        arrhenius = Arrhenius(data, priors=[uniform(0.0, 2.0), prefactor])
        vft = VogelFulcherTammann(data, priors=[uniform(0.0, 1.0), prefactor, uniform(0.0, t0_high)])
        logz_a, _ = _evidence(arrhenius, seed)
        logz_v, samples = _evidence(vft, seed)
    ln_b = logz_v - logz_a
    t0 = float(np.median(samples[:, 2]))
    if ln_b <= LN_BAYES_THRESHOLD:
        return ModelChoice("arrhenius", f"ln Bayes factor VFT/Arrhenius = {ln_b:.2f} <= {LN_BAYES_THRESHOLD}: "
                           "no evidence of curvature", ln_b, t0)
    if t0 > T_30C_K - T0_MARGIN_K:
        return ModelChoice("arrhenius", f"VFT preferred (ln B = {ln_b:.2f}) but T0 = {t0:.0f} K is within "
                           f"{T0_MARGIN_K:.0f} K of 303 K, where VFT cannot extrapolate", ln_b, t0)
    ln_d = np.log(samples[:, 1]) - samples[:, 0] / (K_B_EV_K * (T_30C_K - samples[:, 2]))
    return ModelChoice("vft", f"ln Bayes factor VFT/Arrhenius = {ln_b:.2f} > {LN_BAYES_THRESHOLD}", ln_b, t0,
                       float(np.mean(ln_d)), float(np.std(ln_d)))


def _evidence(model: Any, seed: int) -> tuple[float, np.ndarray]:
    """log evidence and equally weighted posterior samples (rows: samples, columns: parameters)."""
    from dynesty import NestedSampler

    sampler = NestedSampler(model.log_likelihood, model.prior_transform, ndim=len(model.parameter_names), nlive=150,
                            rstate=np.random.default_rng(seed))
    sampler.run_nested(print_progress=False, dlogz=0.5)
    results = sampler.results
    logz = float(results.logz[-1])
    return (logz if math.isfinite(logz) else -math.inf), np.asarray(results.samples_equal())

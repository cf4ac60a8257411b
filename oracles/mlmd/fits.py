"""Arrhenius / Nernst-Einstein extrapolation of conductivity and the two-line Tg fit.

Pure numpy; no MD here, so these are tested on synthetic data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

K_B_EV_K = 8.617333262e-5  # Boltzmann constant, eV/K
K_B_J_K = 1.380649e-23  # Boltzmann constant, J/K
E_C = 1.602176634e-19  # elementary charge, C
T_30C_K = 303.15


@dataclass(frozen=True)
class ArrheniusFit:
    """ln D = ln D0 - Ea / (k_B T), fitted by weighted least squares.

    Attributes:
        ea_eV, ea_std_eV: activation energy and its standard deviation, eV.
        coef: (ln D0, slope in K) with D in cm^2/s.
        cov: 2x2 covariance of ``coef``; scaled by the reduced chi^2 when that exceeds 1 (the
            scatter then says the error bars of D were too small).
        reduced_chi2: chi^2 per degree of freedom (NaN with two temperatures: an exact fit).
    """

    ea_eV: float
    ea_std_eV: float
    coef: tuple[float, float]
    cov: tuple[tuple[float, float], tuple[float, float]]
    reduced_chi2: float

    def ln_D(self, T_K: float) -> tuple[float, float]:
        """Extrapolated ln(D / cm^2 s^-1) at ``T_K`` and its standard deviation (covariance propagated)."""
        x = np.array([1.0, 1.0 / T_K])
        cov = np.array(self.cov)
        return float(x @ np.array(self.coef)), float(math.sqrt(max(x @ cov @ x, 0.0)))


def fit_arrhenius(T_K: list[float], ln_D: list[float], ln_D_std: list[float]) -> ArrheniusFit:
    """Weighted linear fit of ln D against 1/T; needs at least two distinct temperatures."""
    t = np.asarray(T_K, dtype=float)
    y = np.asarray(ln_D, dtype=float)
    s = np.asarray(ln_D_std, dtype=float)
    if len(set(t.tolist())) < 2:
        raise ValueError("an Arrhenius fit needs at least two temperatures")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(s)) and np.all(s > 0)):
        raise ValueError(f"non-finite or zero-uncertainty ln D values {y.tolist()} +- {s.tolist()}")
    X = np.column_stack([np.ones_like(t), 1.0 / t])
    W = np.diag(1.0 / s**2)
    cov = np.linalg.inv(X.T @ W @ X)
    coef = cov @ X.T @ W @ y
    dof = len(t) - 2
    chi2 = float(((y - X @ coef) ** 2 / s**2).sum())
    reduced = chi2 / dof if dof > 0 else math.nan
    if dof > 0 and reduced > 1.0:
        cov = cov * reduced
    ea = -float(coef[1]) * K_B_EV_K
    return ArrheniusFit(
        ea_eV=ea,
        ea_std_eV=float(math.sqrt(cov[1, 1])) * K_B_EV_K,
        coef=(float(coef[0]), float(coef[1])),
        cov=((float(cov[0, 0]), float(cov[0, 1])), (float(cov[1, 0]), float(cov[1, 1]))),
        reduced_chi2=reduced,
    )


def nernst_einstein_log10_sigma(ln_D: float, number_density_A3: float, T_K: float) -> float:
    """log10 of sigma in S/cm = n q^2 D / (k_B T) for monovalent ions (Haven ratio 1).

    ``ln_D``: ln(D / cm^2 s^-1); ``number_density_A3``: mobile ions per Angstrom^3.
    """
    n_cm3 = number_density_A3 * 1e24
    return math.log10(n_cm3 * E_C**2 / (K_B_J_K * T_K)) + ln_D / math.log(10.0)


@dataclass(frozen=True)
class TgFit:
    """Break point of a continuous two-line fit of V(T).

    Attributes:
        tg_K, tg_std_K: break point and its bootstrap standard deviation, K.
        slope_low, slope_high: dV/dT below and above the break, Angstrom^3/K.
        at_edge: the best break sits at the first or last grid point (no clear transition).
        slope_change_t: (slope_high - slope_low) over its standard error at the best break, the
            residual variance floored at the data's float precision (exactly linear data give ~0).
    """

    tg_K: float
    tg_std_K: float
    slope_low: float
    slope_high: float
    at_edge: bool
    slope_change_t: float = 0.0

    def steeper_above(self, n_points: int, level: float = 0.95) -> bool:
        """Whether the slope above the break is larger beyond chance (one-sided t-test at ``level``,
        ``n_points - 3`` degrees of freedom): a liquid expanding faster than its glass. The break was
        chosen as the best of a grid, so this is a lower bar than a test of a break fixed beforehand."""
        from scipy.stats import t as student_t

        return n_points > 3 and self.slope_change_t > float(student_t.ppf(level, n_points - 3))


def _best_break(t: np.ndarray, v: np.ndarray, grid: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    best: tuple[float, float, np.ndarray, np.ndarray] | None = None
    for tb in grid:
        # Hinge basis keeps the two lines continuous at tb: V = a + b T + c max(T - tb, 0).
        X = np.column_stack([np.ones_like(t), t, np.maximum(t - tb, 0.0)])
        coef, *_ = np.linalg.lstsq(X, v, rcond=None)
        sse = float(((X @ coef - v) ** 2).sum())
        if best is None or sse < best[0]:
            best = (sse, float(tb), coef, X @ coef)
    assert best is not None
    return best[1], best[2], best[3]


def fit_tg(T_K: list[float], volume_A3: list[float], *, rng: np.random.Generator, n_bootstrap: int) -> TgFit:
    """Continuous two-line fit of volume vs temperature; break point by least squares on a grid.

    The grid spans the interior temperatures so each line has at least two points. The standard
    deviation comes from a residual bootstrap (refit on fitted values plus resampled residuals),
    floored at the resolution of the schedule (median temperature step / sqrt(12)): with a handful
    of points the residuals alone understate it.
    """
    order = np.argsort(T_K)
    t = np.asarray(T_K, dtype=float)[order]
    v = np.asarray(volume_A3, dtype=float)[order]
    if len(t) < 5:
        raise ValueError("a two-line Tg fit needs at least 5 temperatures")
    grid = np.linspace(t[1], t[-2], 61)
    tb, coef, fitted = _best_break(t, v, grid)
    residuals = v - fitted
    X = np.column_stack([np.ones_like(t), t, np.maximum(t - tb, 0.0)])
    floor = (np.finfo(float).eps * float(np.abs(v).max())) ** 2  # rounding of an exactly linear V(T)
    variance = max(float((residuals**2).sum()) / max(len(t) - 3, 1), floor)
    hinge_se = math.sqrt(variance * float(np.linalg.pinv(X.T @ X)[2, 2]))
    boots = [_best_break(t, fitted + rng.choice(residuals, size=len(t), replace=True), grid)[0]
             for _ in range(n_bootstrap)]
    resolution = float(np.median(np.diff(t))) / math.sqrt(12.0)
    return TgFit(
        tg_K=tb,
        tg_std_K=max(float(np.std(boots, ddof=1)) if n_bootstrap > 1 else 0.0, resolution),
        slope_low=float(coef[1]),
        slope_high=float(coef[1] + coef[2]),
        at_edge=bool(np.isclose(tb, grid[0]) or np.isclose(tb, grid[-1])),
        slope_change_t=float(coef[2]) / hinge_se if hinge_se > 0 else 0.0,
    )

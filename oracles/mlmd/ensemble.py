"""From independent cells (seeds) to one value with an honest std.

Each cell i gives a value x_i with a posterior std s_i (kinisi's D posterior propagated through
the fit). Cells differ by more than their posteriors say (a 60-atom glass is one draw of a
disordered structure), so the variance of one cell's value is at least the larger of the mean
posterior variance and the observed between-cell variance; the reported value is the plain mean
over cells and its std is that of a mean of n cells:

    std^2 = max(mean_i s_i^2, var_i(x_i)) / n        (var with n - 1 in the denominator)

This is a random-effects estimate with equal weights (the cell-to-cell variance tau^2 is
max(0, var - mean s^2)); it never falls below one cell's posterior std / sqrt(n), and with two
cells that differ by d it is at least |d| / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fits import K_B_EV_K, T_30C_K

#: Fraction of the fitted Ea by which the slope below the oracle's Tg is taken as unknown (+-).
BELOW_TG_EA_FRACTION = 0.5


@dataclass(frozen=True)
class Combined:
    """Mean over cells, its std, and the two parts that made it (for the metadata)."""

    mean: float
    std: float
    within_sd: float
    between_sd: float
    n: int


def combine(values: list[float], stds: list[float]) -> Combined:
    """Random-effects combination of independent cells (see module docstring)."""
    if not values:
        raise ValueError("no cell to combine")
    x = np.asarray(values, dtype=float)
    s = np.asarray(stds, dtype=float)
    within = float(np.mean(s**2))
    between = float(np.var(x, ddof=1)) if len(x) > 1 else 0.0
    return Combined(mean=float(x.mean()), std=math.sqrt(max(within, between) / len(x)), within_sd=math.sqrt(within),
                    between_sd=math.sqrt(between), n=len(x))


def below_tg_std_log10(ea_eV: float, ea_std_eV: float, tg_K: float) -> float:
    """Extra std (decades) of log10 sigma(30 degC) when the extrapolation crosses the oracle's Tg ``tg_K``.

    Below Tg the structure freezes and the ion-transport activation energy changes (decoupled
    conduction in the glass); MD cannot sample that range. We take the slope between Tg and
    303.15 K as unknown within +-`BELOW_TG_EA_FRACTION` of the largest Ea the fit allows
    (``ea_eV + 2 ea_std_eV``), uniformly, whose std is that half-width / sqrt(3):

        0.5 * (Ea + 2 sd) * (1/303.15 - 1/Tg) / (k_B ln 10) / sqrt(3)

    e.g. Ea 0.33 +- 0 eV and an MD Tg of 400 K give 0.38 decades. The fit's own sd enters because a
    point estimate alone would let a flat, poorly known fit (Ea 0.06 +- 0.09 eV) claim to know the
    slope below Tg better than it knows the slope above. Zero when Tg <= 303.15 K.
    """
    if tg_K <= T_30C_K:
        return 0.0
    ea_bound_eV = abs(ea_eV) + 2.0 * abs(ea_std_eV)
    span = ea_bound_eV * (1.0 / T_30C_K - 1.0 / tg_K) / K_B_EV_K / math.log(10.0)
    return BELOW_TG_EA_FRACTION * span / math.sqrt(3.0)

"""The composition contrasts of the ML-MD validation: can `quick` resolve what the reference study measured?

Dai et al. (Nat. Energy 2023) measured, at 30 degC, a conductivity maximum at O/Al = 0.75 in
LiAlCl(4-2x)O(x), and LACO75 and NACO75 within 0.06 decades of each other (1.52e-3 against 1.33e-3
S/cm). Each contrast is a difference of two oracle values with the std of a difference of
independent values, sqrt(s1^2 + s2^2), and is *resolved* when |difference| > 2 std.

A contrast is tested twice:

- at 30 degC, the oracle's value: what the study measured, but through a 250-500 K extrapolation
  whose slope differs from cell to cell;
- at `T_SIMULATED_K`, inside the simulated range of every cell: the same cells' Arrhenius fits, no
  extrapolation. This asks whether the potential's liquid carries the composition effect at all; it
  is not the measured quantity, and it is reported beside it, never instead of it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oracles.mlmd.ensemble import Combined, combine
from oracles.mlmd.presets import MIN_DIFFUSIVE_TEMPERATURES

from .mlmd_validation_plot import CellPoints

#: Inside the `quick` grid (550-850 K) and diffusive in every cell finished so far.
T_SIMULATED_K = 650.0
#: (higher, lower) as measured at 30 degC (Dai et al. 2023): the O/Al = 0.75 maximum of LiAlCl(4-2x)O(x)
#: (first two; the formulas of x = 0.75, 0.5, 1.0) and LACO75 above NACO75 by 0.06 decades.
MEASURED_ORDER = [("LiAlCl2.5O0.75", "LiAlCl3O0.5"), ("LiAlCl2.5O0.75", "LiAlCl2O"),
                  ("LiAlCl2.5O0.75", "NaAlCl2.5O0.75")]


@dataclass(frozen=True)
class Contrast:
    """log10 sigma(higher) - log10 sigma(lower), decades, and the std of that difference."""

    higher: str
    lower: str
    difference: float
    std: float

    @property
    def z(self) -> float:
        return self.difference / self.std

    @property
    def verdict(self) -> str:
        if self.z > 2.0:
            return "resolved, same order as measured"
        if self.z < -2.0:
            return "resolved, opposite order to measured"
        return f"not resolved: |z| < 2 (2 std = {2 * self.std:.2f} decades)"

    def as_dict(self) -> dict[str, Any]:
        return {"higher": self.higher, "lower": self.lower, "difference": self.difference, "std": self.std,
                "z": self.z, "verdict": self.verdict}


def contrast(higher: str, lower: str, values: dict[str, tuple[float, float]]) -> Contrast | None:
    """The contrast of two compositions' (value, std), or None while either has no value."""
    if higher not in values or lower not in values:
        return None
    (a, sa), (b, sb) = values[higher], values[lower]
    return Contrast(higher, lower, a - b, math.hypot(sa, sb))


def at_simulated_temperature(cells: list[CellPoints], T_K: float = T_SIMULATED_K) -> Combined | None:
    """log10 sigma(T_K), S/cm, from each cell's Arrhenius fit through its diffusive temperatures, combined
    over cells as the oracle combines them; only cells the oracle would use whose diffusive range holds
    ``T_K`` (an interpolation). None before any cell qualifies."""
    values, stds = [], []
    for cell in cells:
        fitted = cell.diffusive_fit(MIN_DIFFUSIVE_TEMPERATURES)
        if fitted is None or not min(fitted[1]) <= T_K <= max(fitted[1]):
            continue
        ln_d, ln_sd = fitted[0].ln_D(T_K)
        values.append(cell.log10_sigma(T_K, ln_d))
        stds.append(ln_sd / math.log(10.0))
    return combine(values, stds) if values else None


def trend(at_30C: dict[str, tuple[float, float]], at_T: dict[str, tuple[float, float]],
          complete: Collection[str], failed: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every measured contrast at 30 degC and at `T_SIMULATED_K`, and the verdict on the O/Al maximum.

    Only compositions in ``complete`` (all their cells finished) are compared: a partial value (one
    cell of three, say) has its own mean and std, and a contrast from it would change, or flip, as
    the other cells arrive. ``failed``: complete compositions the oracle gives no value for (formula:
    its `Failure` reason); a contrast with one is not tested, and says why.
    """
    out: dict[str, Any] = {"T_simulated_K": T_SIMULATED_K}
    for name, values in (("30C", at_30C), (f"{T_SIMULATED_K:.0f}K", at_T)):
        finished = {formula: value for formula, value in values.items() if formula in complete}
        contrasts = [contrast(h, low, finished) for h, low in MEASURED_ORDER]
        out[name] = [c.as_dict() for c in contrasts if c is not None]
        out[f"oal_maximum_{name}"] = oal_maximum(contrasts[:2], failed or {})
    return out


def oal_maximum(contrasts: Sequence[Contrast | None], failed: Mapping[str, str] | None = None) -> str:
    """Whether the O/Al = 0.75 maximum is reproduced, contradicted, or not resolved; ``contrasts`` are
    those of `MEASURED_ORDER` (None where one side has no value), ``failed`` as in `trend`."""
    done = [c for c in contrasts if c is not None]
    if any(c.z < -2.0 for c in done):  # one neighbour above O/Al = 0.75 is enough
        return "contradicted: a neighbour of O/Al = 0.75 is higher by more than 2 std"
    missing = [low for (_, low), c in zip(MEASURED_ORDER, contrasts) if c is None]
    without = [f"{formula} ({failed[formula]})" for formula in missing if formula in (failed or {})]
    if without:
        return "not tested: no value at this fidelity for " + "; ".join(without)
    if missing:
        return "not yet tested: the O/Al series has not finished"
    if all(c.z > 2.0 for c in done):
        return "reproduced: O/Al = 0.75 above both neighbours by more than 2 std"
    smallest = min(2 * c.std for c in done)
    return f"not resolved at this fidelity: no contrast beyond 2 std (the smallest resolvable: {smallest:.2f} decades)"

"""How each output is shown on an axis: a readable label with its unit, and the scale.

Outputs stored as ``log10`` of a quantity (``log10_sigma_30C`` in ``log10(S/cm)``) are drawn as
the quantity itself on a logarithmic axis, which is how conductivities are read in the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ..problem import OutcomeConstraint

#: Readable names of the outputs the built-in oracles provide.
NAMES: dict[str, str] = {
    "log10_sigma_30C": "σ(30 °C)",
    "sigma_30C": "σ(30 °C)",
    "tg_C": "$T_g$",
    "oxidation_V": "oxidation onset",
    "e_above_hull": "energy above hull",
    "e_hull": "energy above hull",
}
_UNITS: dict[str, str] = {"degC": "°C", "1": "dimensionless", "": "dimensionless"}
METAL_COLORS: dict[str, str] = {"Li": "tab:blue", "Na": "tab:orange"}
INPUT_LABELS: dict[str, str] = {"m_al": "M/Al [mol/mol]", "o_al": "O/Al [mol/mol]", "s_al": "S/Al [mol/mol]"}


def pretty_unit(unit: str, metals: Sequence[str] = ()) -> str:
    """``degC`` -> ``°C``; ``V vs M/M+`` names the metal when the campaign has only one."""
    if unit in _UNITS:
        return _UNITS[unit]
    if "M/M+" in unit:
        metal = metals[0] if len(metals) == 1 else "M"
        return unit.replace("M/M+", f"{metal}/{metal}$^+$")
    return unit


@dataclass(frozen=True)
class AxisSpec:
    """One output on one axis: ``plotted = 10**value`` when ``log``, else the value itself."""

    label: str
    log: bool = False

    def values(self, values: Sequence[float] | np.ndarray) -> np.ndarray:
        arr = np.asarray(values, dtype=float)
        return np.power(10.0, arr) if self.log else arr

    def errors(self, values: Sequence[float] | np.ndarray, std: Sequence[float] | np.ndarray) -> np.ndarray:
        """``2 x n`` lower/upper error-bar lengths for ±1 std (asymmetric on a log axis)."""
        v, s = np.asarray(values, dtype=float), np.nan_to_num(np.asarray(std, dtype=float))
        if not self.log:
            return np.vstack([s, s])
        return np.vstack([10.0**v - 10.0 ** (v - s), 10.0 ** (v + s) - 10.0**v])

    def apply(self, ax: object, which: str = "y") -> None:
        """Set this label (and the log scale) on ``ax``'s ``which`` axis."""
        getattr(ax, f"set_{which}label")(self.label)
        if self.log:
            getattr(ax, f"set_{which}scale")("log")


def axis_for(name: str, unit: str, metals: Sequence[str] = ()) -> AxisSpec:
    """The axis for output ``name`` in declared ``unit`` (e.g. ``log10(S/cm)`` -> S/cm, log scale)."""
    if name.startswith("log10_") and unit.startswith("log10(") and unit.endswith(")"):
        base = name.removeprefix("log10_")
        readable = NAMES.get(name, NAMES.get(base, base))
        return AxisSpec(f"{readable} [{unit[6:-1]}]", log=True)
    return AxisSpec(f"{NAMES.get(name, name)} [{pretty_unit(unit, metals)}]")


def constraint_text(con: OutcomeConstraint, data_units: Mapping[str, str] | None = None,
                    metals: Sequence[str] = ()) -> str:
    """``oxidation onset ≥ 3.8 V vs M/M+`` (readable name, symbol and declared unit)."""
    unit = pretty_unit((data_units or {}).get(con.output, ""), metals)
    return f"{short_label(con.output)} {'≥' if con.op == '>=' else '≤'} {con.bound:g} {unit}".rstrip()


def short_label(name: str) -> str:
    """The readable name without unit, for titles and legends."""
    return NAMES.get(name, name)

"""What a recorded value may be: finite, of a declared output, physically possible in its declared unit.

The same checks apply to a value a person enters (`viglas tell`, a results file, the dashboard) and to
a value an oracle returns, so neither can store a glass transition below absolute zero.
"""

from __future__ import annotations

import math
import numbers

#: Physically possible ranges per declared unit.
PLAUSIBLE_RANGE: dict[str, tuple[float, float]] = {
    "S/cm": (1e-30, 1e3),
    "mS/cm": (1e-27, 1e6),
    "log10(S/cm)": (-30.0, 3.0),
    "degC": (-273.15, 3000.0),
    "K": (0.0, 3273.15),
    "V vs M/M+": (-1.0, 10.0),
    "eV": (-20.0, 20.0),
    "eV/atom": (-20.0, 20.0),
}


class TellError(ValueError):
    """Results that cannot be recorded; nothing of them was applied."""


def check_value(name: str, value: float, units: dict[str, str], *, what: str = "value") -> None:
    """Raise `TellError` unless ``value`` is a finite, physically possible ``name`` in its declared unit."""
    if name not in units:
        raise TellError(f"unknown output {name!r} (this campaign's outputs: {', '.join(sorted(units))})")
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TellError(f"{name}: {what} {value!r} is not a finite number")
    if what == "std":
        if value < 0:
            raise TellError(f"{name}: std {value} is negative")
        return
    unit = units[name]
    low, high = PLAUSIBLE_RANGE.get(unit, (-math.inf, math.inf))
    if not low <= value <= high:
        raise TellError(f"{name}={value} {unit} is not physically possible (expected {low:g} to {high:g} {unit})")


def check_values(values: dict[str, float], std: dict[str, float] | None, units: dict[str, str]) -> None:
    if not values:
        raise TellError("no values given; write NAME=VALUE, e.g. log10_sigma_30C=-2.8")
    for name, value in values.items():
        check_value(name, value, units)
    for name, sd in (std or {}).items():
        if name not in values:
            raise TellError(f"std given for {name!r} without its value")
        check_value(name, sd, units, what="std")

"""Units of entered results: explicit in every column header, converted to the output's declared unit.

A header reads ``NAME [UNIT]``, e.g. ``log10_sigma_30C [mS/cm]`` (converted to log10(S/cm)),
``tg_C [K]`` (converted to degC) or ``oxidation_V [V vs Li/Li+]`` (accepted for Li glasses only).
A missing or ambiguous unit is refused rather than guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

_HEADER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*(.+?)\s*\]\s*$")
#: Spellings people write, mapped to one canonical unit.
_ALIASES = {
    "°C": "degC", "degC": "degC", "deg C": "degC", "celsius": "degC",
    "K": "K", "kelvin": "K",
    "S/cm": "S/cm", "mS/cm": "mS/cm", "uS/cm": "uS/cm", "µS/cm": "uS/cm", "S/m": "S/m",
    "log10(S/cm)": "log10(S/cm)",
    "V vs Li/Li+": "V vs Li/Li+", "V vs Na/Na+": "V vs Na/Na+", "V vs M/M+": "V vs M/M+",
    "eV": "eV", "eV/atom": "eV/atom", "meV/atom": "meV/atom",
    "1": "1", "dimensionless": "1",
}
_AMBIGUOUS = {"C": "write degC (°C) or K", "V": "write V vs Li/Li+ or V vs Na/Na+", "S": "write S/cm or mS/cm",
              "log10": "write log10(S/cm)"}
_TO_S_PER_CM = {"S/cm": 1.0, "mS/cm": 1e-3, "uS/cm": 1e-6, "S/m": 1e-2}


class UnitError(ValueError):
    """A unit that is missing, ambiguous, or not convertible to the declared one."""


@dataclass(frozen=True)
class Column:
    """A parsed results column: which output, in which unit, and whether it holds a std."""

    output: str
    unit: str
    is_std: bool


def canonical_unit(text: str) -> str:
    unit = text.strip()
    if unit in _AMBIGUOUS:
        raise UnitError(f"unit {unit!r} is ambiguous: {_AMBIGUOUS[unit]}")
    if unit not in _ALIASES:
        raise UnitError(f"unit {unit!r} is not known (known: {', '.join(sorted(set(_ALIASES.values())))})")
    return _ALIASES[unit]


def parse_header(header: str, declared: dict[str, str]) -> Column:
    """Parse ``NAME [UNIT]`` (``NAME_std [UNIT]`` for uncertainties) against the declared outputs."""
    match = _HEADER.match(header)
    if not match:
        bare = header.strip().removesuffix("_std")
        if bare in declared:
            raise UnitError(f"column {header!r} has no unit; write e.g. '{header.strip()} [{declared[bare]}]'")
        raise UnitError(f"column {header!r} is not 'NAME [UNIT]' for an output of this campaign")
    name, unit = match.groups()
    is_std = name.endswith("_std")
    output = name.removesuffix("_std")
    if output not in declared:
        raise UnitError(f"column {header!r}: {output!r} is not an output of this campaign "
                        f"(outputs: {', '.join(sorted(declared))})")
    column = Column(output, canonical_unit(unit), is_std)
    converter(column.unit, canonical_unit(declared[output]) if declared[output] in _ALIASES else declared[output],
              metal=None)  # fail early if the two units cannot be converted at all
    return column


def converter(unit: str, declared: str, *, metal: str | None) -> Callable[[float], float]:
    """Function converting a value in ``unit`` to ``declared`` (``metal`` checks the voltage reference)."""
    if unit == declared:
        return lambda x: x
    if declared == "log10(S/cm)" and unit in _TO_S_PER_CM:
        factor = _TO_S_PER_CM[unit]

        def to_log(x: float) -> float:
            if x <= 0:
                raise UnitError(f"conductivity {x} {unit} must be positive")
            return math.log10(x * factor)

        return to_log
    if declared in _TO_S_PER_CM and unit in _TO_S_PER_CM:
        ratio = _TO_S_PER_CM[unit] / _TO_S_PER_CM[declared]
        return lambda x: x * ratio
    if declared == "degC" and unit == "K":
        return lambda x: x - 273.15
    if declared == "K" and unit == "degC":
        return lambda x: x + 273.15
    if declared == "eV/atom" and unit == "meV/atom":
        return lambda x: x / 1000
    if declared == "V vs M/M+" and unit in ("V vs Li/Li+", "V vs Na/Na+"):
        reference = unit.removeprefix("V vs ")[:2]
        if metal is not None and metal != reference:
            raise UnitError(f"{unit} given for a {metal} glass; potentials must be against {metal}/{metal}+")
        return lambda x: x
    raise UnitError(f"cannot convert {unit} to the declared unit {declared}")


def std_converter(unit: str, declared: str, value: float, *, metal: str | None) -> Callable[[float], float]:
    """Convert a std next to ``value`` (both in ``unit``); log units propagate to first order."""
    if declared == "log10(S/cm)" and unit in _TO_S_PER_CM:
        return lambda sd: sd / (value * math.log(10)) if value > 0 else math.inf
    if declared in ("degC", "K") and unit in ("degC", "K"):
        return lambda sd: sd
    base = converter(unit, declared, metal=metal)
    return lambda sd: abs(base(sd) - base(0.0))

"""Entering results by hand: checks on values, and CSV files applied all-or-nothing."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .campaign import Campaign

#: Physically possible ranges per unit (inclusive low, exclusive for S/cm where zero is impossible).
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
#: Columns written by `ask --csv` and `export` that describe a candidate rather than a result.
DESCRIPTIVE_COLUMNS = ("M", "m_al", "o_al", "s_al", "cl_al", "formula", "state", "source")


class TellError(ValueError):
    """Results that cannot be recorded; nothing of them was applied."""


def check_value(name: str, value: float, units: dict[str, str], *, what: str = "value") -> None:
    """Raise `TellError` unless ``value`` is a finite, physically possible ``name`` in its declared unit."""
    if name not in units:
        raise TellError(f"unknown output {name!r} (this campaign's outputs: {', '.join(sorted(units))})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TellError(f"{name}: {what} {value!r} is not a finite number")
    unit = units[name]
    if what == "std":
        if value < 0:
            raise TellError(f"{name}: std {value} is negative")
        return
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


def _number(text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise TellError(f"{where}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise TellError(f"{where}: {text!r} is not a finite number")
    return value


def read_results_csv(path: Path, units: dict[str, str]) -> list[tuple[int, dict[str, float], dict[str, float]]]:
    """Parse a results CSV into (id, values, std) rows; raise `TellError` naming the first bad row and column."""
    try:
        handle = path.open(newline="")
    except OSError as err:
        raise TellError(f"{path}: cannot read: {err.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        if "id" not in header:
            raise TellError(f"{path}: no 'id' column (columns: {', '.join(header)})")
        for column in header:
            base = column.removesuffix("_std")
            if column != "id" and column not in DESCRIPTIVE_COLUMNS and base not in units:
                raise TellError(f"{path}: column {column!r} is not an output of this campaign "
                                f"(outputs: {', '.join(sorted(units))})")
        rows = []
        for line_no, row in enumerate(reader, start=2):
            where = f"{path}: row {line_no}"
            cid = row.get("id") or ""
            if not cid.strip().isdigit():
                raise TellError(f"{where}, column 'id': {cid!r} is not a candidate id")
            values: dict[str, float] = {}
            std: dict[str, float] = {}
            for column, text in row.items():
                if column is None or column == "id" or column in DESCRIPTIVE_COLUMNS or not (text or "").strip():
                    continue
                value = _number(text.strip(), f"{where}, column {column!r}")
                (std if column.endswith("_std") else values)[column.removesuffix("_std")] = value
            try:
                check_values(values, std, units)
            except TellError as err:
                raise TellError(f"{where}: {err}") from None
            rows.append((int(cid), values, std))
    if not rows:
        raise TellError(f"{path}: no rows with results")
    return rows


def tell_csv(campaign: Campaign, path: Path, *, replace: bool = False) -> int:
    """Record every row of ``path`` in one transaction, or none of them. Returns the number of rows."""
    units = campaign.units
    rows = read_results_csv(path, units)
    store = campaign.store
    with store.transaction() as tx:
        for line_no, (cid, values, std) in enumerate(rows, start=2):
            try:
                store.record_values(cid, oracle="manual", values=values, std=std or None, units=units,
                                    required=campaign.problem.outputs, replace=replace, mark_evaluated=False,
                                    provenance={"entered_by": "manual", "file": str(path)}, tx=tx)
            except (KeyError, ValueError) as err:
                message = err.args[0] if err.args else str(err)
                raise TellError(f"{path}: row {line_no}: {message}") from None
    return len(rows)

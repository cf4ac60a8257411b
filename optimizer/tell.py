"""Entering results by hand: value checks, and CSV/Excel files applied all-or-nothing.

A results file has one row per candidate: ``id`` (empty for a composition never proposed, such as a
literature point, which then needs ``formula`` or ``M, m_al, o_al, s_al``), one ``NAME [UNIT]`` column
per output (units converted, see `optimizer.units`), optional ``NAME_std [UNIT]`` columns, and an
optional ``analysed_formula`` for the as-made composition. Empty cells are skipped, so partial rows
are fine. Any bad cell rejects the whole file, naming its row and column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from oracles import Composition, CompositionError

from .store import HISTORICAL, Candidate, Proposed, Requirement, Store
from .units import Column, UnitError, canonical_unit, converter, parse_header, std_converter

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
#: Columns that describe a candidate rather than a result.
DESCRIPTIVE_COLUMNS = ("id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state", "source", "analysed_formula")


class TellError(ValueError):
    """Results that cannot be recorded; nothing of them was applied."""


def check_value(name: str, value: float, units: dict[str, str], *, what: str = "value") -> None:
    """Raise `TellError` unless ``value`` is a finite, physically possible ``name`` in its declared unit."""
    if name not in units:
        raise TellError(f"unknown output {name!r} (this campaign's outputs: {', '.join(sorted(units))})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
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


@dataclass
class ResultRow:
    """One parsed row: an existing candidate (``candidate_id``) or a new historical ``composition``."""

    line: int
    candidate_id: int | None
    composition: Composition | None
    analysed: Composition | None
    values: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or .xlsx file as strings (empty cells as ''), header from the first row."""
    import pandas as pd

    if not path.exists():
        raise TellError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as err:  # pandas raises many parser error types
        raise TellError(f"{path}: cannot read as a table: {err}") from None
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _composition(row: dict[str, str], where: str, metal_hint: str | None = None) -> Composition:
    try:
        if row.get("formula", "").strip():
            return Composition.from_formula(row["formula"].strip())
        return Composition(row.get("M", "").strip() or str(metal_hint),
                           *(float(row[k]) if row.get(k, "").strip() else 0.0 for k in ("m_al", "o_al", "s_al")))
    except (CompositionError, ValueError) as err:
        raise TellError(f"{where}: composition: {err}") from None


def _check_metal(where: str, comp: Composition | None, analysed: Composition | None, known: Candidate | None,
                 metals: Sequence[str]) -> None:
    """A historical or as-made composition must use one of the campaign's metals, and the candidate's own."""
    for what, c in (("composition", comp), ("analysed_formula", analysed)):
        if c is not None and c.M not in metals:
            raise TellError(f"{where}, {what} {c.formula}: M={c.M} is not a metal of this campaign "
                            f"({', '.join(metals)})")
    own = known.composition if known is not None else comp
    if analysed is not None and own is not None and analysed.M != own.M:
        raise TellError(f"{where}, analysed_formula {analysed.formula}: M={analysed.M}, but the candidate is a "
                        f"{own.M} glass ({own.formula}); an analysis cannot change the metal")


def parse_rows(path: Path, *, units: dict[str, str], lookup: Callable[[int], Candidate | None],
               metals: Sequence[str]) -> list[ResultRow]:
    """Parse and check every row of ``path`` without writing anything.

    ``lookup`` finds a candidate by id; ``metals`` are the campaign's alkali metals.
    """
    declared = units
    table = read_table(path)
    if not table:
        raise TellError(f"{path}: no rows")
    columns: dict[str, Column] = {}
    for header in table[0]:
        if header.strip() in DESCRIPTIVE_COLUMNS:
            continue
        try:
            columns[header] = parse_header(header, declared)
        except UnitError as err:
            raise TellError(f"{path}: {err}") from None
    rows = []
    for line, cells in enumerate(table, start=2):
        where = f"{path}: row {line}"
        cid_text = cells.get("id", "").strip()
        if cid_text and not cid_text.removesuffix(".0").isdigit():
            raise TellError(f"{where}, column 'id': {cid_text!r} is not a candidate id")
        cid = int(cid_text.removesuffix(".0")) if cid_text else None
        known = lookup(cid) if cid is not None else None
        if cid is not None and known is None:
            raise TellError(f"{where}, column 'id': no candidate with id {cid}")
        comp = None if known is not None else _composition(cells, where)
        metal = known.composition.M if known is not None else comp.M if comp else None
        analysed = None
        if cells.get("analysed_formula", "").strip():
            analysed = _composition({"formula": cells["analysed_formula"]}, f"{where}, column 'analysed_formula'")
        _check_metal(where, comp, analysed, known, metals)
        row = ResultRow(line, cid, comp, analysed)
        for header, column in columns.items():
            text = cells.get(header, "").strip()
            if not text:
                continue
            try:
                raw = float(text)
            except ValueError:
                raise TellError(f"{where}, column {header!r}: {text!r} is not a number") from None
            if not math.isfinite(raw):
                raise TellError(f"{where}, column {header!r}: {text!r} is not a finite number")
            try:
                target = declared[column.output]
                target = canonical_unit(target) if target != "1" else target
                if column.is_std:
                    value_text = next((cells[h] for h, c in columns.items()
                                       if c.output == column.output and not c.is_std and cells.get(h, "").strip()), "")
                    convert = std_converter(column.unit, target, float(value_text or "nan"), metal=metal)
                    row.std[column.output] = convert(raw)
                else:
                    row.values[column.output] = converter(column.unit, target, metal=metal)(raw)
            except UnitError as err:
                raise TellError(f"{where}, column {header!r}: {err}") from None
        if not row.values and analysed is None:
            continue  # an untouched template row
        try:
            if row.values:
                check_values(row.values, row.std, declared)
        except TellError as err:
            raise TellError(f"{where}: {err}") from None
        rows.append(row)
    if not rows:
        raise TellError(f"{path}: no rows with results")
    return rows


def apply_rows(rows: Sequence[ResultRow], *, path: Path, store: Store, units: dict[str, str], lab_label: str,
               required: Callable[[int], Sequence[Requirement]], replace: bool = False) -> int:
    """Record parsed ``rows`` in one transaction, or none of them. Returns the number of rows."""
    with store.transaction() as tx:
        for row in rows:
            try:
                cid = row.candidate_id
                if cid is None:
                    assert row.composition is not None
                    added = store.add_candidates([Proposed(row.composition, HISTORICAL)], batch=None, tx=tx)
                    if not added:
                        raise ValueError(f"composition {row.composition.formula} is already a candidate; "
                                         "give its id instead")
                    cid = added[0]
                if row.analysed is not None:
                    store.record_analysed(cid, row.analysed, source=str(path), tx=tx)
                if row.values:
                    store.record_values(cid, oracle=lab_label, values=row.values, std=row.std or None, units=units,
                                        required=required(cid), replace=replace, mark_evaluated=False,
                                        provenance={"entered_by": "lab", "file": str(path)}, tx=tx)
            except (KeyError, ValueError) as err:
                message = err.args[0] if err.args else str(err)
                raise TellError(f"{path}: row {row.line}: {message}") from None
    return len(rows)

"""The rows of a lab results file, checked as a whole before anything is written.

A results file has one row per candidate: ``id`` (empty for a composition never proposed, such as a
literature point, which then needs ``formula`` or ``M, m_al, o_al, s_al``), one ``NAME [UNIT]`` column
per output (units converted, see `optimizer.units`), optional ``NAME_std [UNIT]`` columns, an optional
``analysed_formula`` (the as-made composition) and an optional ``failed`` column (a reason: the synthesis
failed, e.g. "no glass formed"). Columns whose header starts with ``predicted`` or ``model`` are the
model's read-only notes from `viglas ask` and are ignored. Empty cells are skipped, so partial rows are
fine. A row's formula (or ratios) must be its id's composition, so a row that moved in a spreadsheet
is refused instead of landing on another candidate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from oracles import Composition, CompositionError

from .store import HISTORICAL, Candidate, Proposed, Requirement, Store
from .tables import Table
from .tell import TellError, check_values
from .units import Column, UnitError, canonical_unit, converter, parse_header, std_converter

#: Columns that describe a candidate rather than a result.
DESCRIPTIVE_COLUMNS = ("id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state", "source", "analysed_formula",
                       "failed")
#: Header prefixes of the template's read-only model columns (ignored when reading).
READ_ONLY_PREFIXES = ("predicted", "model")
#: How far a row's composition may be from its id's (the template's formula shows 4 decimals).
MATCH_ATOL = 1.5e-4


@dataclass
class LabRow:
    """One parsed row: an existing candidate (``candidate_id``) or a new historical ``composition``."""

    line: int
    candidate_id: int | None
    composition: Composition | None
    analysed: Composition | None
    values: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    failed: str | None = None


def result_columns(path: Path, table: Table, declared: dict[str, str]) -> dict[str, Column]:
    """The result columns by header; one value and one std column per output at most."""
    columns: dict[str, Column] = {}
    for header in table.headers:
        if header in DESCRIPTIVE_COLUMNS or header.lower().startswith(READ_ONLY_PREFIXES):
            continue
        try:
            column = parse_header(header, declared)
        except UnitError as err:
            raise TellError(f"{path}: {err}") from None
        twin = next((h for h, c in columns.items() if (c.output, c.is_std) == (column.output, column.is_std)), None)
        if twin is not None:
            raise TellError(f"{path}: columns {twin!r} and {header!r} both give {column.output}"
                            f"{' std' if column.is_std else ''}; keep one")
        columns[header] = column
    return columns


def parse_rows(path: Path, table: Table, *, units: dict[str, str], lookup: Callable[[int], Candidate | None],
               metals: Sequence[str]) -> list[LabRow]:
    """Parse and check every row of ``table`` (read from ``path``) without writing anything.

    ``lookup`` finds a candidate by id; ``metals`` are the campaign's alkali metals.
    """
    columns = result_columns(path, table, units)
    rows: list[LabRow] = []
    seen: dict[int, int] = {}
    for line, cells in zip(table.lines, table.rows):
        row = _parse_row(f"{path}: row {line}", line, cells, columns, units, lookup, metals)
        if row is None:
            continue
        if row.candidate_id is not None:
            if row.candidate_id in seen:
                raise TellError(f"{path}: rows {seen[row.candidate_id]} and {line} both give candidate "
                                f"{row.candidate_id}; keep one row per candidate")
            seen[row.candidate_id] = line
        rows.append(row)
    if not rows:
        raise TellError(f"{path}: no rows with results")
    return rows


def _parse_row(where: str, line: int, cells: dict[str, str], columns: dict[str, Column], units: dict[str, str],
               lookup: Callable[[int], Candidate | None], metals: Sequence[str]) -> LabRow | None:
    cid = _candidate_id(where, cells.get("id", ""))
    known = lookup(cid) if cid is not None else None
    if cid is not None and known is None:
        raise TellError(f"{where}, column 'id': no candidate with id {cid}")
    given = _given_composition(where, cells)
    if known is not None and given is not None and not given.almost_equals(known.composition, atol=MATCH_ATOL):
        raise TellError(f"{where}: the row's composition {given.formula} is not candidate {cid}'s "
                        f"({known.composition.formula}); did a row move? nothing was recorded")
    comp = None if known is not None else given
    if known is None and comp is None:
        if not any(cells.get(h) for h in columns) and not cells.get("failed") and not cells.get("analysed_formula"):
            return None  # an untouched row
        raise TellError(f"{where}: no id and no composition; give the candidate id, or formula (or M, m_al, o_al, "
                        "s_al) for a point that was never proposed")
    analysed = None
    if cells.get("analysed_formula"):
        analysed = _composition(f"{where}, column 'analysed_formula'", cells["analysed_formula"])
    _check_metal(where, comp, analysed, known, metals)
    metal = known.composition.M if known is not None else comp.M if comp else None
    row = LabRow(line, cid, comp, analysed, failed=cells.get("failed") or None)
    _read_values(where, cells, columns, units, metal, row)
    if row.failed and row.values:
        raise TellError(f"{where}: gives results and 'failed' ({row.failed!r}); a failed synthesis has no "
                        "results: keep one")
    if not row.values and row.analysed is None and not row.failed:
        return None  # an untouched template row
    if row.values:
        try:
            check_values(row.values, row.std, units)
        except TellError as err:
            raise TellError(f"{where}: {err}") from None
    return row


def _candidate_id(where: str, text: str) -> int | None:
    if not text:
        return None
    number = text.removesuffix(".0")
    if not number.isdigit() or len(number) > 18:
        raise TellError(f"{where}, column 'id': {text!r} is not a candidate id")
    return int(number)


def _composition(where: str, formula: str) -> Composition:
    try:
        return Composition.from_formula(formula)
    except CompositionError as err:
        raise TellError(f"{where}: {err}") from None


def _given_composition(where: str, cells: dict[str, str]) -> Composition | None:
    """The composition a row states (formula, else M and ratios), or None when it states none."""
    if cells.get("formula"):
        return _composition(f"{where}, column 'formula'", cells["formula"])
    if not cells.get("M"):
        return None
    try:
        ratios = [float(cells[k]) if cells.get(k) else 0.0 for k in ("m_al", "o_al", "s_al")]
        return Composition(cells["M"], *ratios)
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


def _number(where: str, header: str, text: str) -> float:
    try:
        raw = float(text)
    except ValueError:
        hint = "; write a decimal point (6.5), not a comma" if "," in text else ""
        raise TellError(f"{where}, column {header!r}: {text!r} is not a number{hint}") from None
    if not math.isfinite(raw):
        raise TellError(f"{where}, column {header!r}: {text!r} is not a finite number")
    return raw


def _read_values(where: str, cells: dict[str, str], columns: dict[str, Column], units: dict[str, str],
                 metal: str | None, row: LabRow) -> None:
    """Values in the declared units; each std converted from its own unit through its value's."""
    raw = {h: _number(where, h, cells[h]) for h in columns if cells.get(h)}
    value_header = {c.output: h for h, c in columns.items() if not c.is_std and h in raw}
    for header, number in raw.items():
        column = columns[header]
        target = canonical_unit(units[column.output]) if units[column.output] != "1" else "1"
        try:
            if not column.is_std:
                row.values[column.output] = converter(column.unit, target, metal=metal)(number)
                continue
            if column.output not in value_header:
                raise TellError(f"{where}, column {header!r}: a std without its value")
            value_unit = columns[value_header[column.output]].unit
            to_value_unit = converter(column.unit, value_unit, metal=metal)  # e.g. mS/cm -> S/cm
            in_value_unit = abs(to_value_unit(number) - to_value_unit(0.0))
            value = raw[value_header[column.output]]
            row.std[column.output] = std_converter(value_unit, target, value, metal=metal)(in_value_unit)
        except UnitError as err:
            raise TellError(f"{where}, column {header!r}: {err}") from None


def apply_rows(rows: Sequence[LabRow], *, path: Path, store: Store, units: dict[str, str], lab_label: str,
               required: Callable[[int], Sequence[Requirement]], replace: bool = False) -> int:
    """Record parsed ``rows`` in one transaction, or none of them. Returns the number of rows."""
    with store.transaction() as tx:
        for row in rows:
            state = store.candidate(row.candidate_id).state if row.candidate_id is not None else None  # type: ignore[union-attr]
            if state == "withdrawn":
                raise TellError(f"{path}: row {row.line}: candidate {row.candidate_id} was withdrawn; nothing "
                                "was recorded")
            if row.failed and state not in (None, "pending"):
                raise TellError(f"{path}: row {row.line}: candidate {row.candidate_id} is {state}; only a "
                                "pending candidate can be reported as failed")
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
                if row.failed:
                    store.record_failure(cid, oracle=lab_label, reason=row.failed, required=required(cid), tx=tx)
            except (KeyError, ValueError) as err:
                message = err.args[0] if err.args else str(err)
                raise TellError(f"{path}: row {row.line}: {message}") from None
    return len(rows)

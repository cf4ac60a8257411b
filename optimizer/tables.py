"""Reading a results table (CSV or Excel) exactly as written, or refusing it with one line naming the cell.

Everything a spreadsheet can do to move a value onto another row is refused, not guessed around:
a row with more fields than the header (a decimal comma in a comma-separated file), merged cells,
formula cells whose value was never computed, repeated headers. What is unambiguous is read: a BOM,
UTF-16, Latin-1/Windows-1252 text, semicolon- or tab-separated files (where a decimal comma is then
read as a decimal point, as European spreadsheets write it).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Largest results file read (bytes): far above any lab's table, far below what would exhaust memory.
MAX_BYTES = 50_000_000
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+(?:[eE][+-]?\d+)?$")


class TableError(ValueError):
    """A results file that cannot be read without guessing; the message names the file, row and column."""


@dataclass(frozen=True)
class Table:
    """Header names and rows of cells (strings; '' when empty); ``lines[i]`` is row i's line or sheet row."""

    headers: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]


def read_table(path: Path) -> Table:
    """Read ``path`` (.csv, .txt, .tsv or .xlsx/.xlsm); `TableError` for anything that needs a guess."""
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if not path.is_file():
        raise TableError(f"{path}: is not a file")
    if path.stat().st_size > MAX_BYTES:
        raise TableError(f"{path}: {path.stat().st_size} bytes is more than a results table can hold "
                         f"({MAX_BYTES} bytes); split it")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if path.suffix.lower() == ".xls":
        raise TableError(f"{path}: old Excel .xls files are not read; save it as .xlsx or .csv")
    return _read_csv(path)


# --- CSV ------------------------------------------------------------------------------------
def _decode(path: Path, data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise TableError(f"{path}: starts like UTF-16 text but is not ({err.reason})") from None
    if b"\x00" in data:
        raise TableError(f"{path}: is not a text table (it holds NUL bytes); save it as CSV (UTF-8) or .xlsx")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # Windows/Latin-1 spreadsheets: '°' and 'µ' survive


def _delimiter(header_line: str) -> str:
    """The separator of the header line: the one of ',', ';' and tab that splits it most (',' on a tie)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _read_csv(path: Path) -> Table:
    text = _decode(path, path.read_bytes())
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise TableError(f"{path}: is empty")
    delimiter = _delimiter(lines[first])
    try:
        records = list(csv.reader(io.StringIO(text), delimiter=delimiter, strict=True))
    except csv.Error as err:
        raise TableError(f"{path}: not a well-formed table: {err}") from None
    header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_at is None:
        raise TableError(f"{path}: has no header row")
    headers = _headers(path, records[header_at])
    rows, numbers = [], []
    for index, record in enumerate(records[header_at + 1:], start=header_at + 2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(headers):
            extra = ", ".join(repr(c) for c in record[len(headers):])
            hint = (" - a decimal comma such as 6,5? write 6.5, or save the file with ';' as separator"
                    if delimiter == "," else "")
            raise TableError(f"{path}: row {index} has {len(record)} fields but the header has {len(headers)} "
                             f"(extra: {extra}){hint}; nothing was recorded")
        cells = {h: (record[i] if i < len(record) else "").strip() for i, h in enumerate(headers)}
        if delimiter != ",":  # ';' and tab files come from locales that write decimal commas
            cells = {h: v.replace(",", ".") if _DECIMAL_COMMA.match(v) else v for h, v in cells.items()}
        rows.append(cells)
        numbers.append(index)
    return Table(headers, tuple(rows), tuple(numbers))


def _headers(path: Path, cells: list[Any]) -> tuple[str, ...]:
    headers = tuple("" if c is None else str(c).strip() for c in cells)
    while headers and not headers[-1]:
        headers = headers[:-1]
    for i, name in enumerate(headers):
        if not name:
            raise TableError(f"{path}: column {i + 1} has no header; name it or delete it")
        if name in headers[:i]:
            raise TableError(f"{path}: the header {name!r} appears twice (columns {headers.index(name) + 1} and "
                             f"{i + 1}); keep one")
    return headers


# --- Excel ----------------------------------------------------------------------------------
def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        values = load_workbook(path, data_only=True, read_only=False)
        formulas = load_workbook(path, data_only=False, read_only=False)
    except Exception as err:  # openpyxl raises zipfile, KeyError, InvalidFileException... on broken files
        raise TableError(f"{path}: cannot read as an Excel workbook: {err}") from None
    sheet, raw = values.worksheets[0], formulas.worksheets[0]
    merged = [str(r) for r in sheet.merged_cells.ranges]
    if merged:
        raise TableError(f"{path}: cells {', '.join(merged[:5])} are merged; every row needs its own id and "
                         "values: unmerge them (nothing was recorded)")
    grid = list(sheet.iter_rows(values_only=False))
    if not grid:
        raise TableError(f"{path}: is empty")
    headers = _headers(path, [c.value for c in grid[0]])
    rows, numbers = [], []
    for row in grid[1:]:
        cells: dict[str, str] = {}
        for col, header in enumerate(headers):
            cell = row[col] if col < len(row) else None
            cells[header] = _cell_text(path, cell, raw)
        extra = [c for c in row[len(headers):] if c.value not in (None, "")]
        if extra:
            raise TableError(f"{path}: cell {extra[0].coordinate} holds {extra[0].value!r} under no header; "
                             "name its column or delete it")
        if any(cells.values()):
            rows.append(cells)
            numbers.append(row[0].row)
    return Table(headers, tuple(rows), tuple(numbers))


def _cell_text(path: Path, cell: Any, raw: Any) -> str:
    if cell is None:
        return ""
    source = raw[cell.coordinate].value
    if isinstance(source, str) and source.startswith("=") and cell.value is None:
        raise TableError(f"{path}: cell {cell.coordinate} holds the formula {source} with no saved value; open "
                         "and save the file in Excel or LibreOffice (or type the value); nothing was recorded")
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()

"""Templates for the lab: pending candidates with empty, unit-labelled result columns, written atomically.

The file is written to a temporary name beside the target and renamed into place, so a crash never
leaves half a template; `Campaign.ask` writes it inside the transaction that reserves the candidates,
so a template that cannot be written reserves nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .tell import TellError

if TYPE_CHECKING:
    from .insight import Prediction

#: Columns that identify a candidate in a template, in order.
ID_COLUMNS = ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula"]
SUFFIXES = (".csv", ".xlsx")


def model_cells(prediction: Prediction | None, proposal: Mapping[str, Any], source: str, outputs: Sequence[str],
                units: Mapping[str, str]) -> dict[str, object]:
    """The read-only model columns of one row: predicted mean and std of each output now, P(feasible), and why
    the candidate was proposed (`viglas tell` ignores these columns)."""
    cells: dict[str, object] = {}
    for name in outputs:
        cells[f"predicted {name} [{units[name]}]"] = None if prediction is None else round(prediction.mean[name], 4)
        cells[f"predicted {name}_std [{units[name]}]"] = None if prediction is None else round(prediction.std[name], 4)
    cells["predicted P(feasible)"] = None if prediction is None else round(prediction.p_feasible, 3)
    cells["model: why"] = proposal.get("why") or WHY_BY_SOURCE.get(source, f"proposed by {source}")
    return cells


#: How a candidate without a model record came to be proposed.
WHY_BY_SOURCE = {"initial": "space-filling design (before the first model)", "listed": "listed in the campaign file",
                 "historical": "entered as a historical point"}


def template_columns(units: Mapping[str, str], outputs: Sequence[str]) -> list[str]:
    """``NAME [UNIT]`` headers for ``outputs``, then their ``_std`` columns, the as-made formula and ``failed``."""
    headers = [f"{name} [{units[name]}]" for name in outputs]
    return headers + [f"{name}_std [{units[name]}]" for name in outputs] + ["analysed_formula", "failed"]


def check_template_path(path: Path) -> None:
    """`TellError` unless a template can be written at ``path`` (checked before anything is reserved)."""
    if path.suffix.lower() not in SUFFIXES:
        raise TellError(f"{path}: a template is .csv or .xlsx")
    if path.is_dir():
        raise TellError(f"{path}: is a folder; give a file name such as {path / ('lab' + path.suffix)}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise TellError(f"{path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise TellError(f"{path}: cannot write in {folder} (permission denied)")


def write_template(path: Path, rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> None:
    """Write ``rows`` (the `ID_COLUMNS` and any extra columns they hold) plus empty ``columns`` to CSV or .xlsx."""
    import pandas as pd

    check_template_path(path)
    notes = list(dict.fromkeys(k for row in rows for k in row if k not in ID_COLUMNS))
    frame = pd.DataFrame(list(rows), columns=[*ID_COLUMNS, *notes])
    for header in columns:
        frame[header] = None
    frame = frame[[*ID_COLUMNS, *columns, *notes]]  # what the lab fills in first, the model's notes after
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent or ".")
    os.close(handle)
    try:
        if path.suffix.lower() == ".xlsx":
            frame.to_excel(temporary, index=False, engine="openpyxl")
        else:
            frame.to_csv(temporary, index=False)
        os.replace(temporary, path)
    except OSError as err:
        raise TellError(f"{path}: cannot write the template: {err.strerror}") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)

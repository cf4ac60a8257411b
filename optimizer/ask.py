"""Templates for the lab: pending candidates with empty, unit-labelled result columns."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .campaign import Campaign


def template_columns(campaign: Campaign) -> list[str]:
    """``NAME [UNIT]`` headers for the outputs to measure, then their ``_std`` columns and the as-made formula."""
    units = campaign.units
    lab = [s for s in campaign.oracles if s.manual]
    outputs = list(lab[0].oracle.outputs) if lab else list(campaign.problem.outputs)
    headers = [f"{name} [{units[name]}]" for name in outputs]
    return headers + [f"{name}_std [{units[name]}]" for name in outputs] + ["analysed_formula"]


def write_template(campaign: Campaign, rows: Sequence[dict[str, object]], path: Path) -> None:
    """Write ``rows`` (id, M, ratios, formula) plus empty result columns to CSV or .xlsx by suffix."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula"])
    for header in template_columns(campaign):
        frame[header] = None
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False, engine="openpyxl")
    else:
        frame.to_csv(path, index=False)

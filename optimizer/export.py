"""Tables of a campaign: one row per candidate with its current values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas

    from .campaign import Campaign

CANDIDATE_COLUMNS = ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state"]


def campaign_dataframe(campaign: Campaign) -> pandas.DataFrame:
    """``id, M, m_al, o_al, s_al, cl_al, formula, state``, one column per output (declared units),
    then ``<output>_std`` columns, ``analysed_formula`` (as made, when the lab reported it), ``source``,
    ``batch`` and ``failure`` (reasons joined)."""
    import pandas as pd

    store = campaign.store
    outputs = list(dict.fromkeys([*campaign.problem.outputs, *campaign.units]))
    values: dict[int, dict[str, float]] = {}
    for row in store.results():
        values.setdefault(row.candidate_id, {})[row.output] = row.value
        if row.std is not None:
            values[row.candidate_id][f"{row.output}_std"] = row.std
    failures = store.failures()
    analysed = store.analysed()
    records = []
    for cand in store.candidates():
        c = cand.composition
        record: dict[str, object] = {
            "id": cand.id, "M": c.M, "m_al": c.m_al, "o_al": c.o_al, "s_al": c.s_al,
            "cl_al": round(c.cl_al, 10), "formula": c.formula, "state": cand.state,
        }
        record.update({name: values.get(cand.id, {}).get(name) for name in outputs})
        record.update({f"{name}_std": values.get(cand.id, {}).get(f"{name}_std") for name in outputs})
        record["analysed_formula"] = analysed[cand.id].formula if cand.id in analysed else None
        record["source"] = cand.source
        record["batch"] = cand.batch
        record["failure"] = "; ".join(f"{o}: {r}" for o, r in failures.get(cand.id, [])) or None
        records.append(record)
    columns = [*CANDIDATE_COLUMNS, *outputs, *(f"{n}_std" for n in outputs), "analysed_formula", "source", "batch",
               "failure"]
    return pd.DataFrame.from_records(records, columns=columns)


def write_csv(campaign: Campaign, path: Path) -> int:
    frame = campaign_dataframe(campaign)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)

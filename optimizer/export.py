"""Tables of a campaign: one row per candidate with its current (merged) values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .snapshot import CampaignSnapshot

if TYPE_CHECKING:
    import pandas

CANDIDATE_COLUMNS = ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state"]


def campaign_dataframe(snapshot: CampaignSnapshot) -> pandas.DataFrame:
    """``id, M, m_al, o_al, s_al, cl_al, formula, state``, one column per output (declared units), then
    ``<output>_std`` and ``<output>_source`` (value and std both come from that source, see
    `optimizer.merge`), ``analysed_formula`` (as made), ``source``, ``batch``, ``failure`` (reasons
    joined) and ``withdrawn`` (the reason)."""
    import pandas as pd

    outputs = list(dict.fromkeys([*snapshot.problem.outputs, *snapshot.units]))
    records = []
    for r in snapshot.records:
        c = r.composition
        record: dict[str, object] = {
            "id": r.id, "M": c.M, "m_al": c.m_al, "o_al": c.o_al, "s_al": c.s_al,
            "cl_al": round(c.cl_al, 10), "formula": c.formula, "state": r.state,
        }
        record.update({name: r.values[name].value if name in r.values else None for name in outputs})
        record.update({f"{name}_std": r.values[name].std if name in r.values else None for name in outputs})
        record.update({f"{name}_source": r.values[name].source if name in r.values else None for name in outputs})
        record.update({"analysed_formula": r.analysed.formula if r.analysed else None, "source": r.source,
                       "batch": r.batch, "failure": r.failure, "withdrawn": r.withdrawn_reason})
        records.append(record)
    columns = [*CANDIDATE_COLUMNS, *outputs, *(f"{n}_std" for n in outputs), *(f"{n}_source" for n in outputs),
               "analysed_formula", "source", "batch", "failure", "withdrawn"]
    return pd.DataFrame.from_records(records, columns=columns)


def write_csv(snapshot: CampaignSnapshot, path: Path) -> int:
    """Write `campaign_dataframe` to ``path``; return the number of rows."""
    frame = campaign_dataframe(snapshot)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)

"""Candidates as JSON-ready records, and lab-result forms parsed into values for `Campaign.tell`."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..snapshot import CampaignSnapshot
from ..tell import TellError


def candidate_records(data: CampaignSnapshot, *, state: str | None = None) -> list[dict[str, Any]]:
    """One dict per candidate (composition, state, merged values and their std and source, failure reasons)."""
    return [{
        "id": r.id, **r.composition.as_dict(), "cl_al": round(r.composition.cl_al, 10), "formula": r.formula,
        "state": r.state, "source": r.source, "batch": r.batch,
        "values": {k: v.value for k, v in r.values.items()},
        "std": {k: v.std for k, v in r.values.items() if v.std is not None},
        "value_source": {k: v.source for k, v in r.values.items()},
        "failure": r.failure, "withdrawn": r.withdrawn_reason,
    } for r in data.records if state is None or r.state == state]


def parse_result_form(form: Mapping[str, str], outputs: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    """``value-<output>`` and ``std-<output>`` fields to (values, std); empty fields are left out.

    Raises `TellError` naming the field for text that is not a number; every other check is
    `Campaign.tell`'s, so the dashboard accepts exactly what ``viglas tell`` accepts.
    """
    values: dict[str, float] = {}
    std: dict[str, float] = {}
    for output in outputs:
        for prefix, target in (("value", values), ("std", std)):
            text = form.get(f"{prefix}-{output}", "").strip()
            if not text:
                continue
            try:
                target[output] = float(text)
            except ValueError:
                what = "std" if prefix == "std" else "value"
                raise TellError(f"{output}: {what} {text!r} is not a number") from None
    return values, std


def parse_result_json(payload: Any) -> tuple[dict[str, float], dict[str, float]]:
    """``{"values": {...}, "std": {...}}`` checked for shape; the values themselves are checked by tell."""
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), dict):
        raise TellError('send JSON like {"values": {"tg_C": -20.0}, "std": {"tg_C": 2.0}}')
    std = payload.get("std") or {}
    if not isinstance(std, dict):
        raise TellError('"std" must be an object of output name -> number')
    return dict(payload["values"]), dict(std)

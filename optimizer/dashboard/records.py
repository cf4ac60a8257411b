"""Candidates as JSON-ready records, and lab-result forms parsed into values for `Campaign.tell`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..tell import TellError

if TYPE_CHECKING:
    from ..campaign import Campaign


def candidate_records(campaign: Campaign, *, state: str | None = None) -> list[dict[str, Any]]:
    """One dict per candidate (composition, state, current values and std, failure reasons)."""
    store = campaign.store
    values: dict[int, dict[str, float]] = {}
    stds: dict[int, dict[str, float]] = {}
    for row in store.results():
        values.setdefault(row.candidate_id, {})[row.output] = row.value
        if row.std is not None:
            stds.setdefault(row.candidate_id, {})[row.output] = row.std
    failures = store.failures()
    records = []
    for cand in store.candidates():
        if state is not None and cand.state != state:
            continue
        c = cand.composition
        records.append({
            "id": cand.id, **c.as_dict(), "cl_al": round(c.cl_al, 10), "formula": c.formula, "state": cand.state,
            "source": cand.source, "batch": cand.batch, "values": values.get(cand.id, {}),
            "std": stds.get(cand.id, {}),
            "failure": "; ".join(f"{o}: {r}" for o, r in failures.get(cand.id, [])) or None,
        })
    return records


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

"""Candidates as JSON-ready records, and what the lab sends (forms, JSON, ids) parsed for `Campaign`.

Parsing only checks shape (a number where a number belongs, an id that is a whole number); every
other check is `Campaign.tell`'s, `fail`'s or `withdraw`'s, so the page accepts exactly what the CLI does.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping, Sequence

from ..snapshot import CampaignSnapshot, CandidateRecord
from ..tell import TellError
from .security import Refused, short

#: Candidate ids are SQLite integers.
MAX_ID = 2**63 - 1
STATES = ("pending", "done", "failed", "withdrawn")
JSON_EXAMPLE = '{"values": {"tg_C": -20.0}, "std": {"tg_C": 2.0}}'


def candidate_record(r: CandidateRecord) -> dict[str, Any]:
    """One candidate: composition, state, merged values (with std and source), every source's values."""
    return {
        "id": r.id, **r.composition.as_dict(), "cl_al": round(r.composition.cl_al, 10), "formula": r.formula,
        "analysed_formula": r.analysed.formula if r.analysed else None,
        "state": r.state, "source": r.source, "batch": r.batch,
        "values": {k: v.value for k, v in r.values.items()},
        "std": {k: v.std for k, v in r.values.items() if v.std is not None},
        "value_source": {k: v.source for k, v in r.values.items()},
        "sources": {label: {k: {"value": v, "std": s} for k, (v, s) in out.items()}
                    for label, out in r.sources.items()},
        "failure": r.failure, "withdrawn": r.withdrawn_reason, "proposal": dict(r.proposal),
    }


def candidate_records(data: CampaignSnapshot, *, state: str | None = None) -> list[dict[str, Any]]:
    """`candidate_record` of every candidate (of one ``state``; an unknown state is refused)."""
    if state is not None and state not in STATES:
        raise Refused(400, f"state {short(state)!r} is not one of {', '.join(STATES)}")
    return [candidate_record(r) for r in data.records if state is None or r.state == state]


def parse_id(text: str) -> int:
    """A candidate id from a URL: a whole number (400 otherwise); beyond SQLite's range: no such candidate."""
    if not (text.isascii() and text.isdigit()):
        raise Refused(400, f"candidate id {short(text)!r} is not a whole number")
    if len(text) > 19 or int(text) > MAX_ID:
        raise Refused(404, f"no candidate with id {short(text)}")
    return int(text)


def parse_flag(text: str | None, name: str) -> bool:
    """``?replace=1`` style flags: 1/true/yes/on or 0/false/no/off/empty."""
    value = (text or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise Refused(400, f"{name}={short(text or '')!r}: use {name}=1 or {name}=0")


def parse_result_form(form: Mapping[str, str], outputs: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    """``value-<output>`` and ``std-<output>`` fields to (values, std); empty fields are left out.

    Raises `TellError` naming the field for text that is not a number.
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
                hint = " (use a decimal point, not a comma)" if "," in text else ""
                raise TellError(f"{output}: {prefix} {short(text)!r} is not a number{hint}") from None
    return values, std


def parse_json(body: bytes) -> Any:
    """A JSON body (any nesting depth, any bytes) or `Refused` with one line."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as err:  # RecursionError: nesting deeper than the parser goes
        what = "nested too deeply" if isinstance(err, RecursionError) else "not valid JSON"
        raise Refused(400, f"the request body is {what}; send JSON like {JSON_EXAMPLE}") from None


def parse_result_json(payload: Any) -> tuple[dict[str, float], dict[str, float]]:
    """``{"values": {...}, "std": {...}}`` with numbers as values; the values themselves are checked by tell."""
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), dict):
        raise TellError(f"send JSON like {JSON_EXAMPLE}")
    std = payload.get("std") or {}
    if not isinstance(std, dict):
        raise TellError('"std" must be an object of output name -> number')
    unknown = sorted(set(payload) - {"values", "std"})
    if unknown:
        raise TellError(f"unknown key {short(str(unknown[0]))!r}; send JSON like {JSON_EXAMPLE}")
    return _numbers(payload["values"], "value"), _numbers(std, "std")


def _numbers(mapping: dict[Any, Any], what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, value in mapping.items():
        if len(str(name)) > 100:
            raise TellError(f"unknown output {short(str(name))!r} (an output name is under 100 characters)")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TellError(f"{short(str(name))}: {what} must be a finite number, not {type(value).__name__}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise TellError(f"{short(str(name))}: {what} {short(str(value))} is not a finite number")
        out[str(name)] = number
    return out


def parse_reason(payload: Any) -> str:
    """``{"reason": "..."}``: the text itself is checked by `Campaign.fail`/`withdraw`."""
    if not isinstance(payload, dict) or not isinstance(payload.get("reason"), str) or set(payload) != {"reason"}:
        raise TellError('send JSON like {"reason": "no glass formed (crystallised)"}')
    return str(payload["reason"])

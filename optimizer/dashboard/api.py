"""The JSON API. Reads are open to this machine; every write wants JSON, the token of ``GET /api/token`` in the
``X-CSRF-Token`` header, and (optionally) the campaign's identity in ``X-Viglas-Campaign``.

    GET  /api/token                           {"token", "campaign", "campaign_id", "header"}
    GET  /api/version                         {"version"}: changes whenever the data shown change
    GET  /api/candidates[?state=S]            one record per candidate
    GET  /api/candidates/ID
    POST /api/candidates/ID/results[?replace=1]   {"values": {...}, "std": {...}}
    POST /api/candidates/ID/failure           {"reason": "no glass formed"}
    POST /api/candidates/ID/withdraw          {"reason": "precursor out of stock"}
    GET  /api/figures/NAME                    {"figures": [Plotly figure JSON]} (NAME: objectives, slices)
"""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask, Response, jsonify, request

from . import actions
from .context import identity, snapshot, state
from .figures import FIGURES
from .plots import data_version
from .records import (
    candidate_record,
    candidate_records,
    parse_flag,
    parse_id,
    parse_json,
    parse_reason,
    parse_result_json,
)
from .security import CAMPAIGN_HEADER, TOKEN_HEADER, Refused, short


def _write(cid_text: str, write: Callable[[int, Any], None]) -> tuple[Response, int]:
    cid = parse_id(cid_text)
    if request.mimetype != "application/json":
        raise Refused(415, f"send the body as JSON (Content-Type: application/json), not {short(request.mimetype)!r}")
    me = identity()
    sent_campaign = request.headers.get(CAMPAIGN_HEADER)
    if sent_campaign is not None and sent_campaign not in (me.key, me.name):
        raise Refused(409, f"refused: {CAMPAIGN_HEADER} names {short(sent_campaign)!r}, but this dashboard serves "
                           f"campaign {me.name!r} ({me.key})")
    state().guard.check_token(me, request.headers.get(TOKEN_HEADER))
    payload = parse_json(request.get_data(cache=False))
    try:
        write(cid, payload)
    except actions.ENTRY_ERRORS as err:
        message, status = actions.entry_error(err)
        return jsonify({"error": message}), status
    record = snapshot(fresh=True).record(cid)
    return jsonify(candidate_record(record) if record is not None else {"id": cid}), 200


def register(app: Flask) -> None:
    @app.get("/api/token")
    def api_token() -> Response:
        me = identity()
        return jsonify({"token": state().guard.token(me), "header": TOKEN_HEADER, "campaign": me.name,
                        "campaign_id": me.key})

    @app.get("/api/version")
    def api_version() -> Response:
        return jsonify({"version": str(data_version(snapshot()))})

    @app.get("/api/candidates")
    def api_candidates() -> Response:
        return jsonify(candidate_records(snapshot(), state=request.args.get("state")))

    @app.get("/api/candidates/<cid>")
    def api_candidate(cid: str) -> Response:
        number = parse_id(cid)
        record = snapshot().record(number)
        if record is None:
            raise Refused(404, f"no candidate with id {number}")
        return jsonify(candidate_record(record))

    @app.post("/api/candidates/<cid>/results")
    def api_enter_results(cid: str) -> tuple[Response, int]:
        replace = parse_flag(request.args.get("replace"), "replace")

        def write(candidate: int, payload: Any) -> None:
            values, std = parse_result_json(payload)
            actions.record_results(candidate, values, std, replace=replace)

        return _write(cid, write)

    @app.post("/api/candidates/<cid>/failure")
    def api_report_failure(cid: str) -> tuple[Response, int]:
        return _write(cid, lambda candidate, payload: actions.report_failure(candidate, parse_reason(payload)))

    @app.post("/api/candidates/<cid>/withdraw")
    def api_withdraw(cid: str) -> tuple[Response, int]:
        return _write(cid, lambda candidate, payload: actions.withdraw(candidate, parse_reason(payload)))

    @app.get("/api/figures/<name>")
    def api_figures(name: str) -> Response:
        if name not in FIGURES:
            raise Refused(404, f"no figures named {short(name)!r} (figures: {', '.join(FIGURES)})")
        data = snapshot()
        response = jsonify({"figures": state().plots.figures(name, data), "version": str(data_version(data))})
        response.headers["Cache-Control"] = "no-store"
        return response

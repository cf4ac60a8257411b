"""The pending page's three forms: results, a failed synthesis, a withdrawal. Each is checked (campaign identity,
CSRF token) before anything is parsed, then goes through `actions`, so it accepts exactly what the CLI accepts.
A refused or bad entry re-shows the page with the reason and what was typed; nothing is stored."""

from __future__ import annotations

from typing import Callable

from flask import Flask, redirect, request, url_for
from werkzeug.wrappers import Response

from . import actions
from .context import identity, outputs, state
from .errors import one_line
from .pages import pending_page
from .records import parse_flag, parse_id, parse_result_form
from .security import CAMPAIGN_FIELD, CAMPAIGN_NAME_FIELD, TOKEN_FIELD, Refused


def _submit(cid_text: str, action: str, write: Callable[[int], None]) -> Response | tuple[str, int]:
    cid = parse_id(cid_text)
    typed = {k: v for k, v in request.form.items() if k not in (TOKEN_FIELD, CAMPAIGN_FIELD, CAMPAIGN_NAME_FIELD)}
    try:
        state().guard.check_form(identity(), request.form.get(CAMPAIGN_FIELD), request.form.get(TOKEN_FIELD),
                                 request.form.get(CAMPAIGN_NAME_FIELD))
    except Refused as err:
        if not err.stale:  # another campaign, or no token at all: show nothing of the request again
            return one_line(err.status, err.message)
        return pending_page(f"candidate {cid}: {err.message}", form=typed, failed_id=cid, action=action,
                            status=err.status)
    try:
        write(cid)
    except actions.ENTRY_ERRORS as err:
        message, status = actions.entry_error(err)
        return pending_page(f"candidate {cid}: {message}", form=typed, failed_id=cid, action=action,
                            status=status)
    return redirect(url_for("pending", recorded=cid, _anchor="recorded"), code=303)


def register(app: Flask) -> None:
    @app.post("/candidates/<cid>/results")
    def enter_results(cid: str) -> Response | tuple[str, int]:
        def write(candidate: int) -> None:
            values, std = parse_result_form(request.form, outputs())
            actions.record_results(candidate, values, std, replace=parse_flag(request.form.get("replace"), "replace"))

        return _submit(cid, "results", write)

    @app.post("/candidates/<cid>/failure")
    def report_failure(cid: str) -> Response | tuple[str, int]:
        return _submit(cid, "failure", lambda candidate: actions.report_failure(candidate, _reason()))

    @app.post("/candidates/<cid>/withdraw")
    def withdraw(cid: str) -> Response | tuple[str, int]:
        return _submit(cid, "withdraw", lambda candidate: actions.withdraw(candidate, _reason()))


def _reason() -> str:
    return request.form.get("reason", "")

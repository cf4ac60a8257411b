"""Every error as one line: JSON ``{"error": "..."}`` under ``/api/``, a short page elsewhere; never a traceback.

Malformed requests are 4xx (`Refused`, Werkzeug's HTTP errors); a campaign file changed under the server
is 409; anything unexpected is logged with its traceback and answered with one line and status 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..config import ConfigError
from ..core import CampaignChangedError
from .security import MAX_BODY_BYTES, MAX_FORM_PARTS, Refused, short

logger = logging.getLogger(__name__)

TITLES = {400: "Bad request", 403: "Refused", 404: "Not found", 405: "Not allowed", 409: "Conflict",
          413: "Too large", 415: "Unsupported content", 500: "Server error"}


def one_line(status: int, message: str) -> Response:
    """``message`` (whitespace collapsed) with ``status``, as JSON for the API and a page otherwise."""
    message = " ".join(message.split())
    if request.path.startswith("/api/"):
        response = jsonify({"error": message})
    else:
        response = Response(render_template("error.html", title=TITLES.get(status, "Error"), message=message),
                            mimetype="text/html")
    response.status_code = status
    return response


def http_message(err: HTTPException) -> str:
    code = err.code or 500
    if code == 404:
        return f"nothing at {short(request.path, 80)}"
    if code == 405:
        return f"{request.method} is not allowed at {short(request.path, 80)}"
    if code == 413:
        return (f"the request is larger than the dashboard accepts ({MAX_BODY_BYTES // 1024} KiB, "
                f"{MAX_FORM_PARTS} form parts)")
    return f"malformed request: {err.description or err.name}"


def register(app: Flask) -> None:
    @app.errorhandler(Refused)
    def refused(err: Refused) -> Response:
        return one_line(err.status, err.message)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> Response:
        return one_line(err.code or 500, http_message(err))

    @app.errorhandler(CampaignChangedError)
    def changed(err: CampaignChangedError) -> Response:
        return one_line(409, str(err))

    @app.errorhandler(ConfigError)
    def config_error(err: ConfigError) -> Response:
        return one_line(500, f"the campaign file cannot be read: {err}")

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> Response:
        logger.exception("dashboard: unexpected error on %s %s", request.method, short(request.path, 80))
        return one_line(500, f"internal error ({type(err).__name__}); the server's log has the details, "
                             "check the candidate's state before entering again")

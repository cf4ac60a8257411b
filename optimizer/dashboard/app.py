"""The Flask app and its server: every request checked by the `security.Guard` (Host on every request, Origin on
writes), answered with protective headers; pages in `pages`/`forms`, the JSON API in `api`, errors in `errors`."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Iterable

from flask import Flask, Response, request
from werkzeug.serving import BaseWSGIServer, get_sockaddr, select_address_family
from werkzeug.serving import make_server as werkzeug_server

from ..campaign import Campaign
from . import api, errors, forms, pages
from .context import EXTENSION, Dashboard, close_campaign
from .security import MAX_BODY_BYTES, MAX_FORM_PARTS, NO_AUTH_WARNING, Guard, is_loopback

logger = logging.getLogger(__name__)

#: Scripts only from this server (Plotly.js included), nothing fetched elsewhere, no framing (clickjacking).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(campaign_path: Path, *, host: str = "127.0.0.1", port: int | None = None,
               allow_hosts: Iterable[str] = ()) -> Flask:
    """A dashboard for the campaign file at ``campaign_path`` (checked now, reopened per request).

    ``host`` and ``port`` are the address served (``port=None``: any port, e.g. before binding or in
    Flask's test client); requests naming another Host are refused (see `security`).
    """
    campaign_path = Path(campaign_path).resolve()
    first = Campaign.from_yaml(campaign_path)
    try:
        units = dict(first.units)  # builds the oracles once: a setup problem is reported now, not per page
    finally:
        first.close()
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_BODY_BYTES, MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES,
                      MAX_FORM_PARTS=MAX_FORM_PARTS)
    guard = Guard(host=host, port=port, allow_hosts=tuple(allow_hosts))
    app.extensions[EXTENSION] = Dashboard(campaign_path, units, guard)
    app.teardown_appcontext(close_campaign)

    @app.before_request
    def check_request() -> None:
        guard.check_host(request.headers.get("Host"))
        if request.method not in SAFE_METHODS:
            guard.check_origin(request.headers.get("Origin"), request.headers.get("Host"),
                               request.headers.get("Sec-Fetch-Site"))

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Chromium send Origin: null
        if not request.path.startswith(("/static/", "/vendor/")):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    errors.register(app)
    pages.register(app)
    forms.register(app)
    api.register(app)
    return app


def make_server(campaign_path: Path, *, host: str = "127.0.0.1", port: int = 8050,
                allow_hosts: Iterable[str] = ()) -> BaseWSGIServer:
    """The dashboard bound to ``host:port`` (``port=0``: any free port; see ``server.port``), threaded.

    Raises `OSError` when the address cannot be bound (port in use, unknown host); Werkzeug would exit.
    """
    app = create_app(campaign_path, host=host, port=port or None, allow_hosts=allow_hosts)
    with _bound(host, port) as sock:
        server = werkzeug_server(host, port, app, threaded=True, fd=sock.fileno())  # keeps a duplicate
    app.extensions[EXTENSION].guard.port = server.port
    return server


def _bound(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, of the family Werkzeug picks for ``host``."""
    family = select_address_family(host, port)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(get_sockaddr(host, port, family))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def serve(campaign_path: Path, *, host: str = "127.0.0.1", port: int = 8050, allow_hosts: Iterable[str] = ()) -> None:
    """Run the dashboard until interrupted (a local tool, not a public site: it has no login)."""
    if not is_loopback(host):
        logger.warning(NO_AUTH_WARNING.format(host=host, port=port))
    server = make_server(campaign_path, host=host, port=port, allow_hosts=allow_hosts)
    try:
        server.serve_forever()
    finally:
        server.server_close()

"""The Flask app: the campaign is opened per request, so the pages stay live while `viglas run` writes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup

from ..campaign import Campaign, CampaignChangedError
from ..config import ConfigError
from ..report.summary import counts_html, problem_html
from ..report.tables import top_table_html
from ..snapshot import CampaignSnapshot
from ..tell import TellError
from .plots import PLOTS, PlotCache
from .records import candidate_records, parse_result_form, parse_result_json

#: Errors a bad entry raises (shown to the user, nothing stored).
ENTRY_ERRORS = (TellError, KeyError, ValueError)


def create_app(campaign_path: Path) -> Flask:
    """A dashboard for the campaign file at ``campaign_path`` (checked now, reopened per request)."""
    campaign_path = Path(campaign_path).resolve()
    first = Campaign.from_yaml(campaign_path)
    units = dict(first.units)  # builds the oracles once; raises a clear setup error early
    first.close()
    app = Flask(__name__)
    cache = PlotCache()
    lock = threading.Lock()

    def campaign() -> Campaign:
        if "campaign" not in g:
            g.campaign = Campaign.from_yaml(campaign_path)
        return g.campaign  # type: ignore[no-any-return]

    def data() -> CampaignSnapshot:
        return campaign().snapshot()

    @app.teardown_appcontext
    def close(_: BaseException | None) -> None:
        opened = g.pop("campaign", None)
        if opened is not None:
            opened.close()

    @app.errorhandler(CampaignChangedError)
    @app.errorhandler(ConfigError)
    def campaign_error(err: Exception) -> tuple[str, int]:
        return render_template("error.html", title="Campaign error", message=str(err)), 500

    def outputs() -> list[str]:
        return list(dict.fromkeys([*campaign().problem.outputs, *units]))

    @app.get("/")
    def overview() -> str:
        d = data()
        return render_template("overview.html", title=d.name, name=d.name, plots=PLOTS, version=d.fingerprint(),
                               counts=Markup(counts_html(d, campaign().config.loop.budget)),
                               problem=Markup(problem_html(d)), table=Markup(top_table_html(d)))

    def pending_page(error: str | None = None, form: dict[str, str] | None = None, failed_id: int | None = None,
                     status: int = 200) -> tuple[str, int]:
        recorded = request.args.get("recorded", type=int)
        return render_template("pending.html", title="Pending candidates", name=campaign().config.name,
                               candidates=candidate_records(data(), state="pending"), outputs=outputs(),
                               units=units, error=error, form=form or {}, failed_id=failed_id,
                               recorded=recorded), status

    @app.get("/pending")
    def pending() -> tuple[str, int]:
        return pending_page()

    @app.post("/candidates/<int:cid>/results")
    def enter_results(cid: int) -> Any:
        try:
            values, std = parse_result_form(request.form, outputs())
            with lock:  # one writer from this process at a time; SQLite serialises other processes
                campaign().tell(cid, values, std=std or None, replace="replace" in request.form)
        except ENTRY_ERRORS as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
            return pending_page(f"candidate {cid}: {message}", dict(request.form), cid, status=400)
        return redirect(url_for("pending", recorded=cid))

    @app.get("/plots/<name>.png")
    def plot(name: str) -> Any:
        if name not in PLOTS:
            abort(404)
        png = cache.png(name, data())
        return app.response_class(png, mimetype="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/api/candidates")
    def api_candidates() -> Any:
        return jsonify(candidate_records(data(), state=request.args.get("state")))

    @app.get("/api/candidates/<int:cid>")
    def api_candidate(cid: int) -> Any:
        found = [r for r in candidate_records(data()) if r["id"] == cid]
        return jsonify(found[0]) if found else (jsonify({"error": f"no candidate with id {cid}"}), 404)

    @app.post("/api/candidates/<int:cid>/results")
    def api_enter_results(cid: int) -> Any:
        try:
            values, std = parse_result_json(request.get_json(silent=True))
            with lock:
                campaign().tell(cid, values, std=std or None, replace=bool(request.args.get("replace")))
        except ENTRY_ERRORS as err:
            message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
            return jsonify({"error": message}), 404 if isinstance(err, KeyError) else 400
        return jsonify(next(r for r in candidate_records(data()) if r["id"] == cid))

    return app


def serve(campaign_path: Path, host: str = "127.0.0.1", port: int = 8050) -> None:
    """Run the dashboard with Flask's threaded server until interrupted (a local tool, not a public site)."""
    create_app(campaign_path).run(host=host, port=port, debug=False, threaded=True)

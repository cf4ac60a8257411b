"""The HTML pages: overview (interactive figures, the report's PNG plots), all candidates (a table that sorts
and filters), pending candidates (result, failure and withdrawal forms, in `forms`), and the static files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from flask import Flask, Response, render_template, request, send_file
from markupsafe import Markup, escape

from ..report.style import pretty_unit, short_label
from ..report.summary import counts_html, problem_html
from ..report.tables import top_table_html
from ..report.values import axis_of
from .context import campaign, identity, outputs, snapshot, state, token
from .figures import FIGURES
from .figures.traces import plain
from .plots import PLOTS, data_version
from .records import STATES, candidate_records
from .security import Refused

#: The interactive figures replace these PNG plots on the overview (the PNGs stay at /plots/NAME.png).
INTERACTIVE = ("pareto", "slices")
#: Seconds a browser may keep Plotly.js (4.8 MB) before asking again.
PLOTLY_MAX_AGE_S = 24 * 3600


def plotly_js() -> Path:
    """Plotly.js as shipped inside the ``plotly`` Python package (the page never fetches a CDN)."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():
        raise Refused(500, f"Plotly.js is missing from the installed plotly package ({path}); reinstall plotly")
    return path


def labels() -> dict[str, dict[str, Markup]]:
    """Each output's readable name and unit as HTML (``$T_g$`` -> T<sub>g</sub>, ``degC`` -> °C)."""
    data = snapshot()
    return {o: {"name": Markup(plain(str(escape(short_label(o))))),
                "unit": Markup(plain(str(escape(pretty_unit(state().units.get(o, ""), data.metals)))))}
            for o in outputs()}


def page_context() -> dict[str, Any]:
    """What every page with forms needs: the campaign's name and identity, and this server's token."""
    c = campaign()
    return {"name": c.config.name, "store": c.store_path.name, "identity": identity(), "token": token()}


def register(app: Flask) -> None:
    @app.get("/")
    def overview() -> str:
        d = snapshot()
        pngs = {key: title for key, title in PLOTS.items() if key not in INTERACTIVE}
        return render_template("overview.html", title=d.name, **page_context(), figures=FIGURES, plots=pngs,
                               version=str(data_version(d)),
                               counts=Markup(counts_html(d, campaign().config.loop.budget)),
                               problem=Markup(problem_html(d)), table=Markup(top_table_html(d)))

    @app.get("/candidates")
    def candidates() -> str:
        d = snapshot()
        shown = labels()
        # log10 outputs again as the quantity itself (σ in S/cm), as the report's table does
        linear = {o: Markup(f"{shown[o]['name']} [{escape(d.units[o][6:-1])}]") for o in outputs()
                  if axis_of(d, o).log}
        return render_template("candidates.html", title="Candidates", **page_context(), outputs=outputs(),
                               labels=shown, linear=linear, candidates=candidate_records(d), states=STATES,
                               metals=d.metals)

    @app.get("/plots/<name>.png")
    def plot(name: str) -> Response:
        if name not in PLOTS:
            raise Refused(404, f"no plot named {name[:40]!r} (plots: {', '.join(PLOTS)})")
        png = state().plots.png(name, snapshot())
        return Response(png, mimetype="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/vendor/plotly.min.js")
    def plotly() -> Response:
        return send_file(plotly_js(), mimetype="text/javascript", max_age=PLOTLY_MAX_AGE_S, conditional=True)

    @app.get("/pending")
    def pending() -> tuple[str, int]:
        return pending_page()


def pending_page(error: str | None = None, *, form: dict[str, str] | None = None, failed_id: int | None = None,
                 action: str | None = None, status: int = 200) -> tuple[str, int]:
    """The pending candidates' forms; after an entry, a message built from the candidate's state in the store."""
    data = snapshot()
    done = request.args.get("recorded", "")
    message = None
    if done.isascii() and done.isdigit() and len(done) < 19:
        record = data.record(int(done))
        message = _done_message(record) if record is not None else None
    return render_template("pending.html", title="Pending candidates", **page_context(),
                           candidates=candidate_records(data, state="pending"), outputs=outputs(), labels=labels(),
                           error=error, form=form or {}, failed_id=failed_id, failed_action=action,
                           message=message), status


def _done_message(record: Any) -> str:
    what = f"Candidate {record.id} ({record.formula})"
    if record.state == "failed":
        reasons = "; ".join(f"{reason} (source: {source})" for source, reason in record.failures)
        return f"{what} is recorded as failed: {reasons}."
    if record.state == "withdrawn":
        return f"{what} is withdrawn: {record.withdrawn_reason}. Its budget slot is free again."
    if record.state == "done":
        return f"Recorded results for {what}; it is done."
    return f"Recorded results for {what}; it stays pending until every required output is in."

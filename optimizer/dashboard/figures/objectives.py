"""The objectives against each other, zoomable, as the report's ``pareto.png`` draws them: colour is the metal,
filled feasible, hollow infeasible, ringed the Pareto front, diamonds the pending candidates at the GP's
prediction ± 1σ, stars the reference study's glasses, dashed red the outcome-constraint bounds."""

from __future__ import annotations

from html import escape
from itertools import combinations
from typing import Any, Mapping, Sequence

import numpy as np

from oracles import Composition

from ...report.model import OutputModel
from ...report.reference import references_with
from ...report.style import short_label
from ...report.values import axis_of, goal_of
from ...snapshot import CampaignSnapshot, CandidateRecord
from .traces import (
    Figure,
    axis,
    base_layout,
    constraint_shapes,
    error_bars,
    hover,
    metal_color,
    numbers,
    output_title,
    plain,
    value_text,
)

RATIOS = ("m_al", "o_al", "s_al")


def objective_pairs(data: CampaignSnapshot) -> list[tuple[str, str]]:
    """(x, y) pairs drawn: each pair of objectives (three at most); one objective against the first other
    constrained output, else O/Al (the report's rule)."""
    names = [o.name for o in data.problem.objectives]
    if len(names) == 1:
        others = [c.output for c in data.problem.constraints if c.output != names[0]]
        return [(others[0] if others else "o_al", names[0])]
    return list(combinations(names, 2))[:3]


def objective_figures(data: CampaignSnapshot, models: Mapping[str, OutputModel]) -> list[Figure]:
    return [_figure(data, x, y, models, i) for i, (x, y) in enumerate(objective_pairs(data))]


def _coordinate(r: CandidateRecord, name: str) -> tuple[float, float] | None:
    """(value, std) of an output (merged) or ratio (std 0) of ``r``; None when not measured."""
    if name in RATIOS:
        return float(getattr(r.modelled, name)), 0.0
    found = r.values.get(name)
    return None if found is None else (found.value, found.std or 0.0)


def _figure(data: CampaignSnapshot, x: str, y: str, models: Mapping[str, OutputModel], index: int) -> Figure:
    problem = data.problem
    front = data.pareto_ids()
    shown = [r for r in data.in_state("done") if r.observation().complete(problem)]
    traces: list[dict[str, Any]] = []
    for metal in data.metals:
        for ok in (True, False):
            group = [r for r in shown if metal == r.composition.M and r.observation().feasible(problem) == ok]
            if group:
                traces.append(_points(data, group, x, y, name=f"{metal}, {'feasible' if ok else 'infeasible'}",
                                      marker={"color": metal_color(metal), "size": 9,
                                              "symbol": "circle" if ok else "circle-open",
                                              "line": {"width": 1.5, "color": metal_color(metal)}}))
    on_front = sorted((r for r in shown if r.id in front), key=lambda r: (_coordinate(r, x) or (0.0, 0.0))[0])
    if on_front:
        label = "Pareto front (feasible, non-dominated)" if len(front) > 1 else "best feasible"
        trace = _points(data, on_front, x, y, name=label,
                        marker={"size": 17, "symbol": "circle-open", "color": "black", "line": {"width": 1.6}})
        trace["mode"] = "lines+markers" if len(problem.objectives) == 2 else "markers"
        trace["line"] = {"color": "black", "width": 1}
        traces.append(trace)
    traces += _pending(data, x, y, models)
    traces += _references(data, x, y)
    shapes, notes = constraint_shapes(data, x, "x")
    more_shapes, more_notes = constraint_shapes(data, y, "y")
    failed = len(data.in_state("failed"))
    if failed:
        notes.append({"xref": "paper", "yref": "paper", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                      "showarrow": False, "font": {"size": 11, "color": "#696969"},
                      "text": f"{failed} failed candidate(s) have no values and are not shown (see Candidates)"})
    if not shown:
        notes.append({"xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
                      "text": "no complete evaluation yet"})
    goals = ", ".join(f"{goal_of(data, n)} {plain(escape(short_label(n)))}" for n in (x, y) if goal_of(data, n))
    layout = base_layout(f"{plain(escape(short_label(y)))} against {plain(escape(short_label(x)))} ({goals})",
                         xaxis=axis(data, x), yaxis=axis(data, y), shapes=shapes + more_shapes,
                         annotations=notes + more_notes)
    return {"id": f"objectives-{index}", "title": layout["title"]["text"], "data": traces, "layout": layout}


def _points(data: CampaignSnapshot, group: Sequence[CandidateRecord], x: str, y: str, *, name: str,
            marker: dict[str, Any]) -> dict[str, Any]:
    xs, ys = axis_of(data, x), axis_of(data, y)
    cx = [_coordinate(r, x) or (0.0, 0.0) for r in group]
    cy = [_coordinate(r, y) or (0.0, 0.0) for r in group]
    vx, sx = [v for v, _ in cx], [s for _, s in cx]
    vy, sy = [v for v, _ in cy], [s for _, s in cy]
    return {"type": "scatter", "mode": "markers", "name": name, "x": numbers(xs.values(vx)),
            "y": numbers(ys.values(vy)), "error_x": error_bars(data, x, vx, sx), "error_y": error_bars(data, y, vy, sy),
            "marker": marker, "customdata": [r.id for r in group], "hovertext": [hover(data, r) for r in group],
            "hoverinfo": "text"}


def _pending(data: CampaignSnapshot, x: str, y: str, models: Mapping[str, OutputModel]) -> list[dict[str, Any]]:
    """Pending candidates at the GP's prediction ± 1σ (not placed while an output has no model)."""
    pending = data.in_state("pending")
    if not pending or any(n not in models and n not in RATIOS for n in (x, y)):
        return []
    comps = [r.composition for r in pending]
    coords: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name in (x, y):
        if name in RATIOS:
            coords[name] = (np.array([getattr(c, name) for c in comps], dtype=float), np.zeros(len(comps)))
        else:
            coords[name] = models[name].predict(comps)
    texts = []
    for i, r in enumerate(pending):
        extra = [f"GP prediction: {output_title(data, n)} "
                 f"{value_text(data, n, float(coords[n][0][i]), float(coords[n][1][i]))}"
                 for n in (x, y) if n not in RATIOS]
        texts.append(hover(data, r, extra))
    (mx, ex), (my, ey) = coords[x], coords[y]
    return [{"type": "scatter", "mode": "markers", "name": "pending (GP prediction ± 1σ)",
             "x": numbers(axis_of(data, x).values(mx)), "y": numbers(axis_of(data, y).values(my)),
             "error_x": error_bars(data, x, list(mx), list(ex)), "error_y": error_bars(data, y, list(my), list(ey)),
             "marker": {"symbol": "diamond-open", "size": 10, "color": "black", "line": {"width": 1.5}},
             "customdata": [r.id for r in pending], "hovertext": texts, "hoverinfo": "text"}]


def _references(data: CampaignSnapshot, x: str, y: str) -> list[dict[str, Any]]:
    """The reference study's glasses where it reports both plotted quantities (ratios: its composition)."""
    outputs = [n for n in (x, y) if n not in RATIOS]
    traces = []
    for ref in references_with(*outputs):
        comp = Composition.from_formula(ref.formula)
        point = {n: float(getattr(comp, n)) if n in RATIOS else ref.values[n] for n in (x, y)}
        lines = [f"<b>{escape(ref.label)} = {escape(ref.formula)}</b>", escape(ref.source)]
        lines += [f"{output_title(data, n)}: {value_text(data, n, ref.values[n], None)}" for n in outputs]
        traces.append({"type": "scatter", "mode": "markers", "name": f"{ref.label} = {ref.formula} (reference study)",
                       "x": numbers(axis_of(data, x).values([point[x]])),
                       "y": numbers(axis_of(data, y).values([point[y]])),
                       "marker": {"symbol": "star", "size": 18, "color": metal_color(ref.M),
                                  "line": {"color": "black", "width": 1}},
                       "hovertext": ["<br>".join(lines)], "hoverinfo": "text"})
    return traces

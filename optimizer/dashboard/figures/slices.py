"""Each output along O/Al, zoomable, as the report's ``slices.png`` draws it: the GP mean (line) and ± 2σ band
per metal at the M/Al and S/Al of the best feasible candidate, the observations (fainter the farther they lie
from the slice), failed candidates as × along the bottom, the reference glasses as stars."""

from __future__ import annotations

import math
from html import escape
from typing import Any, Mapping

import numpy as np

from oracles import Composition, CompositionError

from ...report.model import MIN_POINTS, OutputModel, training_data
from ...report.model_plots import GRID, slice_anchor
from ...report.reference import references_with
from ...report.style import short_label
from ...report.values import axis_of
from ...snapshot import CampaignSnapshot
from .traces import (
    FAILED_COLOR,
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


def slice_figures(data: CampaignSnapshot, models: Mapping[str, OutputModel]) -> list[Figure]:
    m_al, s_al, why = slice_anchor(data)
    return [_figure(data, name, models.get(name), m_al, s_al, why) for name in data.problem.outputs]


def _figure(data: CampaignSnapshot, output: str, model: OutputModel | None, m_al: float, s_al: float,
            why: str) -> Figure:
    space = data.problem.space
    traces: list[dict[str, Any]] = []
    for i, metal in enumerate(space.metals):
        if model is not None:
            traces += _model(data, output, model, metal, m_al, s_al, dash="solid" if i == 0 else "dash")
        traces += _observed(data, output, metal, m_al, s_al)
    traces += _failed(data)
    for ref in references_with(output):
        text = (f"<b>{escape(ref.label)} = {escape(ref.formula)}</b><br>{escape(ref.source)}<br>"
                f"{output_title(data, output)}: {value_text(data, output, ref.values[output], None)}")
        traces.append({"type": "scatter", "mode": "markers", "name": f"{ref.label} (reference study)",
                       "x": [ref.o_al], "y": numbers(axis_of(data, output).values([ref.values[output]])),
                       "marker": {"symbol": "star", "size": 18, "color": metal_color(ref.M),
                                  "line": {"color": "black", "width": 1}}, "hovertext": [text], "hoverinfo": "text"})
    shapes, notes = constraint_shapes(data, output, "y")
    if model is None:
        n = len(training_data(data.observations, output))
        notes.append({"xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5, "showarrow": False,
                      "text": f"no model: {n} successful evaluation(s), at least {MIN_POINTS} needed",
                      "bgcolor": "whitesmoke"})
    title = (f"{plain(escape(short_label(output)))} along O/Al at M/Al = {m_al:.3g}, S/Al = {s_al:.3g}"
             f"<br><span style='font-size:11px'>slice through the {escape(why)}</span>")
    x_range = list(space.o_al) if space.o_al[1] > space.o_al[0] else None
    layout = base_layout(title, xaxis=axis(data, "o_al", range=x_range), yaxis=axis(data, output),
                         yaxis2={"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
                         shapes=shapes, annotations=notes)
    return {"id": f"slice-{output}", "title": f"{short_label(output)} along O/Al", "data": traces, "layout": layout}


def _model(data: CampaignSnapshot, output: str, model: OutputModel, metal: str, m_al: float, s_al: float, *,
           dash: str) -> list[dict[str, Any]]:
    """GP mean and ± 2σ band of ``metal`` along O/Al (only where Cl/Al stays in the space); the second metal's
    mean is dashed, so it stays visible where the two coincide."""
    space = data.problem.space
    comps = []
    for o in np.linspace(space.o_al[0], space.o_al[1], GRID):
        try:
            comps.append(Composition(metal, m_al, float(o), s_al))
        except CompositionError:
            continue
    if len(comps) < 2:
        return []
    mean, std = model.predict(comps)
    spec, color = axis_of(data, output), metal_color(metal)
    x = [c.o_al for c in comps]
    texts = [f"{escape(metal)}, O/Al {c.o_al:.3g}: GP {output_title(data, output)} "
             f"{value_text(data, output, float(m), 2 * float(s))} (± 2σ)" for c, m, s in zip(comps, mean, std)]
    band = {"type": "scatter", "mode": "lines", "x": x, "line": {"width": 0, "color": color},
            "hoverinfo": "skip", "legendgroup": f"band-{metal}"}
    return [
        {**band, "y": numbers(spec.values(mean - 2 * std)), "showlegend": False, "name": f"{metal}: GP − 2σ"},
        {**band, "y": numbers(spec.values(mean + 2 * std)), "fill": "tonexty", "fillcolor": _rgba(color, 0.18),
         "name": f"{metal}: GP ± 2σ"},
        {"type": "scatter", "mode": "lines", "name": f"{metal}: GP mean", "x": x, "y": numbers(spec.values(mean)),
         "line": {"color": color, "width": 2, "dash": dash}, "hovertext": texts, "hoverinfo": "text"},
    ]


def _observed(data: CampaignSnapshot, output: str, metal: str, m_al: float, s_al: float) -> list[dict[str, Any]]:
    """Observations of ``metal``, fainter the farther their M/Al and S/Al lie from the slice."""
    space = data.problem.space
    records = [r for r in data.in_state("done") if output in r.values and metal == r.modelled.M]
    if not records:
        return []
    m_span = (space.m_al[1] - space.m_al[0]) or 1.0
    s_span = (space.s_al[1] - space.s_al[0]) or 1.0
    dist = [math.hypot((r.modelled.m_al - m_al) / m_span, (r.modelled.s_al - s_al) / s_span) for r in records]
    values = [r.values[output].value for r in records]
    std = [r.values[output].std or 0.0 for r in records]
    return [{"type": "scatter", "mode": "markers", "name": f"{metal}: observed (faded = far from slice)",
             "x": [r.modelled.o_al for r in records], "y": numbers(axis_of(data, output).values(values)),
             "error_y": error_bars(data, output, values, std),
             "marker": {"color": metal_color(metal), "size": 9, "line": {"color": "black", "width": 0.5},
                        "opacity": [float(np.clip(1.0 - d / 0.5, 0.25, 1.0)) for d in dist]},
             "customdata": [r.id for r in records], "hoverinfo": "text",
             "hovertext": [hover(data, r, [f"distance from the slice: {d:.2f} (M/Al, S/Al scaled to the box)"])
                           for r, d in zip(records, dist)]}]


def _failed(data: CampaignSnapshot) -> list[dict[str, Any]]:
    """Failed candidates at their O/Al along the bottom edge (they have no value), on a hidden 0-1 axis."""
    failed = data.in_state("failed")
    if not failed:
        return []
    return [{"type": "scatter", "mode": "markers", "name": "failed (no values)", "yaxis": "y2",
             "x": [r.modelled.o_al for r in failed], "y": [0.03] * len(failed),
             "marker": {"symbol": "x-thin-open", "size": 10, "color": FAILED_COLOR, "line": {"width": 2}},
             "customdata": [r.id for r in failed], "hovertext": [hover(data, r) for r in failed], "hoverinfo": "text"}]


def _rgba(hex_color: str, alpha: float) -> str:
    red, green, blue = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


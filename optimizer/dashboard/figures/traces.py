"""Pieces every interactive figure shares: axis labels with units (the report's, `report.style`), hover
texts that show every source's value ± std with the merged one marked, and JSON-safe numbers.

A figure is a plain dict ``{"id", "title", "data": [traces], "layout": {...}}`` that Plotly.js draws.
"""

from __future__ import annotations

import math
import re
from html import escape
from typing import Any, Iterable, Sequence

from matplotlib.colors import to_hex

from ...report.style import METAL_COLORS, pretty_unit, short_label
from ...report.values import axis_of
from ...snapshot import CampaignSnapshot, CandidateRecord

Figure = dict[str, Any]
FONT = "system-ui, sans-serif"
FAILED_COLOR = "#696969"
CONSTRAINT_COLOR = "#b22222"
_MATH = re.compile(r"\$([^$]*)\$")


def plain(text: str) -> str:
    """The report's matplotlib mathtext as Plotly text: ``$T_g$`` -> ``T<sub>g</sub>``, ``$^+$`` -> ``<sup>+</sup>``."""
    def convert(match: re.Match[str]) -> str:
        inner = match.group(1)
        inner = re.sub(r"_\{?([^}^_]+)\}?", r"<sub>\1</sub>", inner)
        return re.sub(r"\^\{?([^}^_]+)\}?", r"<sup>\1</sup>", inner)

    return _MATH.sub(convert, text)


def metal_color(metal: str) -> str:
    return to_hex(METAL_COLORS.get(metal, "tab:green"))


def axis(data: CampaignSnapshot, name: str, **extra: Any) -> dict[str, Any]:
    """A layout axis for an output or ratio: the report's label with its unit; log type for log10 outputs."""
    spec = axis_of(data, name)
    scale = {"type": "log", "dtick": 1, "exponentformat": "power"} if spec.log else {"type": "linear"}
    return {"title": {"text": plain(spec.label)}, **scale, "zeroline": False, **extra}


def numbers(values: Iterable[float]) -> list[float | None]:
    """Finite floats for JSON (NaN and infinities become gaps)."""
    return [float(v) if v is not None and math.isfinite(float(v)) else None for v in values]


def error_bars(data: CampaignSnapshot, name: str, values: Sequence[float], std: Sequence[float]) -> dict[str, Any]:
    """±1σ bars in plotted units (asymmetric on a log axis); invisible where no std was reported."""
    lower, upper = axis_of(data, name).errors(values, std)
    return {"type": "data", "symmetric": False, "array": numbers(upper), "arrayminus": numbers(lower),
            "thickness": 1, "width": 0, "visible": any(s > 0 for s in std)}


def value_text(data: CampaignSnapshot, name: str, value: float, std: float | None) -> str:
    """``-2.82 ± 0.05 (1.51e-03 S/cm)`` in the declared unit, with the linear value for log10 outputs."""
    text = f"{value:.4g}" + (f" ± {std:.2g}" if std is not None else "")
    if axis_of(data, name).log:
        text += f" (= {10.0**value:.3g} {data.units.get(name, '')[6:-1]})"
    return text


def output_title(data: CampaignSnapshot, name: str) -> str:
    """``σ(30 °C) [log10(S/cm)]``: readable name and declared unit."""
    unit = plain(escape(pretty_unit(data.units.get(name, ""), data.metals)))
    return f"{plain(escape(short_label(name)))} [{unit}]"


def hover(data: CampaignSnapshot, r: CandidateRecord, extra: Sequence[str] = ()) -> str:
    """Formula, composition, state, and every source's value ± std per output; the value the optimiser uses
    (the merge of `optimizer.merge`) is bold and marked "used"."""
    c = r.composition
    lines = [f"<b>#{r.id} {escape(r.formula)}</b>",
             f"{escape(c.M)} · M/Al {c.m_al:.4g} · O/Al {c.o_al:.4g} · S/Al {c.s_al:.4g} · Cl/Al {c.cl_al:.4g}"]
    if r.analysed is not None and r.analysed != c:
        lines.append(f"as made: {escape(r.analysed.formula)}")
    batch = f", batch {r.batch}" if r.batch is not None else ""
    lines.append(f"state: <b>{escape(r.state)}</b> · proposed by {escape(r.source)}{batch}")
    names = list(dict.fromkeys([*data.problem.outputs, *data.units]))
    for name in names:
        given = sorted(((label, out[name]) for label, out in r.sources.items() if name in out),
                       key=lambda item: -data.rank(item[0]))
        if not given:
            continue
        lines.append(output_title(data, name) + ":")
        used = r.values.get(name)
        for label, (value, std) in given:
            text = f"{escape(label)}: {value_text(data, name, value, std)}"
            lines.append(f"  <b>▶ {text} (used)</b>" if used is not None and used.source == label else f"  · {text}")
    if r.failure:
        lines.append(f"failed: {escape(r.failure)}")
    if r.withdrawn_reason:
        lines.append(f"withdrawn: {escape(r.withdrawn_reason)}")
    return "<br>".join([*lines, *extra])


def base_layout(title: str, **extra: Any) -> dict[str, Any]:
    """Shared layout: hover on the nearest point, legend below, zoom kept across data refreshes."""
    return {"title": {"text": title, "font": {"size": 14}}, "hovermode": "closest", "font": {"family": FONT},
            "legend": {"orientation": "h", "y": -0.22}, "margin": {"l": 70, "r": 20, "t": 60, "b": 40},
            "hoverlabel": {"align": "left", "bgcolor": "white", "font": {"size": 12}},
            "uirevision": "keep", "height": 480, **extra}


Layout = list[dict[str, Any]]


def constraint_shapes(data: CampaignSnapshot, name: str, which: str) -> tuple[Layout, Layout]:
    """A dashed red line at each outcome-constraint bound on ``name`` (shapes) and its label (annotations)."""
    from ...report.style import constraint_text

    shapes, notes = [], []
    spec = axis_of(data, name)
    other = "x" if which == "y" else "y"
    for con in data.problem.constraints:
        if con.output != name:
            continue
        bound = float(spec.values([con.bound])[0])
        shapes.append({"type": "line", f"{which}ref": which, f"{other}ref": "paper", f"{which}0": bound,
                       f"{which}1": bound, f"{other}0": 0, f"{other}1": 1,
                       "line": {"color": CONSTRAINT_COLOR, "dash": "dash", "width": 1.2}})
        text = plain(escape(constraint_text(con, data.units, data.metals)))
        # on a log axis annotations take log10 of the position (shapes take the value itself)
        at = math.log10(bound) if spec.log else bound
        notes.append({f"{which}ref": which, f"{other}ref": "paper", which: at, other: 1.0 if which == "y" else 0.98,
                      "text": f"constraint: {text}", "showarrow": False,
                      "font": {"color": CONSTRAINT_COLOR, "size": 11},
                      "xanchor": "right" if which == "y" else "left", "yanchor": "bottom"})
    return shapes, notes

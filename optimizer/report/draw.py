"""Drawing pieces shared by the plots: figures without pyplot, notes, constraint and reference marks."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from ..snapshot import CampaignSnapshot
from .reference import ReferenceGlass, references_with
from .style import METAL_COLORS, constraint_text
from .values import axis_of

REFERENCE_STYLE: dict[str, Any] = {"marker": "*", "s": 280, "edgecolor": "black", "linewidth": 1.0, "zorder": 6}
FAILED_STYLE: dict[str, Any] = {"marker": "x", "color": "dimgray", "s": 30, "linewidth": 1.2, "zorder": 4}


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float = 6.4, height: float = 4.4) -> tuple[Figure, list[Axes]]:
    """A figure (no pyplot state, so nothing leaks and notebooks display the returned object)."""
    fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained", dpi=110)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, [ax for row in axes for ax in row]


def note(ax: Axes, text: str) -> None:
    """A message in the middle of an axes that has nothing (or not enough) to show."""
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", color="dimgray", wrap=True,
            bbox={"boxstyle": "round", "facecolor": "whitesmoke", "edgecolor": "lightgray"})


def metal_color(metal: str) -> str:
    return METAL_COLORS.get(metal, "tab:green")


def failed_rug(ax: Axes, x: Sequence[float], *, label: str | None = "failed (no values)") -> None:
    """Failed candidates at their x position along the bottom edge (they have no y value)."""
    if len(x) == 0:
        return
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    ax.scatter(x, np.full(len(x), 0.03), transform=trans, label=label, clip_on=False, **FAILED_STYLE)


def constraint_lines(ax: Axes, data: CampaignSnapshot, output: str, which: str = "y") -> None:
    """A dashed line at each outcome-constraint bound on ``output`` and a light shade over the side it
    forbids. Call it after everything else is drawn: the shade spans the final axis limits."""
    spec = axis_of(data, output)
    for con in data.problem.constraints:
        if con.output != output:
            continue
        bound = float(spec.values([con.bound])[0])
        label = f"constraint: {constraint_text(con, data.units, data.metals)}"
        line, span, get_lim, set_lim = ((ax.axhline, ax.axhspan, ax.get_ylim, ax.set_ylim) if which == "y" else
                                        (ax.axvline, ax.axvspan, ax.get_xlim, ax.set_xlim))
        line(bound, color="firebrick", linestyle="--", linewidth=1.0, label=label, zorder=1)
        low, high = get_lim()
        span(*((low, bound) if con.op == ">=" else (bound, high)), color="firebrick", alpha=0.06, linewidth=0,
             zorder=0, label="violates the constraint")
        set_lim(low, high)


def reference_marks(ax: Axes, data: CampaignSnapshot, x_output: str, y_output: str) -> None:
    """The reference study's glasses at their measured (x, y) where both values are known."""
    xs, ys = axis_of(data, x_output), axis_of(data, y_output)
    for ref in references_with(x_output, y_output):
        x = float(xs.values([ref.values[x_output]])[0])
        y = float(ys.values([ref.values[y_output]])[0])
        reference_star(ax, ref, [x], [y])
        ax.annotate(ref.label, (x, y), xytext=(8, 6), textcoords="offset points", fontsize=8)


def reference_star(ax: Axes, ref: ReferenceGlass, x: Sequence[float], y: Sequence[float]) -> None:
    """A star in the glass's metal colour, so LACO75 and NACO75 are told apart."""
    ax.scatter(x, y, color=metal_color(ref.M), label=reference_label(ref), **REFERENCE_STYLE)


def reference_label(ref: ReferenceGlass) -> str:
    return f"{ref.label} = {ref.formula} (reference study)"


def reference_levels(ax: Axes, data: CampaignSnapshot, output: str) -> None:
    """Horizontal dotted lines at the reference glasses' measured value of ``output``."""
    spec = axis_of(data, output)
    for ref in references_with(output):
        level = float(spec.values([ref.values[output]])[0])
        ax.axhline(level, color=metal_color(ref.M), linestyle=":", linewidth=1.4, label=reference_label(ref))


def better_arrow(ax: Axes, x_goal: str | None, y_goal: str | None) -> None:
    """A small arrow in a corner pointing to where the objectives are better."""
    dx = {"maximize": 1, "minimize": -1}.get(x_goal or "", 0)
    dy = {"maximize": 1, "minimize": -1}.get(y_goal or "", 0)
    if dx == 0 and dy == 0:
        return
    # The ideal corner holds no points (nothing lies beyond the front), so the arrow fits there.
    end = (0.5 + 0.45 * dx, 0.5 + 0.45 * dy) if dx and dy else (0.5 + 0.45 * dx, 0.9) if dx else (0.9, 0.5 + 0.45 * dy)
    start = (end[0] - 0.1 * dx, end[1] - 0.1 * dy)
    ax.annotate("better", xy=end, xytext=start, xycoords="axes fraction", textcoords="axes fraction",
                ha="center", va="center", fontsize=8, color="dimgray",
                arrowprops={"arrowstyle": "->", "color": "dimgray"})


def proxy(label: str, **style: Any) -> Line2D:
    """A legend entry for something not drawn as points (e.g. a count of failures)."""
    return Line2D([], [], linestyle="none", label=label, **style)


def outside_legend(fig: Figure, axes: Sequence[Axes], extra: Sequence[Line2D] = ()) -> None:
    """One legend for the figure, right of the axes, without duplicate labels."""
    entries: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            entries.setdefault(label, handle)
    for handle in extra:
        entries.setdefault(str(handle.get_label()), handle)
    if entries:
        # Below the axes: a legend beside them would squeeze single-panel figures and hit the title.
        fig.legend(list(entries.values()), list(entries.keys()), loc="outside lower center", fontsize=8,
                   frameon=False, ncols=min(len(entries), 2 if len(axes) == 1 else 4))

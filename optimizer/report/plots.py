"""Report figures: progress and objective space (model slices and calibration: `model_plots`).

Every function takes a `Campaign` or a `CampaignSnapshot` and returns a `matplotlib.figure.Figure`
built without pyplot, so nothing leaks between calls and a notebook displays the result.
"""

from __future__ import annotations

from itertools import combinations
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ..analysis import hypervolume, objective_matrix
from ..problem import Observation
from ..snapshot import CampaignSnapshot
from .draw import (
    FAILED_STYLE,
    better_arrow,
    constraint_lines,
    failed_rug,
    metal_color,
    new_figure,
    note,
    outside_legend,
    proxy,
    reference_levels,
    reference_marks,
)
from .model import OutputModel, fit_outputs
from .model_plots import calibration_plot, slices_plot
from .style import constraint_text, pretty_unit, short_label
from .values import axis_of, goal_of, value_of

__all__ = ["calibration_plot", "pareto_plot", "progress_plot", "slices_plot"]
EVALUATIONS = "evaluation number [count]"


def progress_plot(data: CampaignSnapshot) -> Figure:
    """Best feasible value of the first objective (and, with several objectives, the hypervolume)
    against the number of evaluations."""
    multi = len(data.problem.objectives) > 1
    fig, axes = new_figure(1, 2 if multi else 1, width=5.2 if multi else 7.0)
    _best_so_far(axes[0], data)
    if multi:
        _hypervolume_curve(axes[1], data)
    outside_legend(fig, axes)
    fig.suptitle(f"{data.name}: progress over {len(data.observations)} evaluations")
    return fig


def _best_so_far(ax: Axes, data: CampaignSnapshot) -> None:
    first = data.problem.objectives[0]
    spec = axis_of(data, first.name)
    ax.set_xlabel(EVALUATIONS)
    spec.apply(ax)
    ax.set_title(f"best feasible {short_label(first.name)} ({first.goal})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if not data.observations:
        note(ax, "no evaluations yet")
        return
    numbered = [(i, o) for i, o in enumerate(data.observations, start=1) if not o.failed and first.name in o.values]
    for metal in data.metals:
        for ok in (True, False):
            group = [(i, o) for i, o in numbered if metal == o.composition.M and o.feasible(data.problem) == ok]
            if group:
                _points(ax, data, first.name, group, metal, ok)
    best, running = -np.inf, []
    for _, obs in numbered:
        if obs.feasible(data.problem):
            best = max(best, first.sign * obs.values[first.name])
        running.append(first.sign * best if np.isfinite(best) else np.nan)
    n = len(data.observations)
    if np.isfinite(best):
        steps = [i for i, _ in numbered] + [n]  # carry the best to the last evaluation, even a failed one
        ax.step(steps, spec.values([*running, running[-1]]), where="post", color="black", linewidth=1.5,
                label="best feasible so far")
    else:
        note(ax, "no feasible point yet")
    failed_rug(ax, [i for i, o in enumerate(data.observations, start=1) if o.failed])
    reference_levels(ax, data, first.name)
    ax.set_xlim(0.5, n + 0.5)  # the failure marks do not widen the axis by themselves


def _points(ax: Axes, data: CampaignSnapshot, name: str, group: list[tuple[int, Observation]], metal: str,
            ok: bool) -> None:
    """One metal's feasible (filled) or infeasible (hollow) evaluations, with ±1σ bars when reported."""
    spec, color = axis_of(data, name), metal_color(metal)
    x = [i for i, _ in group]
    values = [o.values[name] for _, o in group]
    if any(name in o.std for _, o in group):
        ax.errorbar(x, spec.values(values), yerr=spec.errors(values, [o.std.get(name, 0.0) for _, o in group]),
                    fmt="none", ecolor=color, alpha=0.35, linewidth=0.8)
    ax.scatter(x, spec.values(values), s=24, facecolor=color if ok else "none", edgecolor=color, zorder=3,
               label=f"{metal}, {'feasible' if ok else 'infeasible'}")


def _hypervolume_curve(ax: Axes, data: CampaignSnapshot) -> None:
    problem = data.problem
    unit = " × ".join(pretty_unit(data.units.get(o.name, ""), data.metals) for o in problem.objectives)
    ax.set_xlabel(EVALUATIONS)
    ax.set_ylabel(f"dominated hypervolume [{unit}]")
    ax.set_title("hypervolume of the feasible objectives")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ok = data.feasible()
    if not ok:
        ax.set_xlim(0.5, max(len(data.observations), 1) + 0.5)
        note(ax, "no feasible point yet")
        return
    points = objective_matrix(ok, problem)
    span = np.ptp(points, axis=0)
    ref = points.min(axis=0) - 0.1 * np.where(span > 0, span, 1.0)
    n = len(data.observations)
    volumes = [hypervolume(data.observations[:k], problem, ref) for k in range(1, n + 1)]
    ax.step(range(1, n + 1), volumes, where="post", color="black", linewidth=1.5)
    ax.set_xlim(0.5, n + 0.5)
    names = ", ".join(short_label(o.name) for o in problem.objectives)
    # Bottom right stays empty: the hypervolume only grows.
    ax.text(0.98, 0.03, f"objectives: {names}\n(in the stored units, log10 for σ);\nreference point: worst feasible "
            "value − 10 % of its range", transform=ax.transAxes, va="bottom", ha="right", fontsize=7,
            color="dimgray")


def pareto_plot(data: CampaignSnapshot, *, models: Mapping[str, OutputModel] | None = None) -> Figure:
    """The objectives against each other: feasible, infeasible, the Pareto front, pending candidates
    (at the GP's prediction), failures and the reference study's glasses.

    With one objective it is drawn against the first constrained output (or O/Al)."""
    names = [o.name for o in data.problem.objectives]
    if len(names) == 1:
        others = [c.output for c in data.problem.constraints if c.output != names[0]]
        pairs = [(others[0] if others else "o_al", names[0])]
    else:
        pairs = list(combinations(names, 2))[:3]
    if data.pending and models is None:
        models = fit_outputs(data.observations, data.problem)
    fig, axes = new_figure(1, len(pairs), width=6.4 if len(pairs) == 1 else 5.2, height=5.0)
    for ax, (x, y) in zip(axes, pairs):
        _objective_scatter(ax, data, x, y, models or {}, front_line=len(names) == 2)
    extra = []
    if data.failed():
        extra.append(proxy(f"{len(data.failed())} failed (no values; not shown)", **_marker(FAILED_STYLE)))
    outside_legend(fig, axes, extra)
    title = ", ".join(f"{o.goal} {short_label(o.name)}" for o in data.problem.objectives)
    constraints = "; ".join(constraint_text(c, data.units, data.metals) for c in data.problem.constraints)
    fig.suptitle(f"{data.name}: objectives ({title})" + (f"\nsubject to {constraints}" if constraints else ""))
    return fig


def _marker(style: dict[str, object]) -> dict[str, object]:
    return {"marker": style["marker"], "color": style["color"]}


def _objective_scatter(ax: Axes, data: CampaignSnapshot, x: str, y: str, models: Mapping[str, OutputModel],
                       *, front_line: bool) -> None:
    xs, ys = axis_of(data, x), axis_of(data, y)
    xs.apply(ax, "x")
    ys.apply(ax, "y")
    front = data.pareto_ids()
    shown = [o for o in data.complete() if value_of(o, x) is not None and value_of(o, y) is not None]
    for metal in data.metals:
        for ok in (True, False):
            group = [o for o in shown if metal == o.composition.M and o.feasible(data.problem) == ok]
            if group:
                _pairs(ax, data, x, y, group, metal, ok)
    on_front = sorted((o for o in shown if o.candidate_id in front), key=lambda o: float(value_of(o, x) or 0.0))
    if on_front:
        fx = xs.values([float(value_of(o, x) or 0.0) for o in on_front])
        fy = ys.values([float(value_of(o, y) or 0.0) for o in on_front])
        ax.scatter(fx, fy, s=90, facecolor="none", edgecolor="black", linewidth=1.3, zorder=4,
                   label="Pareto front (feasible, non-dominated)" if front_line or len(front) > 1 else "best feasible")
        if front_line:
            ax.plot(fx, fy, color="black", linewidth=0.8, linestyle="-", zorder=2)
    _pending(ax, data, x, y, models)
    if not shown:
        note(ax, "no complete evaluation yet")
    elif not front:
        note(ax, "no feasible point yet")
    reference_marks(ax, data, x, y)
    better_arrow(ax, goal_of(data, x), goal_of(data, y))
    for name, which in ((x, "x"), (y, "y")):
        constraint_lines(ax, data, name, which)


def _pairs(ax: Axes, data: CampaignSnapshot, x: str, y: str, group: list[Observation], metal: str, ok: bool) -> None:
    """One metal's feasible (filled) or infeasible (hollow) points in (x, y), with ±1σ bars when reported."""
    xs, ys, color = axis_of(data, x), axis_of(data, y), metal_color(metal)
    vx = [float(value_of(o, x) or 0.0) for o in group]
    vy = [float(value_of(o, y) or 0.0) for o in group]
    ex = xs.errors(vx, [o.std.get(x, 0.0) for o in group]) if any(x in o.std for o in group) else None
    ey = ys.errors(vy, [o.std.get(y, 0.0) for o in group]) if any(y in o.std for o in group) else None
    if ex is not None or ey is not None:
        ax.errorbar(xs.values(vx), ys.values(vy), xerr=ex, yerr=ey, fmt="none", ecolor=color, alpha=0.35,
                    linewidth=0.8)
    ax.scatter(xs.values(vx), ys.values(vy), s=30, facecolor=color if ok else "none", edgecolor=color, zorder=3,
               label=f"{metal}, {'feasible' if ok else 'infeasible'}")


def _pending(ax: Axes, data: CampaignSnapshot, x: str, y: str, models: Mapping[str, OutputModel]) -> None:
    if not data.pending:
        return
    comps = [c for _, c in data.pending]
    coords: list[tuple[np.ndarray, np.ndarray | None]] = []
    for name in (x, y):
        spec = axis_of(data, name)
        if name not in models and value_of_input(name) is None:
            ax.scatter([], [], marker="D", facecolor="none", edgecolor="black",
                       label=f"{len(comps)} pending (no model yet: not placed)")
            return
        if name in models:
            mean, std = models[name].predict(comps)
            coords.append((spec.values(mean), spec.errors(mean, std)))
        else:
            coords.append((np.array([getattr(c, name) for c in comps]), None))
    (px, ex), (py, ey) = coords
    ax.errorbar(px, py, xerr=ex, yerr=ey, fmt="D", markersize=6, markerfacecolor="white", color="black",
                linewidth=0.8, alpha=0.8, zorder=5, label="pending (GP prediction ± 1σ)")


def value_of_input(name: str) -> str | None:
    return name if name in ("m_al", "o_al", "s_al") else None

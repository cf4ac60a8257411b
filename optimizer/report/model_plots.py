"""Figures that need a surrogate: GP slices along O/Al, and leave-one-out calibration."""

from __future__ import annotations

import math
from typing import Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from oracles import Composition, CompositionError

from ..analysis import best_feasible
from ..snapshot import CampaignSnapshot
from .draw import constraint_lines, failed_rug, metal_color, new_figure, note, outside_legend, reference_star
from .model import MIN_POINTS, OutputModel, fit_outputs, training_data
from .reference import references_with
from .style import INPUT_LABELS, pretty_unit, short_label
from .values import axis_of

GRID = 120


def _grid(n: int) -> tuple[int, int]:
    ncols = min(n, 3)
    return math.ceil(n / ncols), ncols


def _anchor(data: CampaignSnapshot) -> tuple[float, float, str]:
    """M/Al and S/Al of the slice: the best feasible point, else the best evaluated one, else the box centre."""
    best = best_feasible(data.observations, data.problem)
    if best is not None:
        c = best.observation.composition
        return c.m_al, c.s_al, f"best feasible: {c.formula}"
    first = data.problem.objectives[0]
    done = [o for o in data.observations if not o.failed and first.name in o.values]
    if done:
        c = max(done, key=lambda o: first.sign * o.values[first.name]).composition
        return c.m_al, c.s_al, f"best evaluated (none feasible): {c.formula}"
    space = data.problem.space
    return sum(space.m_al) / 2, sum(space.s_al) / 2, "centre of the search box (nothing evaluated)"


def slices_plot(data: CampaignSnapshot, *, models: Mapping[str, OutputModel] | None = None) -> Figure:
    """Each output against O/Al at fixed M, M/Al and S/Al: GP mean ± 2σ, with the observations."""
    outputs = list(data.problem.outputs)
    if models is None:
        models = fit_outputs(data.observations, data.problem)
    m_al, s_al, why = _anchor(data)
    nrows, ncols = _grid(len(outputs))
    fig, axes = new_figure(nrows, ncols, width=4.6, height=3.8)
    for ax, output in zip(axes, outputs):
        _slice(ax, data, output, models.get(output), m_al, s_al)
    for ax in axes[len(outputs):]:
        ax.set_visible(False)
    outside_legend(fig, axes)
    fig.suptitle(f"{data.name}: GP slices along O/Al at M/Al = {m_al:.3g}, S/Al = {s_al:.3g} ({why})")
    return fig


def _slice(ax: Axes, data: CampaignSnapshot, output: str, model: OutputModel | None, m_al: float, s_al: float) -> None:
    spec, space = axis_of(data, output), data.problem.space
    ax.set_xlabel(INPUT_LABELS["o_al"])
    spec.apply(ax)
    ax.set_title(short_label(output))
    o_high = min(space.o_al[1], (3.0 + m_al - space.min_cl_al) / 2.0 - s_al)  # keeps Cl/Al >= min_cl_al
    for metal in space.metals:
        color = metal_color(metal)
        if model is not None and o_high > space.o_al[0]:
            comps = []
            for o in np.linspace(space.o_al[0], o_high, GRID):
                try:
                    comps.append(Composition(metal, m_al, float(o), s_al))
                except CompositionError:
                    continue
            mean, std = model.predict(comps)
            o_vals = [c.o_al for c in comps]
            ax.plot(o_vals, spec.values(mean), color=color, linewidth=1.6, label=f"{metal}: GP mean")
            ax.fill_between(o_vals, spec.values(mean - 2 * std), spec.values(mean + 2 * std), color=color,
                            alpha=0.18, linewidth=0, label=f"{metal}: GP ± 2σ")
        _observations(ax, data, output, metal, m_al, s_al)
    failed_rug(ax, [o.composition.o_al for o in data.failed()])
    if model is None:
        n = len(training_data(data.observations, output))
        note(ax, f"no model: {n} successful evaluation(s),\nat least {MIN_POINTS} needed")
    for ref in references_with(output):
        reference_star(ax, ref, [ref.o_al], list(spec.values([ref.values[output]])))
    if space.o_al[1] > space.o_al[0]:
        ax.set_xlim(*space.o_al)
    constraint_lines(ax, data, output)


def _observations(ax: Axes, data: CampaignSnapshot, output: str, metal: str, m_al: float, s_al: float) -> None:
    """Observed points of ``metal``, more transparent the farther they lie from the slice."""
    space = data.problem.space
    obs = [o for o in training_data(data.observations, output) if metal == o.composition.M]
    if not obs:
        return
    m_span = (space.m_al[1] - space.m_al[0]) or 1.0
    s_span = (space.s_al[1] - space.s_al[0]) or 1.0
    dist = np.array([math.hypot((o.composition.m_al - m_al) / m_span, (o.composition.s_al - s_al) / s_span)
                     for o in obs])
    alpha = np.clip(1.0 - dist / 0.5, 0.25, 1.0)
    spec = axis_of(data, output)
    x = [o.composition.o_al for o in obs]
    values = [o.values[output] for o in obs]
    if any(output in o.std for o in obs):
        ax.errorbar(x, spec.values(values), yerr=spec.errors(values, [o.std.get(output, 0.0) for o in obs]),
                    fmt="none", ecolor=metal_color(metal), alpha=0.3, linewidth=0.8)
    colors = [to_rgba(metal_color(metal), float(a)) for a in alpha]
    edges = [to_rgba("black", float(a)) for a in alpha]
    ax.scatter(x, spec.values(values), s=22, color=colors, edgecolors=edges, linewidth=0.4, zorder=3,
               label=f"{metal}: observed (faded = far from slice)")


def calibration_plot(data: CampaignSnapshot, *, models: Mapping[str, OutputModel] | None = None) -> Figure:
    """Leave-one-out GP prediction against the observed value, per output, with ±1σ error bars."""
    outputs = list(data.problem.outputs)
    if models is None:
        models = fit_outputs(data.observations, data.problem)
    nrows, ncols = _grid(len(outputs))
    fig, axes = new_figure(nrows, ncols, width=4.4, height=4.2)
    for ax, output in zip(axes, outputs):
        _calibration(ax, data, output, models.get(output))
    for ax in axes[len(outputs):]:
        ax.set_visible(False)
    outside_legend(fig, axes)
    fig.suptitle(f"{data.name}: surrogate calibration (LOO = leave-one-out prediction, hyperparameters fixed)")
    return fig


def _calibration(ax: Axes, data: CampaignSnapshot, output: str, model: OutputModel | None) -> None:
    spec = axis_of(data, output)
    spec.apply(ax, "x")
    spec.apply(ax, "y")
    ax.set_xlabel(f"observed {ax.get_xlabel()}")
    ax.set_ylabel(f"predicted (LOO) {ax.get_ylabel()}")
    ax.set_title(short_label(output))
    train = training_data(data.observations, output)
    if model is None:
        note(ax, f"no model: {len(train)} successful evaluation(s),\nat least {MIN_POINTS} needed")
        return
    mean, std = model.loo()
    observed = np.array([o.values[output] for o in train])
    obs_std = np.array([o.std.get(output, 0.0) for o in train])
    colors = [metal_color(o.composition.M) for o in train]
    ax.errorbar(spec.values(observed), spec.values(mean), yerr=spec.errors(mean, std),
                xerr=spec.errors(observed, obs_std), fmt="none", ecolor="gray", alpha=0.6, linewidth=0.8,
                label="±1σ (prediction; measurement)")
    for metal in [m for m in data.metals if any(m == o.composition.M for o in train)]:
        idx = [i for i, o in enumerate(train) if metal == o.composition.M]
        ax.scatter(spec.values(observed[idx]), spec.values(mean[idx]), s=24, color=colors[idx[0]], zorder=3,
                   edgecolor="black", linewidth=0.4, label=f"{metal} glasses")
    low, high = min(observed.min(), mean.min()), max(observed.max(), mean.max())
    pad = 0.05 * (high - low or 1.0)
    line = spec.values([low - pad, high + pad])
    ax.plot(line, line, color="black", linestyle="--", linewidth=0.8, label="ideal (predicted = observed)")
    ax.set_xlim(*line)
    ax.set_ylim(*line)
    ax.set_box_aspect(1)
    rmse = float(np.sqrt(np.mean((mean - observed) ** 2)))
    within = float(np.mean(np.abs(mean - observed) <= 2 * std)) * 100
    unit = data.units.get(output, "")
    unit = f"decades ({unit})" if spec.log else pretty_unit(unit, data.metals)
    ax.text(0.03, 0.97, f"n = {len(train)}\nRMSE = {rmse:.3g} {unit}\n"
            f"within ±2σ: {within:.0f} % (ideal ≈ 95 %)", transform=ax.transAxes, va="top", fontsize=8,
            bbox={"facecolor": "white", "edgecolor": "lightgray", "alpha": 0.9})

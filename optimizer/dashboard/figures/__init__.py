"""Interactive figures for the dashboard, as Plotly.js JSON (drawn in the page by the Plotly.js that ships
inside the ``plotly`` Python package; nothing is fetched from the internet).

>>> figures = FIGURES["objectives"].build(snapshot, models)   # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from ...report.model import OutputModel
from ...snapshot import CampaignSnapshot
from .objectives import objective_figures
from .slices import slice_figures
from .traces import Figure


@dataclass(frozen=True)
class FigureSet:
    """A group of figures on the overview: its heading, what it shows, and how it is built."""

    title: str
    hint: str
    build: Callable[[CampaignSnapshot, Mapping[str, OutputModel]], list[Figure]]


FIGURES: dict[str, FigureSet] = {
    "objectives": FigureSet(
        "Objectives and Pareto front",
        "Filled: feasible; hollow: violates a constraint; ringed: Pareto front; diamonds: pending candidates at "
        "the model's prediction ± 1σ; stars: the reference study's glasses. Drag to zoom, double-click to reset, "
        "hover a point for every source's value.",
        objective_figures),
    "slices": FigureSet(
        "Model slices along O/Al",
        "Line: the Gaussian-process mean; band: ± 2σ; points: observations, fainter the farther they lie from the "
        "slice; ×: failed candidates at their O/Al. Drag to zoom, double-click to reset.",
        slice_figures),
}

__all__ = ["FIGURES", "Figure", "FigureSet"]

"""Plots rendered on request, cached until the campaign's data change."""

from __future__ import annotations

import threading
from collections import OrderedDict

from matplotlib.figure import Figure

from ..report import png_bytes
from ..report.model import OutputModel, fit_outputs
from ..report.plots import calibration_plot, pareto_plot, progress_plot, slices_plot
from ..snapshot import CampaignSnapshot

#: Plot name -> title, in page order.
PLOTS: dict[str, str] = {
    "progress": "Progress",
    "pareto": "Objectives and Pareto front",
    "slices": "Model slices along O/Al",
    "calibration": "Surrogate calibration (leave-one-out)",
}


class PlotCache:
    """PNG bytes per (plot, data fingerprint); the GPs are fitted once per fingerprint."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._pngs: OrderedDict[tuple[str, int], bytes] = OrderedDict()
        self._models: OrderedDict[int, dict[str, OutputModel]] = OrderedDict()
        # Rendering is serialised: GP fits are CPU-bound, and one at a time keeps a busy machine usable.
        self._lock = threading.Lock()

    def png(self, name: str, data: CampaignSnapshot) -> bytes:
        key = (name, data.fingerprint())
        with self._lock:
            if key not in self._pngs:
                self._pngs[key] = png_bytes(self._figure(name, data))
                while len(self._pngs) > self.size:
                    self._pngs.popitem(last=False)
            return self._pngs[key]

    def _figure(self, name: str, data: CampaignSnapshot) -> Figure:
        if name == "progress":
            return progress_plot(data)
        models = self._fitted(data)
        if name == "pareto":
            return pareto_plot(data, models=models)
        if name == "slices":
            return slices_plot(data, models=models)
        return calibration_plot(data, models=models)

    def _fitted(self, data: CampaignSnapshot) -> dict[str, OutputModel]:
        key = data.fingerprint()
        if key not in self._models:
            self._models[key] = fit_outputs(data.observations, data.problem)
            while len(self._models) > 2:
                self._models.popitem(last=False)
        return self._models[key]

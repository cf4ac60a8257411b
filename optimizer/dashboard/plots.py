"""Plots drawn on request and cached until the campaign's data change: the report's PNG figures and the
interactive figures (`figures`), both from one GP fit per data version (`optimizer.report.model.fit_outputs`,
the campaign's one GP pipeline)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..snapshot import CampaignSnapshot

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..report.model import OutputModel

#: PNG plot name -> title, in page order (the report's figures).
PLOTS: dict[str, str] = {
    "progress": "Progress",
    "pareto": "Objectives and Pareto front",
    "slices": "Model slices along O/Al",
    "calibration": "Surrogate calibration (leave-one-out)",
}


def data_version(data: CampaignSnapshot) -> int:
    """Changes whenever anything a plot shows changes (the snapshot's fingerprint covers every source's
    values, which hover texts list, and failure and withdrawal reasons)."""
    return data.fingerprint()


class PlotCache:
    """PNG bytes and figure JSON per (plot, data version); the GPs are fitted once per data version."""

    def __init__(self, *, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._models: OrderedDict[int, dict[str, OutputModel]] = OrderedDict()
        # Rendering is serialised: GP fits are CPU-bound, and one at a time keeps a busy machine usable.
        self._lock = threading.Lock()

    def png(self, name: str, data: CampaignSnapshot) -> bytes:
        from ..report import png_bytes

        return self._cached(f"png:{name}", data, lambda: png_bytes(self._figure(name, data)))

    def figures(self, name: str, data: CampaignSnapshot) -> list[dict[str, Any]]:
        """The interactive figures of ``name`` (a key of `figures.FIGURES`) as Plotly JSON."""
        from .figures import FIGURES

        return self._cached(f"json:{name}", data, lambda: FIGURES[name].build(data, self._fitted(data)))

    def _cached(self, key: str, data: CampaignSnapshot, make: Any) -> Any:
        full = (key, data_version(data))
        with self._lock:
            if full not in self._items:
                self._items[full] = make()
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            return self._items[full]

    def _figure(self, name: str, data: CampaignSnapshot) -> Figure:
        from ..report.plots import calibration_plot, pareto_plot, progress_plot, slices_plot

        if name == "progress":
            return progress_plot(data)
        models = self._fitted(data)
        if name == "pareto":
            return pareto_plot(data, models=models)
        if name == "slices":
            return slices_plot(data, models=models)
        return calibration_plot(data, models=models)

    def _fitted(self, data: CampaignSnapshot) -> dict[str, OutputModel]:
        """Called with the lock held."""
        from ..report.model import fit_outputs

        key = data_version(data)
        if key not in self._models:
            self._models[key] = fit_outputs(data.observations, data.problem)
            while len(self._models) > 2:
                self._models.popitem(last=False)
        return self._models[key]

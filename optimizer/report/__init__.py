"""Reports: plots of a campaign snapshot (matplotlib Figures), a self-contained HTML report, a notebook summary.

>>> from optimizer.report import write_report, plots   # doctest: +SKIP
>>> write_report(campaign.snapshot(), Path("report"))   # doctest: +SKIP
>>> plots.pareto_plot(campaign.snapshot())             # doctest: +SKIP  (a Figure; notebooks show it)

Importing this package loads neither torch nor the GP code: `figures` fits the models when called.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..snapshot import CampaignSnapshot
from .summary import summary_html
from .tables import top_candidates

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["figures", "png_bytes", "summary_html", "top_candidates", "write_report"]
DPI = 110


def figures(data: CampaignSnapshot) -> dict[str, Figure]:
    """Every report figure by name, sharing one set of fitted surrogates."""
    from . import model_plots, plots
    from .model import fit_outputs

    models = fit_outputs(data.observations, data.problem)
    return {
        "progress": plots.progress_plot(data),
        "pareto": plots.pareto_plot(data, models=models),
        "slices": model_plots.slices_plot(data, models=models),
        "calibration": model_plots.calibration_plot(data, models=models),
    }


def png_bytes(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def write_report(data: CampaignSnapshot, out_dir: Path) -> list[Path]:
    """Write ``report.html`` (self-contained) and one PNG per plot into ``out_dir``; return their paths,
    the HTML first."""
    from .html import render_report

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images: dict[str, bytes] = {}
    paths: list[Path] = []
    for name, fig in figures(data).items():
        images[name] = png_bytes(fig)
        path = out_dir / f"{name}.png"
        path.write_bytes(images[name])
        paths.append(path)
    html_path = out_dir / "report.html"
    html_path.write_text(render_report(data, images, budget=data.budget), encoding="utf-8")
    return [html_path, *paths]

"""`viglas report` and the plotting functions, on the synthetic landscape (sobol: no BO engine needed)."""

from __future__ import annotations

from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from optimizer.campaign import Campaign
from optimizer.cli import main
from optimizer.modelling import fit_output
from optimizer.report import model_plots, plots, summary_html
from optimizer.report.model import training_data
from optimizer.report.reference import LACO75, NACO75, references_with
from optimizer.report.style import axis_for
from optimizer.snapshot import CampaignSnapshot
from tests.campaign_helpers import write_campaign


class _TableCells(HTMLParser):
    """Collects ``data-id`` rows of the top-candidates table: formula text and ``data-value`` cells."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, dict[str, object]] = {}
        self._row: int | None = None
        self._formula = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-id"):
            self._row = int(a["data-id"] or 0)
            self.rows[self._row] = {}
        elif tag == "td" and self._row is not None:
            if a.get("data-output"):
                self.rows[self._row][str(a["data-output"])] = float(a["data-value"] or "nan")
            self._formula = a.get("class") == "formula"

    def handle_data(self, data: str) -> None:
        if self._formula and self._row is not None:
            self.rows[self._row]["formula"] = data
            self._formula = False


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 8-candidate campaign with two pending candidates and a few failures (no glass)."""
    path = write_campaign(tmp_path_factory.mktemp("report"), loop={"initial": 4, "batch_size": 2, "budget": 10})
    campaign = Campaign.from_yaml(path)
    campaign.run(8)
    campaign.ask(2)
    campaign.close()
    return path


@pytest.fixture(scope="module")
def report_dir(finished: Path) -> Path:
    assert main(["-q", "report", str(finished)]) == 0
    return finished.parent / "t-report"  # the default: <campaign folder>/<name>-report


def test_report_writes_html_and_plots(report_dir: Path) -> None:
    pngs = sorted(report_dir.glob("*.png"))
    assert len(pngs) >= 4
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000, png
    html = (report_dir / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(pngs)
    assert "src='http" not in html and 'src="http' not in html  # self-contained
    assert "Top candidates" in html and "LACO75" in html


def test_top_table_matches_store(finished: Path, report_dir: Path) -> None:
    parser = _TableCells()
    parser.feed((report_dir / "report.html").read_text())
    assert parser.rows
    campaign = Campaign.from_yaml(finished)
    frame = campaign.to_dataframe().set_index("id")
    for cid, cells in parser.rows.items():
        assert cells.pop("formula") == frame.loc[cid, "formula"]
        assert frame.loc[cid, "state"] == "done"
        for output, value in cells.items():
            assert value == frame.loc[cid, output], (cid, output)
    campaign.close()


def test_summary_html_for_notebooks(finished: Path) -> None:
    campaign = Campaign.from_yaml(finished)
    text = summary_html(campaign.snapshot())
    assert "Campaign t" in text and "2</b> pending" in text and "<table" in text
    campaign.close()


def _labelled(fig: Figure) -> None:
    """Every visible axis names its quantity with a unit in brackets."""
    for ax in fig.axes:
        if ax.get_visible():
            assert "[" in ax.get_xlabel() and "[" in ax.get_ylabel(), (ax.get_xlabel(), ax.get_ylabel())


def _all_figures(data: CampaignSnapshot) -> list[Figure]:
    return [plots.progress_plot(data), plots.pareto_plot(data), model_plots.slices_plot(data),
            model_plots.calibration_plot(data)]


def test_plots_from_campaign_have_units_and_log_conductivity(finished: Path) -> None:
    data = Campaign.from_yaml(finished).snapshot()
    figs = _all_figures(data)
    for fig in figs:
        assert isinstance(fig, Figure)
        _labelled(fig)
    assert figs[0].axes[0].get_yscale() == "log"  # sigma on a log axis, in S/cm
    assert figs[0].axes[0].get_ylabel() == "σ(30 °C) [S/cm]"


@pytest.mark.parametrize("case", ["three_points", "no_feasible", "single_objective", "nothing_yet"])
def test_plots_handle_sparse_campaigns(tmp_path: Path, case: str) -> None:
    changes: dict[str, object] = {
        "three_points": {"loop": {"initial": 3, "batch_size": 3, "budget": 3}},
        "no_feasible": {"constraints": ["oxidation_V >= 9.0"], "loop": {"initial": 4, "batch_size": 2, "budget": 4}},
        "single_objective": {"objectives": [{"name": "tg_C", "goal": "minimize"}],
                             "loop": {"initial": 5, "batch_size": 1, "budget": 5}},
        "nothing_yet": {},
    }[case]
    campaign = Campaign.from_yaml(write_campaign(tmp_path, **changes))  # type: ignore[arg-type]
    if case != "nothing_yet":
        campaign.run()
    campaign.ask(1)
    for fig in _all_figures(campaign.snapshot()):
        _labelled(fig)
        fig.savefig(tmp_path / "check.png")  # draws every artist
    campaign.close()


def test_axis_labels_and_units() -> None:
    sigma = axis_for("log10_sigma_30C", "log10(S/cm)")
    assert sigma.label == "σ(30 °C) [S/cm]" and sigma.log
    assert np.allclose(sigma.values([-3.0]), [1e-3])
    lower, upper = sigma.errors([-3.0], [1.0])
    assert np.allclose([lower[0], upper[0]], [9e-4, 9e-3])  # asymmetric on a log axis
    assert axis_for("tg_C", "degC").label.endswith("[°C]")
    assert "Li/Li" in axis_for("oxidation_V", "V vs M/M+", ["Li"]).label


def test_reference_values_carry_only_what_the_study_reports() -> None:
    assert LACO75.values["log10_sigma_30C"] == pytest.approx(-2.82, abs=0.01)
    assert "log10_sigma_30C" not in NACO75.values  # never invented
    assert references_with("log10_sigma_30C", "tg_C") == [LACO75]


def test_loo_matches_refitting_without_each_point(finished: Path) -> None:
    """The closed-form leave-one-out equals conditioning on the other points (same hyperparameters)."""
    campaign = Campaign.from_yaml(finished)
    obs = campaign.observations()
    model = fit_output(campaign.problem, obs, "tg_C")
    assert model is not None
    mean, std = (t[:, 0] for t in model.loo())
    gp = model.single_model()
    x, y = gp.train_inputs[0], gp.train_targets
    with torch.no_grad():
        k = gp.covar_module(x).to_dense() + torch.diag(gp.likelihood.noise.reshape(-1).expand(len(y)))
        mu = gp.mean_module(x)
        i, rest = 0, list(range(1, len(y)))
        weights = torch.linalg.solve(k[rest][:, rest], k[rest, i])
        expected_mean = mu[i] + weights @ (y[rest] - mu[rest])
        expected_var = k[i, i] - weights @ k[rest, i]
    scale = gp.outcome_transform.stdvs.item()  # type: ignore[union-attr]
    offset = gp.outcome_transform.means.item()  # type: ignore[union-attr]
    assert mean[0] == pytest.approx(expected_mean.item() * scale + offset, rel=1e-6)
    assert std[0] == pytest.approx(expected_var.sqrt().item() * scale, rel=1e-6)
    assert len(mean) == len(training_data(obs, "tg_C"))
    campaign.close()


def test_plain_data_without_a_campaign(finished: Path) -> None:
    """Notebook users can pass a snapshot they changed (here: without the pending candidates)."""
    snapshot = Campaign.from_yaml(finished).snapshot()
    data = replace(snapshot, records=tuple(r for r in snapshot.records if r.state != "pending"))
    assert not data.pending and isinstance(plots.pareto_plot(data), Figure)

"""The interactive figures' JSON: units on every axis, conductivity on a log S/cm axis, hover texts with every
source's value ± std and the merged one marked, pending candidates at the model's prediction, finite numbers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optimizer.campaign import Campaign
from optimizer.dashboard.figures.traces import plain
from tests.optimizer.test_dashboard import Site, make_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    found = make_site(tmp_path_factory.mktemp("figures"))
    campaign = Campaign.from_yaml(found.path)
    campaign.tell(found.done[0], {"tg_C": -30.0}, std={"tg_C": 1.5})  # the lab on top of the simulation
    campaign.close()
    return found


def _figures(site: Site, name: str) -> list[dict[str, Any]]:
    response = site.client.get(f"/api/figures/{name}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the figure JSON"))  # NaN is not JSON
    return list(response.get_json()["figures"])


def _points(figure: dict[str, Any]) -> dict[int, str]:
    """candidate id -> hover text, over every trace that names candidates."""
    return {cid: text for trace in figure["data"] for cid, text in zip(trace.get("customdata", []),
                                                                       trace.get("hovertext", []))}


def test_objective_figure_axes_and_hover(site: Site) -> None:
    (figure,) = _figures(site, "objectives")  # two objectives: one pair
    layout = figure["layout"]
    assert layout["xaxis"]["title"]["text"] == "σ(30 °C) [S/cm]" and layout["xaxis"]["type"] == "log"
    assert layout["yaxis"]["title"]["text"] == "T<sub>g</sub> [°C]" and layout["yaxis"]["type"] == "linear"
    hovers = _points(figure)
    lab = hovers[site.done[0]]
    assert "<b>▶ manual: -30 ± 1.5 (used)</b>" in lab  # the lab's value is the one the optimiser uses
    assert "· synthetic-glass: " in lab and "state: <b>done</b>" in lab
    assert "(= " in lab and " S/cm)" in lab  # log10 values also in S/cm
    pending = [hovers[i] for i in site.pending]
    assert all("GP prediction" in text and "state: <b>pending</b>" in text for text in pending)
    names = [t["name"] for t in figure["data"]]
    assert "pending (GP prediction ± 1σ)" in names and any(n.startswith("LACO75") for n in names)
    x = next(t for t in figure["data"] if t["name"].startswith("Li, "))
    assert all(v is None or v > 0 for v in x["x"])  # σ in S/cm, not log10


def test_slice_figures_one_per_output_with_failures(site: Site) -> None:
    figures = _figures(site, "slices")
    assert [f["id"] for f in figures] == ["slice-log10_sigma_30C", "slice-tg_C", "slice-oxidation_V"]
    sigma, _, oxidation = figures
    assert sigma["layout"]["xaxis"]["title"]["text"] == "O/Al [mol/mol]"
    assert sigma["layout"]["yaxis"]["type"] == "log"
    assert oxidation["layout"]["yaxis"]["title"]["text"] == "oxidation onset [V vs M/M<sup>+</sup>]"
    assert oxidation["layout"]["shapes"][0]["y0"] == 3.8  # the constraint bound, dashed
    failed = [t for t in sigma["data"] if t["name"] == "failed (no values)"]
    assert failed and failed[0]["yaxis"] == "y2" and "no glass forms (O/Al=" in failed[0]["hovertext"][0]
    means = [t for t in sigma["data"] if t["name"].endswith("GP mean")]
    assert means and all(len(t["x"]) == len(t["hovertext"]) > 10 for t in means)


def test_unknown_figure_is_404(site: Site) -> None:
    response = site.client.get("/api/figures/everything")
    assert response.status_code == 404 and "objectives, slices" in response.get_json()["error"]


def test_mathtext_becomes_plotly_text() -> None:
    assert plain("$T_g$ [°C]") == "T<sub>g</sub> [°C]"
    assert plain("V vs Li/Li$^+$") == "V vs Li/Li<sup>+</sup>"
    assert plain("σ(30 °C) [S/cm]") == "σ(30 °C) [S/cm]"


def test_empty_campaign_draws_notes_not_errors(tmp_path: Path) -> None:
    from optimizer.dashboard import create_app
    from tests.campaign_helpers import write_campaign

    client = create_app(write_campaign(tmp_path)).test_client()
    (figure,) = client.get("/api/figures/objectives").get_json()["figures"]
    assert "no complete evaluation yet" in json.dumps(figure["layout"]["annotations"])
    slices = client.get("/api/figures/slices").get_json()["figures"]
    assert all("no model" in json.dumps(f["layout"]["annotations"]) for f in slices)
    assert client.get("/").status_code == 200 and client.get("/candidates").status_code == 200

"""The dashboard's routes through Flask's test client (the browser test is in tests/e2e)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from optimizer.campaign import Campaign
from optimizer.dashboard import create_app
from tests.campaign_helpers import write_campaign

GOOD = {"value-log10_sigma_30C": "-3.1", "value-tg_C": "-20", "value-oxidation_V": "3.9", "std-tg_C": "2"}


@pytest.fixture()
def setup(tmp_path: Path) -> tuple[Path, FlaskClient, list[int]]:
    path = write_campaign(tmp_path, loop={"initial": 4, "batch_size": 2, "budget": 6})
    campaign = Campaign.from_yaml(path)
    campaign.run(4)
    ids = [c.id for c in campaign.ask(2)]
    campaign.close()
    return path, create_app(path).test_client(), ids


def _results(path: Path, cid: int) -> dict[str, float]:
    campaign = Campaign.from_yaml(path)
    found = {r.output: r.value for r in campaign.store.results() if r.candidate_id == cid}
    campaign.close()
    return found


def test_pages_and_progress_plot(setup: tuple[Path, FlaskClient, list[int]]) -> None:
    _, client, ids = setup
    page = client.get("/").get_data(as_text=True)
    assert "Top candidates" in page and "/plots/progress.png" in page
    pending = client.get("/pending").get_data(as_text=True)
    assert all(f'id="candidate-{i}"' in pending for i in ids) and "log10(S/cm)" in pending
    png = client.get("/plots/progress.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    assert client.get("/plots/nonsense.png").status_code == 404


def test_form_entry_stores_and_bad_entry_changes_nothing(setup: tuple[Path, FlaskClient, list[int]]) -> None:
    path, client, (first, second) = setup
    response = client.post(f"/candidates/{first}/results", data=GOOD)
    assert response.status_code == 302
    assert _results(path, first) == {"log10_sigma_30C": -3.1, "tg_C": -20.0, "oxidation_V": 3.9}
    bad = client.post(f"/candidates/{second}/results", data={**GOOD, "value-tg_C": "-500"})
    assert bad.status_code == 400 and "not physically possible" in bad.get_data(as_text=True)
    words = client.post(f"/candidates/{second}/results", data={**GOOD, "value-tg_C": "cold"})
    assert words.status_code == 400 and "is not a number" in words.get_data(as_text=True)
    again = client.post(f"/candidates/{first}/results", data=GOOD)  # already recorded, no replace
    assert again.status_code == 400 and "already has" in again.get_data(as_text=True)
    assert client.post("/candidates/999/results", data=GOOD).status_code == 400
    assert _results(path, second) == {}


def test_json_api(setup: tuple[Path, FlaskClient, list[int]]) -> None:
    path, client, (first, _) = setup
    pending = client.get("/api/candidates?state=pending").get_json()
    assert [c["id"] for c in pending] == sorted(c["id"] for c in pending) and first in [c["id"] for c in pending]
    bad = client.post(f"/api/candidates/{first}/results", json={"values": {"tg_C": "warm"}})
    assert bad.status_code == 400 and "finite number" in bad.get_json()["error"]
    assert client.post("/api/candidates/999/results", json={"values": {"tg_C": -20}}).status_code == 404
    ok = client.post(f"/api/candidates/{first}/results",
                     json={"values": {"log10_sigma_30C": -3.0, "tg_C": -21.0, "oxidation_V": 3.95}})
    assert ok.status_code == 200 and ok.get_json()["state"] == "done"
    assert client.get(f"/api/candidates/{first}").get_json()["values"]["tg_C"] == -21.0
    assert _results(path, first)["oxidation_V"] == 3.95

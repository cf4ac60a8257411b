"""The dashboard's pages, forms and JSON API through Flask's test client (safety rules: test_dashboard_security,
hostile input: test_dashboard_fuzz, the browser: tests/e2e/test_dashboard_browser)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from optimizer.campaign import Campaign
from optimizer.dashboard import create_app
from tests.campaign_helpers import write_campaign

GOOD = {"value-log10_sigma_30C": "-3.1", "value-tg_C": "-20", "value-oxidation_V": "3.9", "std-tg_C": "2"}


@dataclass
class Site:
    """A campaign with evaluated (some failed) and two pending candidates, and its dashboard's test client."""

    path: Path
    app: Flask
    client: FlaskClient
    pending: list[int]
    done: list[int]


def make_site(folder: Path, name: str = "t") -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    path = write_campaign(folder, name=f"{name}.yaml", store=f"{name}.sqlite",
                          loop={"initial": 6, "batch_size": 2, "budget": 8})
    path.write_text(path.read_text().replace("name: t\n", f"name: {name}\n", 1))
    campaign = Campaign.from_yaml(path)
    campaign.run(6)
    done = [r.id for r in campaign.snapshot().in_state("done")]
    pending = [c.id for c in campaign.ask(2)]
    campaign.close()
    app = create_app(path)
    return Site(path, app, app.test_client(), pending, done)


def guard_fields(client: FlaskClient) -> dict[str, str]:
    """The hidden fields a page's forms carry (token and campaign identity)."""
    session = client.get("/api/token").get_json()
    return {"csrf_token": session["token"], "campaign_id": session["campaign_id"], "campaign": session["campaign"]}


def api_headers(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/api/token").get_json()["token"]}


def stored(path: Path) -> tuple[Any, ...]:
    """Everything the store holds about the candidates: states, every source's values, failures, withdrawals."""
    campaign = Campaign.from_yaml(path)
    snap = campaign.snapshot()
    campaign.close()
    return tuple((r.id, r.state, repr(sorted((k, sorted(v.items())) for k, v in r.sources.items())), r.failures,
                  r.withdrawn_reason) for r in snap.records)


def record(path: Path, cid: int) -> Any:
    campaign = Campaign.from_yaml(path)
    found = campaign.snapshot().record(cid)
    campaign.close()
    return found


@pytest.fixture()
def site(tmp_path: Path) -> Site:
    return make_site(tmp_path)


def test_pages_link_local_scripts_and_plots(site: Site) -> None:
    client = site.client
    page = client.get("/").get_data(as_text=True)
    assert "Top candidates" in page and "/plots/progress.png" in page and "/plots/calibration.png" in page
    assert 'data-src="/api/figures/objectives"' in page and 'data-src="/api/figures/slices"' in page
    assert '<script src="/vendor/plotly.min.js">' in page and "http://" not in page and "https://" not in page
    pending = client.get("/pending").get_data(as_text=True)
    assert all(f'id="candidate-{i}"' in pending for i in site.pending) and "log10(S/cm)" in pending
    assert "T<sub>g</sub>" in pending and "°C" in pending and "degC" not in pending
    png = client.get("/plots/progress.png")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:4] == b"\x89PNG"
    assert client.get("/plots/nonsense.png").status_code == 404


def test_plotly_comes_from_the_installed_package(site: Site) -> None:
    from importlib import resources

    response = site.client.get("/vendor/plotly.min.js")
    shipped = (resources.files("plotly") / "package_data" / "plotly.min.js").read_bytes()
    assert response.status_code == 200 and response.mimetype == "text/javascript" and response.data == shipped
    assert response.cache_control.max_age and response.cache_control.max_age >= 3600
    response.close()  # the file stays open until the server (here: the test) closes the response


def test_result_form_stores_and_bad_entry_changes_nothing(site: Site) -> None:
    client, (first, second) = site.client, site.pending
    fields = guard_fields(client)
    response = client.post(f"/candidates/{first}/results", data={**GOOD, **fields})
    assert response.status_code == 303 and f"recorded={first}" in response.headers["Location"]
    assert "is done" in client.get(response.headers["Location"]).get_data(as_text=True)
    rec = record(site.path, first)
    assert rec.state == "done" and {k: v.value for k, v in rec.values.items()} == {
        "log10_sigma_30C": -3.1, "tg_C": -20.0, "oxidation_V": 3.9}
    before = stored(site.path)
    bad = client.post(f"/candidates/{second}/results", data={**GOOD, "value-tg_C": "-500", **fields})
    assert bad.status_code == 400 and "not physically possible" in bad.get_data(as_text=True)
    assert 'value="-500"' in bad.get_data(as_text=True)  # kept for correction
    comma = client.post(f"/candidates/{second}/results", data={**GOOD, "value-tg_C": "6,5", **fields})
    assert comma.status_code == 400 and "decimal point" in comma.get_data(as_text=True)
    again = client.post(f"/candidates/{first}/results", data={**GOOD, **fields})  # already recorded, no replace
    assert again.status_code == 400 and "already has" in again.get_data(as_text=True)
    assert client.post("/candidates/999/results", data={**GOOD, **fields}).status_code == 404
    assert stored(site.path) == before


def test_failure_and_withdrawal_forms(site: Site) -> None:
    client, (first, second) = site.client, site.pending
    fields = guard_fields(client)
    before = stored(site.path)
    empty = client.post(f"/candidates/{first}/failure", data={"reason": "   ", **fields})
    assert empty.status_code == 400 and "give a reason" in empty.get_data(as_text=True)
    assert stored(site.path) == before

    failed = client.post(f"/candidates/{first}/failure", data={"reason": "no glass formed (crystallised)", **fields})
    assert failed.status_code == 303
    assert "recorded as failed" in client.get(failed.headers["Location"]).get_data(as_text=True)
    rec = record(site.path, first)
    assert rec.state == "failed" and "no glass formed (crystallised)" in (rec.failure or "")

    withdrawn = client.post(f"/candidates/{second}/withdraw", data={"reason": "Li2S out of stock", **fields})
    assert withdrawn.status_code == 303
    assert "budget slot is free" in client.get(withdrawn.headers["Location"]).get_data(as_text=True)
    assert record(site.path, second).state == "withdrawn"
    assert record(site.path, second).withdrawn_reason == "Li2S out of stock"

    after = stored(site.path)
    done = site.done[0]
    late = client.post(f"/candidates/{done}/failure", data={"reason": "broke", **fields})
    assert late.status_code == 400 and "only a pending candidate" in late.get_data(as_text=True)
    assert client.post(f"/candidates/{done}/withdraw", data={"reason": "x", **fields}).status_code == 400
    assert client.post(f"/candidates/{second}/results", data={**GOOD, **fields}).status_code == 400  # withdrawn
    assert client.post("/candidates/999/withdraw", data={"reason": "x", **fields}).status_code == 404
    assert stored(site.path) == after


def test_json_api(site: Site) -> None:
    client, (first, second) = site.client, site.pending
    headers = api_headers(client)
    pending = client.get("/api/candidates?state=pending").get_json()
    assert sorted(c["id"] for c in pending) == sorted(site.pending)
    assert client.get("/api/candidates?state=finished").status_code == 400
    bad = client.post(f"/api/candidates/{first}/results", json={"values": {"tg_C": "warm"}}, headers=headers)
    assert bad.status_code == 400 and "finite number" in bad.get_json()["error"]
    unknown = client.post("/api/candidates/999/results", json={"values": {"tg_C": -20}}, headers=headers)
    assert unknown.status_code == 404 and unknown.get_json() == {"error": "no candidate with id 999"}
    assert client.post(f"/api/candidates/{first}/results?replace=maybe", json={"values": {"tg_C": -20}},
                       headers=headers).status_code == 400
    ok = client.post(f"/api/candidates/{first}/results",
                     json={"values": {"log10_sigma_30C": -3.0, "tg_C": -21.0, "oxidation_V": 3.95}}, headers=headers)
    assert ok.status_code == 200 and ok.get_json()["state"] == "done"
    shown = client.get(f"/api/candidates/{first}").get_json()
    assert shown["values"]["tg_C"] == -21.0 and shown["sources"]["manual"]["tg_C"]["value"] == -21.0
    again = client.post(f"/api/candidates/{first}/results?replace=1", json={"values": {"tg_C": -22.0}}, headers=headers)
    assert again.status_code == 200 and again.get_json()["values"]["tg_C"] == -22.0
    withdrawn = client.post(f"/api/candidates/{second}/withdraw", json={"reason": "unsafe"}, headers=headers)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawn"] == "unsafe"
    assert client.post(f"/api/candidates/{second}/failure", json={"reason": "x"}, headers=headers).status_code == 400
    assert client.post(f"/api/candidates/{second}/failure", json={"why": "x"}, headers=headers).status_code == 400


def test_api_failure_is_stored_as_failed(site: Site) -> None:
    first = site.pending[0]
    response = site.client.post(f"/api/candidates/{first}/failure", json={"reason": "hygroscopic, lost"},
                                headers=api_headers(site.client))
    assert response.status_code == 200 and response.get_json()["state"] == "failed"
    assert "hygroscopic, lost" in response.get_json()["failure"]


def test_candidates_table_has_every_candidate_sortable(site: Site) -> None:
    page = site.client.get("/candidates").get_data(as_text=True)
    everyone = [c["id"] for c in site.client.get("/api/candidates").get_json()]
    assert all(f'<tr data-id="{i}"' in page for i in everyone)
    assert page.count('data-type="number"') >= 8 and 'id="filter"' in page and 'id="state-filter"' in page
    assert "[log10(S/cm)]" in page and "[°C]" in page  # declared units in headers
    assert "σ(30 °C) [S/cm]" in page  # and conductivity in S/cm beside its log10
    assert 'data-state="failed"' in page  # the synthetic glass fails below O/Al = 0.2


def test_pending_page_says_why_a_candidate_was_proposed(tmp_path: Path) -> None:
    path = write_campaign(tmp_path, strategy="qlognehvi", loop={"initial": 6, "batch_size": 1, "budget": 7})
    campaign = Campaign.from_yaml(path)
    campaign.run(6)
    (cand,) = campaign.ask(1)
    why = campaign.snapshot().record(cand.id).proposal["why"]  # type: ignore[union-attr]
    campaign.close()
    page = create_app(path).test_client().get("/pending").get_data(as_text=True)
    assert f'id="why-{cand.id}"' in page and why.split(";")[0] in page and "(predicted " in page

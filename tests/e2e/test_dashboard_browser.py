"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright).

In CI (``CI=true``) a missing browser or Playwright is a failure, not a skip: `.ci/run` installs them.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from werkzeug.serving import make_server

from optimizer.campaign import Campaign
from optimizer.dashboard import create_app
from tests.campaign_helpers import write_campaign

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must run the browser test; .ci/run installs Chromium)")
    pytest.skip(reason)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    return str(path)


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[tuple[str, Path, list[int]]]:
    """The dashboard on a free localhost port, for a finished campaign with two pending candidates."""
    path = write_campaign(tmp_path, loop={"initial": 4, "batch_size": 2, "budget": 6})
    campaign = Campaign.from_yaml(path)
    campaign.run(4)
    ids = [c.id for c in campaign.ask(2)]
    campaign.close()
    httpd = make_server("127.0.0.1", 0, create_app(path), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", path, ids
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture()
def page(server: tuple[str, Path, list[int]]) -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser.new_page()
        browser.close()


def _stored(path: Path, cid: int) -> tuple[str, dict[str, float]]:
    campaign = Campaign.from_yaml(path)
    cand = campaign.store.candidate(cid)
    values = {r.output: r.value for r in campaign.store.results() if r.candidate_id == cid}
    campaign.close()
    assert cand is not None
    return cand.state, values


def test_enter_results_in_the_browser(server: tuple[str, Path, list[int]], page: Any) -> None:
    url, path, (first, second) = server
    page.goto(url + "/", wait_until="domcontentloaded")
    assert "Top candidates" in page.inner_text("main")
    assert page.request.get(url + "/plots/progress.png").headers["content-type"] == "image/png"

    page.click("text=Pending candidates")
    assert page.locator("form.candidate").count() == 2
    assert first and page.is_visible(f"#candidate-{first}") and page.is_visible(f"#candidate-{second}")

    form = page.locator(f"#candidate-{first}")
    form.locator("input[name='value-log10_sigma_30C']").fill("-3.1")
    form.locator("input[name='value-tg_C']").fill("-20")
    form.locator("input[name='value-oxidation_V']").fill("3.9")
    form.locator("button[type='submit']").click()
    page.wait_for_selector("#recorded")
    assert f"candidate {first}" in page.inner_text("#recorded")
    assert page.locator(f"#candidate-{first}").count() == 0  # no longer pending
    assert _stored(path, first) == ("done", {"log10_sigma_30C": -3.1, "tg_C": -20.0, "oxidation_V": 3.9})

    form = page.locator(f"#candidate-{second}")
    form.locator("input[name='value-tg_C']").fill("-500")  # below absolute zero
    form.locator("button[type='submit']").click()
    page.wait_for_selector("#error")
    assert "not physically possible" in page.inner_text("#error")
    assert page.input_value(f"#candidate-{second} input[name='value-tg_C']") == "-500"  # kept for correction
    assert _stored(path, second) == ("pending", {})

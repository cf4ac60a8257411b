"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright): every action a lab
scientist takes is clicked through and the store checked after each; no request may leave this machine.

In CI (``CI=true``) a missing browser or Playwright is a failure, not a skip: `.ci/run` installs them.
Set ``DASHBOARD_SCREENSHOTS=DIR`` to keep a screenshot of each page in DIR.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from optimizer.campaign import Campaign
from optimizer.dashboard import make_server
from tests.campaign_helpers import write_campaign

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 60_000  # the first figures fit the GPs on a busy 2-core machine


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must run the browser test; .ci/run installs Chromium)")
    pytest.skip(reason)


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    return str(path)


@dataclass
class Served:
    url: str
    path: Path
    pending: list[int]
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    """The dashboard on a free localhost port, for a campaign with evaluated and three pending candidates."""
    path = write_campaign(tmp_path, loop={"initial": 6, "batch_size": 3, "budget": 10})
    campaign = Campaign.from_yaml(path)
    campaign.run(6)
    pending = [c.id for c in campaign.ask(3)]
    campaign.close()
    server = make_server(path, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.port}", path, pending)
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture()
def page(served: Served) -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install playwright)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.set_default_timeout(TIMEOUT_MS)
        tab.on("request", lambda request: served.requests.append(request.url))
        tab.on("console", lambda msg: served.console_errors.append(msg.text) if msg.type == "error" else None)
        yield tab
        browser.close()


def _stored(path: Path, cid: int) -> tuple[str, dict[str, float], str | None]:
    campaign = Campaign.from_yaml(path)
    record = campaign.snapshot().record(cid)
    campaign.close()
    assert record is not None
    return record.state, {k: v.value for k, v in record.values.items()}, record.failure or record.withdrawn_reason


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("DASHBOARD_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_lab_actions_in_the_browser(served: Served, page: Any) -> None:
    first, second, third = served.pending
    page.goto(served.url + "/pending", wait_until="domcontentloaded")
    assert page.locator("section.candidate").count() == 3

    # a result
    form = page.locator(f"#candidate-{first} form.results")
    form.locator("input[name='value-log10_sigma_30C']").fill("-3.1")
    form.locator("input[name='value-tg_C']").fill("-20")
    form.locator("input[name='value-oxidation_V']").fill("3.9")
    form.locator("button[type='submit']").click()
    page.wait_for_selector("#recorded")
    assert f"Candidate {first}" in page.inner_text("#recorded") and "done" in page.inner_text("#recorded")
    assert page.locator(f"#candidate-{first}").count() == 0  # no longer pending
    assert _stored(served.path, first)[:2] == ("done", {"log10_sigma_30C": -3.1, "tg_C": -20.0, "oxidation_V": 3.9})

    # a bad result: shown, kept for correction, nothing stored
    form = page.locator(f"#candidate-{second} form.results")
    form.locator("input[name='value-tg_C']").fill("-500")  # below absolute zero
    form.locator("button[type='submit']").click()
    page.wait_for_selector("#error")
    assert "not physically possible" in page.inner_text("#error")
    assert page.input_value(f"#candidate-{second} input[name='value-tg_C']") == "-500"
    assert _stored(served.path, second) == ("pending", {}, None)

    # a failed synthesis
    failure = page.locator(f"#candidate-{second} form.failure")
    failure.locator("input[name='reason']").fill("no glass formed (crystallised)")
    failure.locator("button[type='submit']").click()
    page.wait_for_selector("#recorded")
    assert "recorded as failed" in page.inner_text("#recorded")
    state, _, why = _stored(served.path, second)
    assert state == "failed" and "no glass formed (crystallised)" in (why or "")

    # a withdrawal
    _shot(page, "pending")
    withdraw = page.locator(f"#candidate-{third} form.withdraw")
    withdraw.locator("input[name='reason']").fill("precursor out of stock")
    withdraw.locator("button[type='submit']").click()
    page.wait_for_selector("#recorded")
    assert "withdrawn" in page.inner_text("#recorded")
    assert _stored(served.path, third) == ("withdrawn", {}, "precursor out of stock")
    assert page.locator("#no-pending").count() == 1

    # the candidate table: sort, then filter
    page.click("text=Candidates")
    page.wait_for_selector("#candidates")
    ids = [int(t) for t in page.locator("#candidates tbody tr td:first-child").all_inner_texts()]
    assert ids == sorted(ids) and len(ids) == 9
    page.click("#candidates th:first-child button")
    page.click("#candidates th:first-child button")  # second click: descending
    assert [int(t) for t in page.locator("#candidates tbody tr td:first-child").all_inner_texts()] == sorted(ids)[::-1]
    page.select_option("#state-filter", "failed")
    visible = page.locator("#candidates tbody tr:not([hidden])")
    assert visible.count() >= 1 and all(s == "failed" for s in visible.locator("td.state").all_inner_texts())
    page.select_option("#state-filter", "")
    page.fill("#filter", "crystallised")
    assert [int(t) for t in visible.locator("td:first-child").all_inner_texts()] == [second]
    assert page.inner_text("#shown") == "1 of 9 shown"
    page.fill("#filter", "")
    _shot(page, "candidates")

    _check_local_only(served, expected_errors=1)  # the 400 answer to the bad entry


def test_plots_zoom_and_hover_in_the_browser(served: Served, page: Any) -> None:
    page.goto(served.url + "/", wait_until="domcontentloaded")
    page.wait_for_selector("#figures-objectives[data-ready='true']")
    page.wait_for_selector("#figures-slices[data-ready='true']")
    figure = page.locator("#figure-objectives-0")
    assert "S/cm" in figure.inner_text() and "°C" in figure.inner_text()  # units on the axes
    point = figure.locator(".scatterlayer .trace").first.locator(".points path").first
    figure.scroll_into_view_if_needed()
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    label = page.wait_for_selector(".hoverlayer .hovertext")
    text = label.text_content() or ""
    assert re.search(r"#\d+ (Li|Na)[\d.]*Al", text) and "state: done" in text and "(used)" in text, text
    assert "synthetic-glass:" in text and "±" in text
    _shot(page, "overview-hover")

    slices = page.locator("#figure-slice-log10_sigma_30C")
    assert slices.locator(".ytick").count() > 0 and "O/Al [mol/mol]" in slices.inner_text()
    # zoom: drag a box over the plot; the x axis range shrinks
    before = page.evaluate("() => document.getElementById('figure-slice-tg_C')._fullLayout.xaxis.range.slice()")
    page.locator("#figure-slice-tg_C").scroll_into_view_if_needed()
    drag = page.locator("#figure-slice-tg_C .nsewdrag").bounding_box()
    assert drag is not None
    page.mouse.move(drag["x"] + drag["width"] * 0.3, drag["y"] + drag["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(drag["x"] + drag["width"] * 0.6, drag["y"] + drag["height"] * 0.6, steps=5)
    page.mouse.up()
    after = page.evaluate("() => document.getElementById('figure-slice-tg_C')._fullLayout.xaxis.range.slice()")
    assert after[1] - after[0] < 0.6 * (before[1] - before[0])
    page.mouse.move(0, 0)
    _shot(page, "overview")
    _check_local_only(served)


def _check_local_only(served: Served, *, expected_errors: int = 0) -> None:
    """The page works offline: nothing was requested from any other address, nothing was blocked (Content
    Security Policy), and the console shows no error but the answers to bad entries."""
    assert served.requests and all(url.startswith(served.url + "/") for url in served.requests), served.requests
    unexpected = [e for e in served.console_errors if "status of 400" not in e]
    assert not unexpected and len(served.console_errors) == expected_errors, served.console_errors

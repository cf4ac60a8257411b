"""The Dask executor on a real `LocalCluster` of 2 worker processes: concurrency, a killed worker, a hung task.

Speed-up figures are benchmarks (`benchmarks/bench_executors.py`), not assertions here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path
from typing import Any, Iterator

import pytest

from optimizer.campaign import Campaign
from optimizer.executors.async_loop import LoopSettings, run_async
from optimizer.executors.dask_executor import start_local_cluster
from optimizer.executors.tasks import oracle_specs
from optimizer.oracle_factory import Runtime
from optimizer.steps import CampaignRun, RunStats
from tests.campaign_helpers import SLOW_ORACLE, write_campaign

distributed = pytest.importorskip("distributed")
ROOT = Path(__file__).resolve().parents[2]

# An oracle that hangs (far longer than the test) on the first call of the whole cluster only: the flag
# file is created atomically, so exactly one evaluation hangs whichever worker takes it.
HANG_ORACLE = SLOW_ORACLE + '''
import os

class HangOnce(SlowGlass):
    name = "hang-once"

    def __init__(self, *, delay_s: float = 0.2, flag: str = "") -> None:
        super().__init__(delay_s=delay_s)
        self.flag = flag

    def evaluate(self, batch, /):
        try:
            os.close(os.open(self.flag, os.O_CREAT | os.O_EXCL))
            time.sleep(120)
        except FileExistsError:
            pass
        return super().evaluate(batch)


class MarkBusy(SlowGlass):
    """Leaves ``busy-<pid>`` in ``marks`` for as long as an evaluation runs, so a test can kill a worker that
    is certainly mid-evaluation."""

    name = "mark-busy"

    def __init__(self, *, delay_s: float = 0.2, marks: str = "") -> None:
        super().__init__(delay_s=delay_s)
        self.marks = marks

    def evaluate(self, batch, /):
        import pathlib

        mark = pathlib.Path(self.marks) / f"busy-{os.getpid()}"
        mark.touch()
        try:
            return super().evaluate(batch)
        finally:
            mark.unlink(missing_ok=True)


class Rendezvous(SlowGlass):
    """Each evaluation leaves a token and waits until two evaluations have started: it only passes when
    two run at the same time (a serial executor would fail the first one when the wait gives up)."""

    name = "rendezvous"

    def __init__(self, *, delay_s: float = 0.0, tokens: str = "") -> None:
        super().__init__(delay_s=delay_s)
        self.tokens = tokens

    def evaluate(self, batch, /):
        import pathlib
        import uuid

        folder = pathlib.Path(self.tokens)
        (folder / f"{os.getpid()}-{uuid.uuid4().hex}").touch()
        deadline = time.monotonic() + 60
        while len(list(folder.iterdir())) < 2:
            if time.monotonic() > deadline:
                raise RuntimeError("no second evaluation started while this one waited")
            time.sleep(0.02)
        return super().evaluate(batch)
'''


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = start_local_cluster(2, 1)
    with distributed.Client(cluster) as c:
        c.wait_for_workers(2, timeout=60)
        yield c
    cluster.close()


def _campaign(folder: Path, module: str, budget: int, *, cls: str = "SlowGlass", **options: Any) -> Campaign:
    folder.mkdir(exist_ok=True)
    (folder / f"{module}.py").write_text(HANG_ORACLE)  # a module name per test: workers cache imports
    oracles = [{"kind": "python", "target": f"{module}:{cls}", "options": options}]
    path = write_campaign(folder, oracles=oracles, loop={"initial": budget, "batch_size": 2, "budget": budget})
    return Campaign.from_yaml(path)


def _run(campaign: Campaign, client: Any, settings: LoopSettings) -> RunStats:
    specs = oracle_specs(campaign.config.oracles, name=campaign.config.name, base_dir=campaign.base_dir,
                         runtime=Runtime(threads=1))
    run = CampaignRun(campaign)
    run_async(run, client, specs=specs, settings=settings)
    return run.stats


def _query(campaign: Campaign, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(campaign.store_path, timeout=30)) as conn:
        return conn.execute(sql).fetchall()


def _count_results(campaign: Campaign) -> int:
    try:
        return int(_query(campaign, "SELECT COUNT(*) FROM results")[0][0]) if campaign.store_path.exists() else 0
    except sqlite3.OperationalError:  # the run is still creating the tables
        return 0


def _assert_complete_and_unique(campaign: Campaign, budget: int) -> None:
    assert _query(campaign, "SELECT COUNT(*) FROM candidates") == [(budget,)]
    assert _query(campaign, "SELECT COUNT(*) FROM candidates WHERE state = 'pending'") == [(0,)]
    assert _query(campaign, "SELECT candidate_id, output FROM results GROUP BY candidate_id, output "
                            "HAVING COUNT(*) > 1") == []
    assert _query(campaign, "SELECT M, m_al, o_al, s_al FROM candidates GROUP BY M, m_al, o_al, s_al "
                            "HAVING COUNT(*) > 1") == []


def _worker_pids(client: Any) -> dict[str, int]:
    return dict(client.run(os.getpid))


def test_two_workers_evaluate_at_the_same_time(tmp_path: Path, client: Any) -> None:
    budget = 4
    tokens = tmp_path / "tokens"
    tokens.mkdir()
    campaign = _campaign(tmp_path, "rendezvous", budget, cls="Rendezvous", tokens=str(tokens))
    stats = _run(campaign, client, LoopSettings(retries=0))
    reasons = [r for (r,) in _query(campaign, "SELECT reason FROM failures")]
    assert (stats.evaluated, stats.retried) == (budget, 0) and not [r for r in reasons if "second" in r], reasons
    pids = {token.name.split("-")[0] for token in tokens.iterdir()}
    assert len(pids) == 2  # two worker processes took evaluations
    _assert_complete_and_unique(campaign, budget)


def test_killed_worker_is_retried_and_nothing_is_lost(tmp_path: Path, client: Any) -> None:
    budget = 6
    marks = tmp_path / "marks"
    marks.mkdir()
    campaign = _campaign(tmp_path, "sleep_kill", budget, cls="MarkBusy", delay_s=2.0, marks=str(marks))
    killed: list[int] = []

    def kill_a_busy_worker() -> None:
        # After a first result, kill a worker whose evaluation has started and not ended (its mark is
        # there for the 2 s it sleeps): synchronised on the oracle's own marks, not on timing.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = sorted(marks.glob("busy-*"))
            if busy and _count_results(campaign) > 0:
                killed.append(int(busy[0].name.removeprefix("busy-")))
                os.kill(killed[0], signal.SIGKILL)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_a_busy_worker, daemon=True)
    killer.start()
    stats = _run(campaign, client, LoopSettings(retries=2))
    killer.join()
    assert killed, "no worker was killed"
    assert killed[0] not in _worker_pids(client).values()  # the nanny replaced it
    assert stats.evaluated == budget and stats.retried >= 1
    _assert_complete_and_unique(campaign, budget)
    reasons = [r for (r,) in _query(campaign, "SELECT reason FROM failures")]
    assert not [r for r in reasons if "died" in r], reasons  # the retry succeeded; only real failures remain


def test_task_hung_past_its_timeout_is_failed_and_its_worker_restarted(tmp_path: Path, client: Any) -> None:
    budget = 4
    flag = tmp_path / "hung-once"
    campaign = _campaign(tmp_path, "hang_once", budget, cls="HangOnce", delay_s=0.2, flag=str(flag))
    before = set(_worker_pids(client).values())
    stats = _run(campaign, client, LoopSettings(timeout_s=2.0, retries=0))
    assert flag.exists() and stats.timed_out == 1 and stats.evaluated == budget
    _assert_complete_and_unique(campaign, budget)
    reasons = [r for (r,) in _query(campaign, "SELECT reason FROM failures")]
    assert reasons.count("timed out after 2 s (attempt 1 of 1)") == 1, reasons
    assert len(before - set(_worker_pids(client).values())) == 1  # the hung worker process was replaced


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "optimizer.cli", "-q", "run", *args]


def _wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_cli_local_executor_runs_to_the_budget(tmp_path: Path) -> None:
    campaign = _campaign(tmp_path, "sleep_cli", 4, delay_s=0.2)
    done = subprocess.run(_cli(str(campaign.source), "--executor", "local", "--workers", "2", "--timeout-s", "60"),
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    _assert_complete_and_unique(campaign, 4)


def test_scheduler_vanishing_stops_the_run_cleanly_and_the_next_run_resumes(tmp_path: Path) -> None:
    budget = 8
    campaign = _campaign(tmp_path, "sleep_vanish", budget, delay_s=0.5)
    address_file = tmp_path / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(address_file)], **quiet)
    worker = run = None
    try:
        _wait_for(address_file.exists, 60, "the scheduler file")
        time.sleep(0.2)  # the file is written in one go, but give the scheduler a moment to listen
        address = json.loads(address_file.read_text())["address"]
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nworkers", "2",
                                   "--nthreads", "1", "--no-dashboard", "--death-timeout", "60"], **quiet)
        run = subprocess.Popen(_cli(str(campaign.source), "--scheduler", address), cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: _count_results(campaign) > 0, 300, "a first committed result")
        scheduler.kill()
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 3, stderr
        assert "lost the Dask scheduler" in stderr and "rerun to resume" in stderr
        assert "Traceback" not in stderr, stderr  # one clear line, not Dask's reconnection noise
    finally:
        for proc in (scheduler, worker, run):
            if proc is None:
                continue
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(ValueError):  # pipes already read and closed
                proc.communicate(timeout=60)
    committed = set(_query(campaign, "SELECT candidate_id, output, value FROM results"))
    assert committed and _query(campaign, "SELECT COUNT(*) FROM candidates WHERE state = 'pending'")[0][0] > 0
    resumed = subprocess.run(_cli(str(campaign.source)), cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    _assert_complete_and_unique(campaign, budget)
    assert committed <= set(_query(campaign, "SELECT candidate_id, output, value FROM results"))

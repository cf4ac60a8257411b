"""Kill -9 in the middle of a run, and a second writer during a run: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.campaign_helpers import SLOW_ORACLE, write_campaign

ROOT = Path(__file__).resolve().parents[2]
SLOW = [{"kind": "python", "target": "slow_oracle:SlowGlass", "options": {"delay_s": 0.15}}]


def _start_run(path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "optimizer.cli", "-q", "run", str(path)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer.cli", "-q", "run", str(path), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def _query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def _wait_for(db: Path, sql: str, at_least: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if _query(db, sql)[0][0] >= at_least:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {sql} >= {at_least}")


def test_sigkill_and_resume_loses_and_doubles_nothing(tmp_path: Path) -> None:
    (tmp_path / "slow_oracle.py").write_text(SLOW_ORACLE)
    path = write_campaign(tmp_path, oracles=SLOW, loop={"initial": 4, "batch_size": 2, "budget": 12})
    db = tmp_path / "t.sqlite"
    proc = _start_run(path)
    _wait_for(db, "SELECT COUNT(*) FROM candidates WHERE state != 'pending'", 5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = _query(db, "SELECT candidate_id, output, value FROM results WHERE superseded = 0")
    assert committed, "the run was killed before committing anything"
    rerun = _run(path)
    assert rerun.returncode == 0, rerun.stderr
    assert _query(db, "SELECT COUNT(*) FROM candidates")[0][0] == 12
    assert _query(db, "SELECT COUNT(*) FROM candidates WHERE state = 'pending'")[0][0] == 0
    doubled = _query(db, "SELECT candidate_id, output, COUNT(*) FROM results GROUP BY candidate_id, output "
                         "HAVING COUNT(*) > 1")
    assert doubled == []
    after = set(_query(db, "SELECT candidate_id, output, value FROM results WHERE superseded = 0"))
    assert set(committed) <= after


def test_tell_during_run_loses_no_write(tmp_path: Path) -> None:
    """Six `tell`s while a run is held inside an evaluation (a gate file releases it): all kept."""
    (tmp_path / "slow_oracle.py").write_text(SLOW_ORACLE)
    gate = tmp_path / "release"
    gated = [{"kind": "python", "target": "slow_oracle:Gated", "options": {"gate": str(gate)}}]
    path = write_campaign(tmp_path, oracles=gated, loop={"initial": 2, "batch_size": 2, "budget": 14})
    gate.touch()
    first = _run(path, "--budget", "2")
    assert first.returncode == 0, first.stderr
    gate.unlink()
    db = tmp_path / "t.sqlite"
    done_id = _query(db, "SELECT id FROM candidates WHERE state = 'done' LIMIT 1")[0][0]
    proc = _start_run(path)
    _wait_for(db, "SELECT COUNT(*) FROM candidates", 3)  # the run reserved its next batch and waits at the gate
    tells = 6
    for i in range(tells):
        told = subprocess.run([sys.executable, "-m", "optimizer.cli", "-q", "tell", str(path), str(done_id),
                               f"tg_C={-30 - i}", "--replace"], cwd=ROOT, capture_output=True, text=True)
        assert told.returncode == 0, told.stderr
    assert proc.poll() is None  # every tell landed while the run was mid-batch
    gate.touch()
    assert proc.wait(timeout=120) == 0
    history = _query(db, f"SELECT value, superseded FROM results WHERE candidate_id = {done_id} AND output = 'tg_C' "
                         "AND oracle = 'manual' ORDER BY id")
    assert len(history) == tells  # every hand-entered value kept, the older ones as history
    assert history[-1] == (-30.0 - (tells - 1), 0) and sum(s for _, s in history) == tells - 1
    simulated = _query(db, f"SELECT COUNT(*) FROM results WHERE candidate_id = {done_id} AND output = 'tg_C' "
                           "AND oracle != 'manual' AND superseded = 0")
    assert simulated == [(1,)]  # the oracle's own value stays beside the hand-entered one
    assert _query(db, "SELECT COUNT(*) FROM candidates")[0][0] == 14
    assert _query(db, "SELECT COUNT(*) FROM candidates WHERE state = 'pending'") == [(0,)]

"""The command line against hostile use: two runners, an oracle that kills the process, bad paths and
options. Every case ends with the right store or one clear line (exit 2), never a traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.campaign_helpers import SLOW_ORACLE, write_campaign

ROOT = Path(__file__).resolve().parents[2]


def viglas(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer.cli", "-q", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, **kwargs)  # type: ignore[call-overload]


def _query(db: Path, sql: str) -> list[tuple]:
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        return conn.execute(sql).fetchall()


def _one_line_error(done: subprocess.CompletedProcess[str], pattern: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("viglas: error:") and done.stderr.strip().count("\n") == 0, done.stderr
    assert pattern in done.stderr, done.stderr


COUNTING = SLOW_ORACLE + '''

class Counting(Gated):
    """Gated, and appends one line per evaluated composition to ``log``."""

    def __init__(self, *, gate: str = "", log: str = "") -> None:
        super().__init__(gate=gate)
        self.log = log

    def evaluate(self, batch, /):
        with open(self.log, "a") as handle:
            handle.writelines(c.formula + "\\n" for c in batch)
        return super().evaluate(batch)
'''


def test_two_concurrent_runs_end_with_the_budget_and_nothing_twice(tmp_path: Path) -> None:
    (tmp_path / "counting.py").write_text(COUNTING)
    gate, log = tmp_path / "gate", tmp_path / "calls.log"
    oracles = [{"kind": "python", "target": "counting:Counting", "options": {"gate": str(gate), "log": str(log)}}]
    path = write_campaign(tmp_path, oracles=oracles, loop={"initial": 4, "batch_size": 2, "budget": 8})
    db = tmp_path / "t.sqlite"
    first = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "-q", "run", str(path)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not (db.exists() and _count(db) > 0):  # the first run holds the lock and waits at the gate
        assert time.monotonic() < deadline and first.poll() is None, "the first run did not start"
        time.sleep(0.05)
    second = viglas("run", str(path))
    _one_line_error(second, "another run holds this campaign (viglas run, process")
    assert str(first.pid) in second.stderr
    gate.touch()
    _, stderr = first.communicate(timeout=180)
    assert first.returncode == 0, stderr
    assert _query(db, "SELECT COUNT(*) FROM candidates") == [(8,)]
    assert _query(db, "SELECT M, m_al, o_al, s_al FROM candidates GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1") == []
    calls = log.read_text().splitlines()
    assert len(calls) == len(set(calls)) == 8  # every candidate evaluated exactly once


def _count(db: Path) -> int:
    try:
        return int(_query(db, "SELECT COUNT(*) FROM candidates")[0][0])
    except sqlite3.OperationalError:
        return 0


POISON = """
import os
from benchmarks.landscapes import SyntheticGlass

class Poison(SyntheticGlass):
    name = "poison"

    def evaluate(self, batch, /):
        if any(c.formula == "LiAlCl2.5O0.75" for c in batch):
            os._exit(0)  # what a crashing C extension does to the process, without even an error code
        return super().evaluate(batch)
"""


def test_an_oracle_that_kills_the_process_fails_its_candidate_after_the_retries(tmp_path: Path) -> None:
    (tmp_path / "poison.py").write_text(POISON)
    path = write_campaign(tmp_path, oracles=[{"kind": "python", "target": "poison:Poison"}],
                          candidates=["LiAlCl2.5O0.75", "LiAlCl3O0.5"], loop={"initial": 0, "batch_size": 2,
                                                                              "budget": 2})
    for _ in range(3):  # each run dies inside the poisoned evaluation
        viglas("run", str(path), "--retries", "2")
    final = viglas("run", str(path), "--retries", "2")
    assert final.returncode == 0, final.stderr
    db = tmp_path / "t.sqlite"
    states = dict(_query(db, "SELECT id, state FROM candidates ORDER BY id"))
    assert states == {1: "failed", 2: "done"}
    (reason,) = _query(db, "SELECT reason FROM failures WHERE candidate_id = 1")[0]
    assert "stopped during this evaluation 3 time(s)" in reason


def test_bad_options_and_paths_are_one_line_errors(tmp_path: Path) -> None:
    path = str(write_campaign(tmp_path))
    _one_line_error(viglas("run", path, "--timeout-s", "5"), "--executor local --workers 1")
    _one_line_error(viglas("run", path, "--budget", "0"), "--budget 0")
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    _one_line_error(viglas("ask", path, "-n", "2", "--csv", str(folder)), "is a folder")
    assert not (tmp_path / "t.sqlite").exists() or _query(tmp_path / "t.sqlite", "SELECT COUNT(*) FROM candidates") \
        == [(0,)]  # nothing reserved for a template that could not be written
    _one_line_error(viglas("export", path, "--csv", str(folder)), "is a folder")
    (tmp_path / "report.txt").write_text("x")
    _one_line_error(viglas("report", path, "--out", str(tmp_path / "report.txt")), "is a file")
    _one_line_error(viglas("validate", "/bin/ls"), "is not a text file")
    _one_line_error(viglas("status", str(tmp_path / "missing.yaml")), "cannot read campaign file")
    _one_line_error(viglas("tell", path, "99999999999999999999999", "tg_C=-20"), "no candidate with id")


def test_status_never_creates_a_store_and_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    path = str(write_campaign(tmp_path))
    done = viglas("status", path)
    assert done.returncode == 0 and "candidates: 0" in done.stdout
    assert not (tmp_path / "t.sqlite").exists()
    assert viglas("run", path).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "optimizer.cli", "status", path], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # `viglas status | head -0`: the reader is gone before anything is written
    _, stderr = proc.communicate(timeout=120)
    assert b"Traceback" not in stderr and proc.returncode == 0, stderr


@pytest.mark.parametrize("store, message", [
    ("a-folder", "is a folder"),
    ("/dev/null", "is not a regular file"),
    ("not-sqlite.sqlite", "is not a SQLite database"),
])
def test_bad_store_paths_are_caught_by_validate(tmp_path: Path, store: str, message: str) -> None:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "not-sqlite.sqlite").write_text("hello, not a database at all")
    path = str(write_campaign(tmp_path, store=store))
    _one_line_error(viglas("validate", path), message)
    _one_line_error(viglas("status", path), message)

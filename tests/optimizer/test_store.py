"""The store on its own: transactions, budget and duplicates inside the insert, states, schema versions."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from optimizer.store import HISTORICAL, SCHEMA_VERSION, Proposed, Requirement, Store, StoreError
from oracles import Composition

LACO = Composition("Li", 1.0, 0.75)
NACO = Composition("Na", 1.0, 0.75)
UNITS = {"tg_C": "degC", "log10_sigma_30C": "log10(S/cm)"}
BOTH = (Requirement("tg_C"), Requirement("log10_sigma_30C"))


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "s.sqlite")


def test_budget_and_duplicates_are_checked_inside_the_insert(tmp_path: Path) -> None:
    store = _store(tmp_path)
    ids = store.add_candidates([Proposed(LACO, "initial"), Proposed(LACO, "initial"), Proposed(NACO, "initial")],
                               batch=0, budget=5)
    assert len(ids) == 2  # the repeat of LACO in the same call is skipped
    assert store.add_candidates([Proposed(Composition("Li", 1.0, 0.75 + 1e-9), "x")], batch=1, budget=5) == []
    more = [Proposed(Composition("Li", 1.0, 0.1 * k), "x") for k in range(1, 6)]
    assert len(store.add_candidates(more, batch=1, budget=5)) == 3  # 2 + 3 = the budget
    assert store.n_proposed() == 5
    history = store.add_candidates([Proposed(Composition("Na", 0.5, 0.2), HISTORICAL)], batch=None, budget=5)
    assert len(history) == 1 and store.n_proposed() == 5  # historical points never use the budget


def test_state_follows_requirements_and_withdrawal_frees_the_slot(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a, b = store.add_candidates([Proposed(LACO, "x"), Proposed(NACO, "x")], batch=0, budget=2)
    store.record_values(a, oracle="sim", values={"tg_C": -10.0}, std=None, units=UNITS, required=BOTH)
    assert store.candidate(a).state == "pending"  # type: ignore[union-attr]
    store.record_values(a, oracle="sim", values={"log10_sigma_30C": -3.0}, std={"log10_sigma_30C": 0.2},
                        units=UNITS, required=BOTH)
    assert store.candidate(a).state == "done"  # type: ignore[union-attr]
    lab_only = (Requirement("tg_C", "lab"),)
    store.record_values(a, oracle="sim", values={"tg_C": -11.0}, std=None, units=UNITS, required=lab_only,
                        replace=True)
    assert store.candidate(a).state == "pending"  # a simulation cannot stand in for the lab's value
    store.withdraw(b, reason="precursor missing")
    assert store.candidate(b).state == "withdrawn" and store.withdrawals() == {b: "precursor missing"}  # type: ignore[union-attr]
    assert store.n_proposed() == 1  # its budget slot is free again
    with pytest.raises(ValueError, match="only a pending candidate"):
        store.withdraw(b, reason="again")
    store.record_failure(b, oracle="sim", reason="late", required=BOTH)
    assert store.candidate(b).state == "withdrawn"  # stays withdrawn whatever arrives later


def test_replace_keeps_history_and_unknown_ids_are_key_errors(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (a,) = store.add_candidates([Proposed(LACO, "x")], batch=0)
    store.record_values(a, oracle="lab", values={"tg_C": -10.0}, std=None, units=UNITS, required=BOTH)
    with pytest.raises(ValueError, match="already has tg_C from lab"):
        store.record_values(a, oracle="lab", values={"tg_C": -12.0}, std=None, units=UNITS, required=BOTH)
    store.record_values(a, oracle="lab", values={"tg_C": -12.0}, std=None, units=UNITS, required=BOTH, replace=True)
    assert [r.value for r in store.results(include_superseded=True)] == [-10.0, -12.0]
    assert [r.value for r in store.results()] == [-12.0]
    for cid in (999, 2**70):
        with pytest.raises(KeyError, match="no candidate"):
            store.record_values(cid, oracle="lab", values={"tg_C": 1.0}, std=None, units=UNITS, required=BOTH)
    assert store.candidate(2**70) is None


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (a,) = store.add_candidates([Proposed(LACO, "x")], batch=0)
    with pytest.raises(KeyError), store.transaction() as tx:
        store.record_values(a, oracle="lab", values={"tg_C": -10.0}, std=None, units=UNITS, required=BOTH, tx=tx)
        store.record_values(12345, oracle="lab", values={"tg_C": -10.0}, std=None, units=UNITS, required=BOTH, tx=tx)
    assert store.results() == [] and store.candidate(a).state == "pending"  # type: ignore[union-attr]


def test_metadata_is_stored_once_per_evaluation(tmp_path: Path) -> None:
    store = _store(tmp_path)
    (a,) = store.add_candidates([Proposed(LACO, "x")], batch=0)
    big = {"trajectory": "x" * 10_000}
    store.record_values(a, oracle="sim", values={"tg_C": -10.0, "log10_sigma_30C": -3.0}, std=None, units=UNITS,
                        required=BOTH, metadata=big)
    assert store.evaluation_metadata(a) == {"sim": big}
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT MAX(LENGTH(provenance)) FROM results").fetchone()[0] < 100


@pytest.mark.parametrize("content, message", [
    (b"hello, not a database at all........", "not a SQLite database"),
])
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=message):
        Store(path)
    with pytest.raises(StoreError, match="is a folder"):
        Store(tmp_path)
    with pytest.raises(StoreError, match="no store yet"):
        Store(tmp_path / "missing.sqlite", create=False)
    assert not (tmp_path / "missing.sqlite").exists()


def test_foreign_database_and_newer_schema_are_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "other.sqlite"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
    with pytest.raises(StoreError, match="not a viglas store"):
        Store(foreign)
    newer = tmp_path / "newer.sqlite"
    Store(newer).close()
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
        conn.commit()
    with pytest.raises(StoreError, match="newer viglas"):
        Store(newer)


V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema_version', '1');
CREATE TABLE config_history (id INTEGER PRIMARY KEY, hash TEXT NOT NULL, config TEXT NOT NULL,
    recorded_at TEXT NOT NULL, forced INTEGER NOT NULL DEFAULT 0);
CREATE TABLE candidates (id INTEGER PRIMARY KEY, M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL,
    s_al REAL NOT NULL, state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')), source TEXT NOT NULL,
    batch INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
INSERT INTO candidates VALUES (1, 'Li', 1.0, 0.75, 0.0, 'done', 'initial', 0, 't', 't');
CREATE TABLE results (id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    oracle TEXT NOT NULL, output TEXT NOT NULL, value REAL NOT NULL, std REAL, unit TEXT NOT NULL, fidelity TEXT,
    recorded_at TEXT NOT NULL, provenance TEXT NOT NULL DEFAULT '{}', superseded INTEGER NOT NULL DEFAULT 0);
INSERT INTO results VALUES (1, 1, 'sim', 'tg_C', -10.0, NULL, 'degC', NULL, 't', '{}', 0);
CREATE TABLE failures (id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL, oracle TEXT NOT NULL,
    reason TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE evaluations (candidate_id INTEGER NOT NULL, oracle TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')), recorded_at TEXT NOT NULL,
    PRIMARY KEY (candidate_id, oracle));
INSERT INTO evaluations VALUES (1, 'sim', 'done', 't');
CREATE TABLE analysed (id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL, M TEXT NOT NULL, m_al REAL NOT NULL,
    o_al REAL NOT NULL, s_al REAL NOT NULL, source TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE assignments (candidate_id INTEGER NOT NULL, oracle TEXT NOT NULL, PRIMARY KEY (candidate_id, oracle));
"""


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(V1)
    store = Store(path)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION)
    assert [c.composition for c in store.candidates()] == [LACO] and store.results()[0].value == -10.0
    assert store.evaluation_metadata(1) == {"sim": {}}
    (b,) = store.add_candidates([Proposed(NACO, "x")], batch=1)
    store.withdraw(b, reason="migrated stores accept the new state")


def test_the_database_file_alone_holds_every_committed_write(tmp_path: Path) -> None:
    """A killed run leaves its connection open; a copy of the file without ``-wal`` still has the results."""
    store = _store(tmp_path)
    a, b = store.add_candidates([Proposed(LACO, "x"), Proposed(NACO, "x")], batch=0, budget=2)
    store.record_values(a, oracle="sim", values={"tg_C": -10.0, "log10_sigma_30C": -2.8}, std=None, units=UNITS,
                        required=BOTH)
    store.record_failure(b, oracle="sim", reason="not diffusive", required=BOTH)
    copy = tmp_path / "copy" / "s.sqlite"
    copy.parent.mkdir()
    copy.write_bytes(store.path.read_bytes())  # the store stays open, as in a process killed here
    with closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("SELECT candidate_id, output, value FROM results ORDER BY output").fetchall() == [
            (a, "log10_sigma_30C", -2.8), (a, "tg_C", -10.0)]
        assert conn.execute("SELECT candidate_id, reason FROM failures").fetchall() == [(b, "not diffusive")]
    assert Store(copy).candidate(a).state == "done"

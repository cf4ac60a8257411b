"""The database file: its tables, its schema version, and opening it with errors a user can act on.

Version 2 added the ``withdrawn`` candidate state with its reason, the proposal record of each
candidate (what the model predicted when it was proposed), one metadata record per evaluation
instead of a copy in every result row, and the evaluation attempts in flight (so a candidate whose
oracle kills the process is failed after a few tries instead of crashing every resume). A version-1
store is migrated in place on open (one transaction); a store written by a newer viglas is refused
with a message saying so.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

SCHEMA_VERSION = 2

CANDIDATE_STATES = ("pending", "done", "failed", "withdrawn")

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config_history (
    id INTEGER PRIMARY KEY, hash TEXT NOT NULL, config TEXT NOT NULL, recorded_at TEXT NOT NULL,
    forced INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY, M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL, s_al REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'withdrawn')),
    source TEXT NOT NULL, batch INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    proposal TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    oracle TEXT NOT NULL, output TEXT NOT NULL, value REAL NOT NULL, std REAL, unit TEXT NOT NULL,
    fidelity TEXT, recorded_at TEXT NOT NULL, provenance TEXT NOT NULL DEFAULT '{}',
    superseded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    oracle TEXT NOT NULL, reason TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS evaluations (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), oracle TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'failed')), recorded_at TEXT NOT NULL,
    metadata TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (candidate_id, oracle));
CREATE TABLE IF NOT EXISTS analysed (
    id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL, s_al REAL NOT NULL,
    source TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), oracle TEXT NOT NULL,
    PRIMARY KEY (candidate_id, oracle));
CREATE TABLE IF NOT EXISTS withdrawals (
    id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    reason TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS attempts (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), oracle TEXT NOT NULL,
    count INTEGER NOT NULL, started_at TEXT NOT NULL, PRIMARY KEY (candidate_id, oracle));
CREATE INDEX IF NOT EXISTS results_by_candidate ON results (candidate_id, output);
"""

_MIGRATE_1_TO_2 = """
CREATE TABLE candidates_v2 (
    id INTEGER PRIMARY KEY, M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL, s_al REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'withdrawn')),
    source TEXT NOT NULL, batch INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    proposal TEXT NOT NULL DEFAULT '{}');
INSERT INTO candidates_v2 (id, M, m_al, o_al, s_al, state, source, batch, created_at, updated_at)
    SELECT id, M, m_al, o_al, s_al, state, source, batch, created_at, updated_at FROM candidates;
DROP TABLE candidates;
ALTER TABLE candidates_v2 RENAME TO candidates;
ALTER TABLE evaluations ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';
"""


class StoreError(RuntimeError):
    """The store file cannot be opened or used; the message names the file and what to do."""


def check_location(path: Path) -> None:
    """Raise `StoreError` for a path no SQLite store can live at (before SQLite's own cryptic errors)."""
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a store file; point 'store' at a file such as campaign.sqlite")
    if path.exists() and not path.is_file():
        raise StoreError(f"{path}: is not a regular file (a device or pipe); point 'store' at a .sqlite file")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                raise StoreError(f"{path}: is not a SQLite database; point 'store' at a new or existing viglas store")
    folder = path.parent
    if not folder.exists():
        return  # created on first write
    if not folder.is_dir():
        raise StoreError(f"{path}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise StoreError(f"{path}: no permission to write the store there; point 'store' at a folder you can "
                         "write")


def _statements(script: str) -> list[str]:
    return [part.strip() for part in script.split(";") if part.strip()]


def _version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The store's schema version; None for an empty file; `StoreError` for a database that is not a store."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone():
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row is not None else None
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table'").fetchone():
        raise StoreError(f"{path}: is a SQLite database but not a viglas store (it has no 'meta' table)")
    return None


def create_or_migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables of a new store, migrate an old one, refuse one from a newer viglas.

    Runs in one ``BEGIN IMMEDIATE`` transaction (SQLite's DDL is transactional), so two processes
    opening a new store at once, or a kill mid-migration, leave it whole.
    """
    if _version(conn, path) == SCHEMA_VERSION:
        return
    # Rebuilding the candidates table (version 1) drops a table others reference: SQLite's documented
    # procedure turns foreign keys off for it (outside the transaction) and checks them before committing.
    conn.execute("PRAGMA foreign_keys=OFF")
    try:
        _create_or_migrate(conn, path)
    finally:
        conn.execute("PRAGMA foreign_keys=ON")


def _create_or_migrate(conn: sqlite3.Connection, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = _version(conn, path)  # again, under the write lock
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{path}: written by a newer viglas (store schema {version}; this version reads up "
                             f"to {SCHEMA_VERSION}); upgrade viglas to use it")
        if version == 1:
            for statement in _statements(_MIGRATE_1_TO_2):
                conn.execute(statement)
        elif version is not None and version != SCHEMA_VERSION:
            raise StoreError(f"{path}: store schema {version} is not one this viglas can read or migrate")
        for statement in _statements(_TABLES):
            conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise StoreError(f"{path}: the store's rows do not reference each other consistently; not migrated")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise

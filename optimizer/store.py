"""The campaign database: SQLite in WAL mode, the single source of truth.

Every write is one ``BEGIN IMMEDIATE`` transaction, so a kill at any moment loses nothing that was
committed, and two processes (``run`` and a ``tell``) serialise instead of corrupting each other.
Models are never stored; they are refit from these tables.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

from oracles import Composition

SCHEMA_VERSION = 1
CandidateState = Literal["pending", "done", "failed"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config_history (
    id INTEGER PRIMARY KEY, hash TEXT NOT NULL, config TEXT NOT NULL, recorded_at TEXT NOT NULL,
    forced INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY, M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL, s_al REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    source TEXT NOT NULL, batch INTEGER, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
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
    PRIMARY KEY (candidate_id, oracle));
CREATE TABLE IF NOT EXISTS analysed (
    id INTEGER PRIMARY KEY, candidate_id INTEGER NOT NULL REFERENCES candidates(id),
    M TEXT NOT NULL, m_al REAL NOT NULL, o_al REAL NOT NULL, s_al REAL NOT NULL,
    source TEXT NOT NULL, recorded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    candidate_id INTEGER NOT NULL REFERENCES candidates(id), oracle TEXT NOT NULL,
    PRIMARY KEY (candidate_id, oracle));
CREATE INDEX IF NOT EXISTS results_by_candidate ON results (candidate_id, output);
"""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Candidate:
    id: int
    composition: Composition
    state: CandidateState
    source: str
    batch: int | None


@dataclass(frozen=True)
class ResultRow:
    candidate_id: int
    oracle: str
    output: str
    value: float
    std: float | None
    unit: str
    fidelity: str | None
    recorded_at: str
    provenance: dict[str, Any]
    superseded: bool


class Store:
    """Typed access to one campaign database file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection per thread: sqlite3 connections must not be shared across threads.
        self._local = threading.local()
        self._conn().executescript(_SCHEMA)
        if self.get_meta("schema_version") is None:
            with self.transaction() as tx:
                tx.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=60000")
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; taken with ``BEGIN IMMEDIATE`` so concurrent writers queue."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- meta and config -------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def record_config(self, config_json: str, config_hash: str, *, forced: bool) -> None:
        with self.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('config_hash', ?)", (config_hash,))
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (config_json,))
            tx.execute(
                "INSERT INTO config_history (hash, config, recorded_at, forced) VALUES (?, ?, ?, ?)",
                (config_hash, config_json, utc_now(), int(forced)),
            )

    def config_history(self) -> list[dict[str, Any]]:
        rows = self._conn().execute("SELECT hash, recorded_at, forced FROM config_history ORDER BY id").fetchall()
        return [dict(r) for r in rows]

    # --- candidates ------------------------------------------------------------------------
    def add_candidates(self, comps: Sequence[Composition], *, source: str, batch: int | None,
                       assign: Sequence[Sequence[str] | None] | None = None,
                       tx: sqlite3.Connection | None = None) -> list[int]:
        """Insert pending candidates; ``assign[i]`` limits candidate i to those oracles (None: all)."""
        if tx is None:
            with self.transaction() as own:
                return self.add_candidates(comps, source=source, batch=batch, assign=assign, tx=own)
        now = utc_now()
        ids = []
        for c in comps:
            cur = tx.execute(
                "INSERT INTO candidates (M, m_al, o_al, s_al, state, source, batch, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                (c.M, c.m_al, c.o_al, c.s_al, source, batch, now, now),
            )
            ids.append(int(cur.lastrowid or 0))
        for cid, oracles in zip(ids, assign or [None] * len(ids)):
            for oracle in oracles or ():
                tx.execute("INSERT OR IGNORE INTO assignments VALUES (?, ?)", (cid, oracle))
        return ids

    def assignments(self) -> dict[int, set[str]]:
        """candidate id -> the oracles it was sent to (candidates sent to every oracle are absent)."""
        out: dict[int, set[str]] = {}
        for r in self._conn().execute("SELECT candidate_id, oracle FROM assignments"):
            out.setdefault(int(r[0]), set()).add(r[1])
        return out

    @staticmethod
    def _candidate(row: sqlite3.Row) -> Candidate:
        comp = Composition(row["M"], row["m_al"], row["o_al"], row["s_al"])
        return Candidate(int(row["id"]), comp, row["state"], row["source"], row["batch"])

    def candidates(self, state: CandidateState | None = None) -> list[Candidate]:
        query, args = "SELECT * FROM candidates", ()  # type: tuple[str, tuple[str, ...]]
        if state is not None:
            query, args = query + " WHERE state = ?", (state,)
        return [self._candidate(r) for r in self._conn().execute(query + " ORDER BY id", args)]

    def candidate(self, candidate_id: int) -> Candidate | None:
        row = self._conn().execute("SELECT * FROM candidates WHERE id = ?", (candidate_id,)).fetchone()
        return None if row is None else self._candidate(row)

    def count(self, *, exclude_source: str | None = None) -> int:
        query, args = "SELECT COUNT(*) FROM candidates", ()  # type: tuple[str, tuple[str, ...]]
        if exclude_source:
            query, args = query + " WHERE source != ?", (exclude_source,)
        return int(self._conn().execute(query, args).fetchone()[0])

    def next_batch(self) -> int:
        row = self._conn().execute("SELECT MAX(batch) FROM candidates").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    # --- results ---------------------------------------------------------------------------
    def results(self, *, include_superseded: bool = False) -> list[ResultRow]:
        query = "SELECT * FROM results" + ("" if include_superseded else " WHERE superseded = 0") + " ORDER BY id"
        return [
            ResultRow(
                int(r["candidate_id"]), r["oracle"], r["output"], float(r["value"]),
                None if r["std"] is None else float(r["std"]), r["unit"], r["fidelity"], r["recorded_at"],
                json.loads(r["provenance"]), bool(r["superseded"]),
            )
            for r in self._conn().execute(query)
        ]

    def failures(self) -> dict[int, list[tuple[str, str]]]:
        """candidate id -> [(oracle, reason), ...]."""
        out: dict[int, list[tuple[str, str]]] = {}
        for r in self._conn().execute("SELECT candidate_id, oracle, reason FROM failures ORDER BY id"):
            out.setdefault(int(r["candidate_id"]), []).append((r["oracle"], r["reason"]))
        return out

    def record_analysed(self, candidate_id: int, comp: Composition, *, source: str,
                        tx: sqlite3.Connection | None = None) -> None:
        """Store the analysed (as-made) composition of a candidate; the latest one is used for modelling."""
        if tx is None:
            with self.transaction() as own:
                return self.record_analysed(candidate_id, comp, source=source, tx=own)
        tx.execute("INSERT INTO analysed (candidate_id, M, m_al, o_al, s_al, source, recorded_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)", (candidate_id, comp.M, comp.m_al, comp.o_al, comp.s_al, source,
                                                     utc_now()))
        return None

    def analysed(self) -> dict[int, Composition]:
        """candidate id -> latest analysed composition."""
        rows = self._conn().execute("SELECT * FROM analysed ORDER BY id")
        return {int(r["candidate_id"]): Composition(r["M"], r["m_al"], r["o_al"], r["s_al"]) for r in rows}

    def evaluated_by(self, oracle: str) -> set[int]:
        rows = self._conn().execute("SELECT candidate_id FROM evaluations WHERE oracle = ?", (oracle,))
        return {int(r[0]) for r in rows}

    # --- writes that change a candidate's state ----------------------------------------------
    def _current_outputs(self, tx: sqlite3.Connection, candidate_id: int) -> set[str]:
        """Outputs the candidate has, each also as ``output@oracle`` (see `record_values`' ``required``)."""
        rows = tx.execute("SELECT output, oracle FROM results WHERE candidate_id = ? AND superseded = 0",
                          (candidate_id,)).fetchall()
        return {r[0] for r in rows} | {f"{r[0]}@{r[1]}" for r in rows}

    def _update_state(self, tx: sqlite3.Connection, candidate_id: int, required: Sequence[str]) -> None:
        failed = tx.execute("SELECT 1 FROM failures WHERE candidate_id = ?", (candidate_id,)).fetchone()
        if failed:
            state = "failed"
        elif set(required) <= self._current_outputs(tx, candidate_id):
            state = "done"
        else:
            state = "pending"
        tx.execute("UPDATE candidates SET state = ?, updated_at = ? WHERE id = ?", (state, utc_now(), candidate_id))

    def record_values(
        self,
        candidate_id: int,
        *,
        oracle: str,
        values: dict[str, float],
        std: dict[str, float] | None,
        units: dict[str, str],
        required: Sequence[str],
        fidelity: str | None = None,
        provenance: dict[str, Any] | None = None,
        replace: bool = False,
        mark_evaluated: bool = True,
        tx: sqlite3.Connection | None = None,
    ) -> None:
        """Store an oracle's (or a person's) values for one candidate, and update its state.

        ``required`` lists what completes the candidate: output names, or ``output@oracle`` where it
        must come from that oracle (the lab, for a candidate sent there).
        A value for an output that already has one from the same oracle is refused unless ``replace``;
        the old value is then kept as superseded history. Values of one output from several oracles
        (simulation and lab) coexist: they are different fidelities. Raises `KeyError` for an unknown candidate id.
        """
        if tx is None:
            with self.transaction() as own:
                return self.record_values(
                    candidate_id, oracle=oracle, values=values, std=std, units=units, required=required,
                    fidelity=fidelity, provenance=provenance, replace=replace, mark_evaluated=mark_evaluated, tx=own,
                )
        if tx.execute("SELECT 1 FROM candidates WHERE id = ?", (candidate_id,)).fetchone() is None:
            raise KeyError(f"no candidate with id {candidate_id}")
        now, prov = utc_now(), json.dumps(provenance or {}, default=str)
        rows = tx.execute("SELECT output FROM results WHERE candidate_id = ? AND oracle = ? AND superseded = 0",
                          (candidate_id, oracle))
        existing = {r[0] for r in rows} & set(values)
        if existing and not replace:
            raise ValueError(
                f"candidate {candidate_id} already has {', '.join(sorted(existing))} from {oracle}; "
                "use --replace to supersede"
            )
        for output in existing:
            tx.execute(
                "UPDATE results SET superseded = 1 WHERE candidate_id = ? AND output = ? AND oracle = ?"
                " AND superseded = 0",
                (candidate_id, output, oracle),
            )
        for output, value in values.items():
            sd = None if std is None else std.get(output)
            tx.execute(
                "INSERT INTO results (candidate_id, oracle, output, value, std, unit, fidelity, recorded_at,"
                " provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (candidate_id, oracle, output, float(value), sd, units[output], fidelity, now, prov),
            )
        if mark_evaluated:
            tx.execute("INSERT OR REPLACE INTO evaluations VALUES (?, ?, 'done', ?)", (candidate_id, oracle, now))
        self._update_state(tx, candidate_id, required)
        return None

    def record_failure(
        self, candidate_id: int, *, oracle: str, reason: str, required: Sequence[str],
        tx: sqlite3.Connection | None = None,
    ) -> None:
        """Mark ``candidate_id`` failed by ``oracle`` with ``reason`` (kept for display and modelling)."""
        if tx is None:
            with self.transaction() as own:
                return self.record_failure(candidate_id, oracle=oracle, reason=reason, required=required, tx=own)
        if tx.execute("SELECT 1 FROM candidates WHERE id = ?", (candidate_id,)).fetchone() is None:
            raise KeyError(f"no candidate with id {candidate_id}")
        now = utc_now()
        tx.execute("INSERT INTO failures (candidate_id, oracle, reason, recorded_at) VALUES (?, ?, ?, ?)",
                   (candidate_id, oracle, reason, now))
        tx.execute("INSERT OR REPLACE INTO evaluations VALUES (?, ?, 'failed', ?)", (candidate_id, oracle, now))
        self._update_state(tx, candidate_id, required)
        return None

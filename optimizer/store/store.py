"""The campaign database: SQLite in WAL mode, the single source of truth.

Every write is one ``BEGIN IMMEDIATE`` transaction, so a kill at any moment loses nothing that was
committed, and two processes (``run`` and a ``tell``) serialise instead of corrupting each other.
Readers take one consistent view with `Store.read` (a read transaction). Models are never stored;
they are refit from these tables.

Each committed write is also copied from the write-ahead log into the database file (a passive
checkpoint). Long runs are killed, never closed, and SQLite's own checkpoint waits for 1000 pages, so
without it a campaign's file alone (what is copied, committed to git or mailed; ``*.sqlite-wal`` is
not) could miss days of results. It costs about 11 ms of wall time per write, almost all of it the
file's fsync (`benchmarks/RESULTS.md`, "Store"): small beside an evaluation or a proposal, and a
file of lab rows is one write.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

from oracles import Composition

from .reads import StoreReader
from .records import HISTORICAL, CandidateState, Proposed, Requirement, utc_now
from .schema import StoreError, check_location, create_or_migrate

#: Seconds a writer waits for another process's transaction before giving up with a clear error.
BUSY_TIMEOUT_S = 60.0


class Store(StoreReader):
    """Typed access to one campaign database file.

    Reads are inherited from `StoreReader`; every write is here.

    Args:
        path: the SQLite file.
        create: make the file if it does not exist (readers pass False: a status query must not leave
            an empty store behind); `StoreError` if it is missing then.
    """

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        check_location(self.path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no store yet (nothing was run or asked in this campaign)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StoreError(f"{self.path}: cannot create its folder: {err.strerror}") from None
        # One connection per thread: sqlite3 connections must not be shared across threads.
        self._local = threading.local()
        try:
            create_or_migrate(self._conn(), self.path)
        except sqlite3.DatabaseError as err:
            self.close()
            raise StoreError(f"{self.path}: cannot open the store: {err}") from None

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as err:
                raise StoreError(f"{self.path}: cannot open the store: {err}") from None
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
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
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise StoreError(f"{self.path}: the store stayed locked by another program for {BUSY_TIMEOUT_S:g} s "
                             f"({err}); nothing was written, try again") from None
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._checkpoint(conn)

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        """Copy committed pages into the database file; PASSIVE never waits for a reader or writer."""
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    # --- meta and config -------------------------------------------------------------------
    def record_config(self, config_json: str, config_hash: str, *, forced: bool) -> None:
        with self.transaction() as tx:
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('config_hash', ?)", (config_hash,))
            tx.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (config_json,))
            tx.execute("INSERT INTO config_history (hash, config, recorded_at, forced) VALUES (?, ?, ?, ?)",
                       (config_hash, config_json, utc_now(), int(forced)))

    # --- candidates ------------------------------------------------------------------------
    def add_candidates(self, proposed: Sequence[Proposed], *, batch: int | None, budget: int | None = None,
                       tx: sqlite3.Connection | None = None) -> list[int]:
        """Insert new pending candidates; return their ids, in order.

        Inside the one transaction: a composition already in the store (or earlier in ``proposed``)
        is skipped, and with ``budget`` no more are inserted than keep the proposals (all but
        historical entries) at or under it. So concurrent writers can never overshoot the budget or
        insert one composition twice.
        """
        if tx is None:
            with self.transaction() as own:
                return self.add_candidates(proposed, batch=batch, budget=budget, tx=own)
        taken = {self._candidate(r).composition for r in tx.execute("SELECT * FROM candidates")}
        room = None if budget is None else max(0, budget - self.n_proposed(tx))
        now, ids = utc_now(), []
        for item in proposed:
            if item.composition in taken or (room is not None and item.source != HISTORICAL and room <= 0):
                continue
            c = item.composition
            cur = tx.execute(
                "INSERT INTO candidates (M, m_al, o_al, s_al, state, source, batch, created_at, updated_at, proposal)"
                " VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                (c.M, c.m_al, c.o_al, c.s_al, item.source, batch, now, now, json.dumps(item.record, default=str)))
            cid = int(cur.lastrowid or 0)
            ids.append(cid)
            taken.add(c)
            if room is not None and item.source != HISTORICAL:
                room -= 1
            for oracle in sorted(item.oracles or ()):
                tx.execute("INSERT OR IGNORE INTO assignments VALUES (?, ?)", (cid, oracle))
        return ids

    # --- results and other rows ----------------------------------------------------------------
    # --- writes that change a candidate's state ----------------------------------------------
    def _existing(self, tx: sqlite3.Connection, candidate_id: int) -> str:
        if not -(2**63) <= candidate_id < 2**63:
            raise KeyError(f"no candidate with id {candidate_id}")
        row = tx.execute("SELECT state FROM candidates WHERE id = ?", (candidate_id,)).fetchone()
        if row is None:
            raise KeyError(f"no candidate with id {candidate_id}")
        return str(row[0])

    def _update_state(self, tx: sqlite3.Connection, candidate_id: int, required: Sequence[Requirement]) -> None:
        if self._existing(tx, candidate_id) == "withdrawn":
            return  # a withdrawn candidate stays withdrawn, whatever arrives for it later
        failed = tx.execute("SELECT 1 FROM failures WHERE candidate_id = ?", (candidate_id,)).fetchone()
        rows = tx.execute("SELECT output, oracle FROM results WHERE candidate_id = ? AND superseded = 0",
                          (candidate_id,)).fetchall()
        have = {(r[0], r[1]) for r in rows}
        state: CandidateState = ("failed" if failed else
                                 "done" if all(req.met_by(have) for req in required) else "pending")
        tx.execute("UPDATE candidates SET state = ?, updated_at = ? WHERE id = ?", (state, utc_now(), candidate_id))

    def record_values(
        self, candidate_id: int, *, oracle: str, values: dict[str, float], std: dict[str, float] | None,
        units: dict[str, str], required: Sequence[Requirement], fidelity: str | None = None,
        provenance: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None, replace: bool = False,
        mark_evaluated: bool = True, tx: sqlite3.Connection | None = None,
    ) -> None:
        """Store an oracle's (or a person's) values for one candidate, and update its state.

        ``required`` is what completes the candidate (`Requirement`s). A value for an output that
        already has one from the same oracle is refused unless ``replace``; the old value is then kept
        as superseded history. Values of one output from several oracles (simulation and lab) coexist:
        they are different fidelities. ``metadata`` (an oracle's, JSON-ready) is stored once per
        evaluation; ``provenance`` (who entered it, from which file) with each value.
        Raises `KeyError` for an unknown candidate id.
        """
        if tx is None:
            with self.transaction() as own:
                return self.record_values(
                    candidate_id, oracle=oracle, values=values, std=std, units=units, required=required,
                    fidelity=fidelity, provenance=provenance, metadata=metadata, replace=replace,
                    mark_evaluated=mark_evaluated, tx=own)
        self._existing(tx, candidate_id)
        now, prov = utc_now(), json.dumps(provenance or {}, default=str)
        rows = tx.execute("SELECT output FROM results WHERE candidate_id = ? AND oracle = ? AND superseded = 0",
                          (candidate_id, oracle))
        existing = {r[0] for r in rows} & set(values)
        if existing and not replace:
            raise ValueError(f"candidate {candidate_id} already has {', '.join(sorted(existing))} from {oracle}; "
                             "use --replace to supersede")
        for output in existing:
            tx.execute("UPDATE results SET superseded = 1 WHERE candidate_id = ? AND output = ? AND oracle = ?"
                       " AND superseded = 0", (candidate_id, output, oracle))
        for output, value in values.items():
            sd = None if std is None or output not in std else float(std[output])
            tx.execute("INSERT INTO results (candidate_id, oracle, output, value, std, unit, fidelity, recorded_at,"
                       " provenance) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (candidate_id, oracle, output, float(value), sd, units[output], fidelity, now, prov))
        if mark_evaluated:
            tx.execute("INSERT OR REPLACE INTO evaluations VALUES (?, ?, 'done', ?, ?)",
                       (candidate_id, oracle, now, json.dumps(metadata or {}, default=str)))
            tx.execute("DELETE FROM attempts WHERE candidate_id = ? AND oracle = ?", (candidate_id, oracle))
        self._update_state(tx, candidate_id, required)
        return None

    def start_attempt(self, candidate_id: int, oracle: str) -> int:
        """Note that ``oracle`` starts evaluating ``candidate_id``; return the attempt number (1 the first time).

        The note is removed when a result or failure is recorded; one still there at the next start means
        the process died during the evaluation.
        """
        with self.transaction() as tx:
            tx.execute("INSERT INTO attempts VALUES (?, ?, 1, ?) ON CONFLICT(candidate_id, oracle) DO UPDATE "
                       "SET count = count + 1, started_at = excluded.started_at", (candidate_id, oracle, utc_now()))
            row = tx.execute("SELECT count FROM attempts WHERE candidate_id = ? AND oracle = ?",
                             (candidate_id, oracle)).fetchone()
        return int(row[0])

    def record_failure(self, candidate_id: int, *, oracle: str, reason: str, required: Sequence[Requirement],
                       tx: sqlite3.Connection | None = None) -> None:
        """Mark ``candidate_id`` failed by ``oracle`` with ``reason`` (kept for display and modelling)."""
        if tx is None:
            with self.transaction() as own:
                return self.record_failure(candidate_id, oracle=oracle, reason=reason, required=required, tx=own)
        self._existing(tx, candidate_id)
        now = utc_now()
        tx.execute("INSERT INTO failures (candidate_id, oracle, reason, recorded_at) VALUES (?, ?, ?, ?)",
                   (candidate_id, oracle, reason, now))
        tx.execute("INSERT OR REPLACE INTO evaluations VALUES (?, ?, 'failed', ?, '{}')", (candidate_id, oracle, now))
        tx.execute("DELETE FROM attempts WHERE candidate_id = ? AND oracle = ?", (candidate_id, oracle))
        self._update_state(tx, candidate_id, required)
        return None

    def record_analysed(self, candidate_id: int, comp: Composition, *, source: str,
                        tx: sqlite3.Connection | None = None) -> None:
        """Store the analysed (as-made) composition of a candidate; the latest one is used for modelling."""
        if tx is None:
            with self.transaction() as own:
                return self.record_analysed(candidate_id, comp, source=source, tx=own)
        self._existing(tx, candidate_id)
        tx.execute("INSERT INTO analysed (candidate_id, M, m_al, o_al, s_al, source, recorded_at)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (candidate_id, comp.M, comp.m_al, comp.o_al, comp.s_al, source, utc_now()))
        return None

    def withdraw(self, candidate_id: int, *, reason: str, tx: sqlite3.Connection | None = None) -> None:
        """Withdraw a pending candidate (kept in the history with ``reason``; frees its budget slot).

        Raises `KeyError` for an unknown id, `ValueError` unless the candidate is pending.
        """
        if tx is None:
            with self.transaction() as own:
                return self.withdraw(candidate_id, reason=reason, tx=own)
        state = self._existing(tx, candidate_id)
        if state != "pending":
            raise ValueError(f"candidate {candidate_id} is {state}; only a pending candidate can be withdrawn")
        tx.execute("INSERT INTO withdrawals (candidate_id, reason, recorded_at) VALUES (?, ?, ?)",
                   (candidate_id, reason, utc_now()))
        tx.execute("UPDATE candidates SET state = 'withdrawn', updated_at = ? WHERE id = ?", (utc_now(), candidate_id))
        return None


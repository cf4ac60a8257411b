"""Reading the store: typed rows, each query on this thread's connection (see `Store.read` for one view)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from oracles import Composition

from .records import HISTORICAL, Candidate, CandidateState, ResultRow


@dataclass(frozen=True)
class StoreRows:
    """Everything readers need, read in one transaction (so it is one consistent state of the store)."""

    candidates: tuple[Candidate, ...]
    results: tuple[ResultRow, ...]
    failures: dict[int, list[tuple[str, str]]]
    withdrawals: dict[int, str]
    analysed: dict[int, Composition]
    assignments: dict[int, set[str]]
    proposals: dict[int, dict[str, Any]]


class StoreReader:
    """The read half of `Store`; subclasses provide the connection."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    @contextmanager
    def read(self) -> Iterator[None]:
        """Reads inside this block see one consistent state of the store (a read transaction)."""
        conn = self._conn()
        if conn.in_transaction:  # nested, or inside a write: already consistent
            yield
            return
        conn.execute("BEGIN")
        try:
            yield
        finally:
            conn.execute("COMMIT")

    def get_meta(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def config_history(self) -> list[dict[str, Any]]:
        rows = self._conn().execute("SELECT hash, recorded_at, forced FROM config_history ORDER BY id").fetchall()
        return [dict(r) for r in rows]

    def find(self, composition: Composition) -> Candidate | None:
        """The candidate with exactly this composition (as proposed), if any."""
        for cand in self.candidates():
            if cand.composition == composition:
                return cand
        return None

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
        if not -(2**63) <= candidate_id < 2**63:
            return None  # SQLite integers are 64-bit; a larger id names no candidate
        row = self._conn().execute("SELECT * FROM candidates WHERE id = ?", (candidate_id,)).fetchone()
        return None if row is None else self._candidate(row)

    def n_proposed(self, tx: sqlite3.Connection | None = None) -> int:
        """Candidates that count against the budget: all but historical entries and withdrawn ones."""
        row = (tx or self._conn()).execute("SELECT COUNT(*) FROM candidates WHERE source != ? AND state != ?",
                                           (HISTORICAL, "withdrawn")).fetchone()
        return int(row[0])

    def next_batch(self) -> int:
        row = self._conn().execute("SELECT MAX(batch) FROM candidates").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def proposals(self) -> dict[int, dict[str, Any]]:
        """candidate id -> its proposal record (empty for candidates without one)."""
        rows = self._conn().execute("SELECT id, proposal FROM candidates WHERE proposal != '{}'")
        return {int(r["id"]): json.loads(r["proposal"]) for r in rows}

    def results(self, *, include_superseded: bool = False, candidate_id: int | None = None) -> list[ResultRow]:
        """Result rows in the order they were written (current ones only unless ``include_superseded``)."""
        where = [] if include_superseded else ["superseded = 0"]
        args: tuple[int, ...] = ()
        if candidate_id is not None:
            where, args = [*where, "candidate_id = ?"], (candidate_id,)
        query = "SELECT * FROM results" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return [
            ResultRow(int(r["candidate_id"]), r["oracle"], r["output"], float(r["value"]),
                      None if r["std"] is None else float(r["std"]), r["unit"], r["fidelity"], r["recorded_at"],
                      json.loads(r["provenance"]), bool(r["superseded"]))
            for r in self._conn().execute(query, args)
        ]

    def failures(self) -> dict[int, list[tuple[str, str]]]:
        """candidate id -> [(oracle, reason), ...]."""
        out: dict[int, list[tuple[str, str]]] = {}
        for r in self._conn().execute("SELECT candidate_id, oracle, reason FROM failures ORDER BY id"):
            out.setdefault(int(r["candidate_id"]), []).append((r["oracle"], r["reason"]))
        return out

    def withdrawals(self) -> dict[int, str]:
        """candidate id -> the reason it was withdrawn."""
        rows = self._conn().execute("SELECT candidate_id, reason FROM withdrawals ORDER BY id")
        return {int(r["candidate_id"]): r["reason"] for r in rows}

    def analysed(self) -> dict[int, Composition]:
        """candidate id -> latest analysed (as-made) composition."""
        rows = self._conn().execute("SELECT * FROM analysed ORDER BY id")
        return {int(r["candidate_id"]): Composition(r["M"], r["m_al"], r["o_al"], r["s_al"]) for r in rows}

    def evaluated_by(self, oracle: str) -> set[int]:
        rows = self._conn().execute("SELECT candidate_id FROM evaluations WHERE oracle = ?", (oracle,))
        return {int(r[0]) for r in rows}

    def evaluation_metadata(self, candidate_id: int) -> dict[str, dict[str, Any]]:
        """oracle -> the metadata its evaluation of ``candidate_id`` returned."""
        rows = self._conn().execute("SELECT oracle, metadata FROM evaluations WHERE candidate_id = ?", (candidate_id,))
        return {r["oracle"]: json.loads(r["metadata"]) for r in rows}

    def rows(self) -> StoreRows:
        """Every table readers use, in one read transaction."""
        with self.read():
            return StoreRows(tuple(self.candidates()), tuple(self.results()), self.failures(), self.withdrawals(),
                             self.analysed(), self.assignments(), self.proposals())

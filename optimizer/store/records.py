"""Rows of the store as typed values, and the completion rule of a candidate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from oracles import Composition

CandidateState = Literal["pending", "done", "failed", "withdrawn"]

#: Sources of candidates that are not proposals: they do not count against the budget.
HISTORICAL = "historical"
#: Source of the space-filling design before the first model.
INITIAL = "initial"
#: Source of the campaign file's fixed ``candidates:`` list.
LISTED = "listed"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Candidate:
    """One candidate as stored: the composition proposed, its state, where it came from, its batch."""

    id: int
    composition: Composition
    state: CandidateState
    source: str
    batch: int | None


@dataclass(frozen=True)
class ResultRow:
    """One value of one output of one candidate from one source (an oracle label, or the lab's)."""

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


@dataclass(frozen=True)
class Requirement:
    """An output a candidate needs before it is done: from any source, or from one named ``oracle``.

    A candidate sent to the lab needs the lab's value: a simulation of the same output cannot stand in.
    """

    output: str
    oracle: str | None = None

    def met_by(self, have: set[tuple[str, str]]) -> bool:
        """Whether ``have`` (``(output, oracle)`` pairs present) satisfies this requirement."""
        if self.oracle is None:
            return any(output == self.output for output, _ in have)
        return (self.output, self.oracle) in have

    def __str__(self) -> str:
        return self.output if self.oracle is None else f"{self.output} from {self.oracle}"


@dataclass(frozen=True)
class Proposed:
    """A composition to insert as a new candidate, with the oracles to send it to and its proposal record.

    ``oracles`` None sends it to every oracle. ``record`` is what the model said when it was
    proposed (predicted means and stds, why it was chosen); JSON-ready.
    """

    composition: Composition
    source: str
    oracles: frozenset[str] | None = None
    record: dict[str, Any] = field(default_factory=dict)

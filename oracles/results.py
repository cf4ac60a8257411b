"""What an oracle returns for one candidate: an `Evaluation` or a `Failure`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True)
class Evaluation:
    """Measured or computed outputs for one candidate.

    Attributes:
        values: output name -> value, in the unit the oracle declares in ``outputs``.
        std: output name -> one standard deviation, same unit; None (or a missing name) when the
            oracle gives no uncertainty, in which case the surrogate learns the noise.
        metadata: JSON-serialisable provenance (settings, artifacts with paths and hashes, ...).
        fidelity: label of the protocol that produced the values (e.g. the ML-MD preset).
    """

    values: dict[str, float]
    std: dict[str, float] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    fidelity: str | None = None


@dataclass(frozen=True)
class Failure:
    """A candidate the oracle could not evaluate; stored and shown, never fatal to a campaign."""

    reason: str


Result = Union[Evaluation, Failure]

"""The oracle contract that built-in and user oracles implement."""

from __future__ import annotations

from typing import Mapping, Protocol, Sequence, runtime_checkable

from .composition import Composition
from .results import Evaluation, Failure


class OracleSetupError(RuntimeError):
    """An oracle cannot start at all (missing model, bad option); raised before any evaluation."""


@runtime_checkable
class Oracle(Protocol):
    """Evaluates batches of compositions.

    ``outputs`` maps each output name the oracle can produce to its unit (e.g.
    ``{"log10_sigma_30C": "log10(S/cm)"}``). ``evaluate`` returns one `Evaluation` or `Failure`
    per input, in input order; a problem with one candidate is a `Failure`, not an exception.
    """

    name: str
    outputs: Mapping[str, str]

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]: ...

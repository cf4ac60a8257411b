"""The oracle contract that built-in and user oracles implement."""

from __future__ import annotations

from typing import Literal, Mapping, Protocol, Sequence, runtime_checkable

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


#: How a formula is modelled: as a glass (amorphous model of the composition) or as a crystal (a reference phase).
StructureKind = Literal["glass", "crystal"]


@runtime_checkable
class FormulaOracle(Oracle, Protocol):
    """An oracle that also evaluates any formula of its chemical system, as a glass or as a crystal.

    ``structure=None`` lets the oracle choose and record its choice in ``metadata["structure"]``;
    the command line (`viglas evaluate KIND FORMULA --structure ...`) calls exactly this method, so
    the two always give the same answer to the same question. A formula outside the oracle's
    chemical system raises ValueError; a formula it cannot model is a `Failure`.
    """

    def evaluate_formula(self, formula: str, /, *, structure: StructureKind | None = None,
                         metal: str | None = None) -> Evaluation | Failure: ...

"""The lab as an oracle: it declares what it measures; results arrive by hand (`viglas tell`)."""

from __future__ import annotations

from typing import Mapping, Sequence

from .composition import Composition
from .protocol import OracleSetupError
from .results import Evaluation, Failure


class LabOracle:
    """Outputs measured in the lab (impedance, DSC/DMA, LSV, ...), entered with `viglas tell`.

    The campaign never calls `evaluate`; candidates assigned to the lab stay pending until their
    results are entered, and `viglas run` stops with the list of what waits for the lab.

    Args:
        outputs: output name -> declared unit, e.g. ``{"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC"}``.
            Entered values may use other units (mS/cm, K, V vs Li/Li+); they are converted.
        name: label of the lab in the store.
    """

    manual = True

    def __init__(self, *, outputs: Mapping[str, str], name: str = "lab") -> None:
        if not outputs:
            raise OracleSetupError("kind lab needs outputs: {NAME: UNIT, ...} listing what the lab measures")
        for output, unit in outputs.items():
            if not isinstance(output, str) or not isinstance(unit, str) or not unit.strip():
                raise OracleSetupError(f"lab output {output!r} needs a unit string, e.g. tg_C: degC")
        self.outputs = dict(outputs)
        self.name = name

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        return [Failure("lab results are entered by hand: viglas tell FILE ID NAME=VALUE") for _ in batch]

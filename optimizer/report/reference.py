"""Measured values of the reference study's glasses, marked on the report's plots.

Source: the reference study of the oxychloroaluminate glasses LiAlCl2.5O0.75 (LACO75) and
NaAlCl2.5O0.75 (NACO75). Values are keyed by the output names the built-in oracles use, in the
same declared units (see each entry's ``units``). Only values the study reports are listed: NACO75's
conductivity is deliberately absent, so it is never marked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

SOURCE = "reference study (LACO75 = LiAlCl2.5O0.75, NACO75 = NaAlCl2.5O0.75)"


@dataclass(frozen=True)
class ReferenceGlass:
    """A measured glass: its label, formula, metal and values (output name -> value, declared units)."""

    label: str
    formula: str
    M: str
    o_al: float
    values: Mapping[str, float] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    source: str = SOURCE


LACO75 = ReferenceGlass(
    "LACO75", "LiAlCl2.5O0.75", "Li", 0.75,
    values={
        "log10_sigma_30C": math.log10(1.5e-3),  # sigma(30 degC) = 1.5e-3 S/cm
        "tg_C": -17.0,
        "oxidation_V": 3.85,
    },
    units={"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC", "oxidation_V": "V vs Li/Li+"},
)

NACO75 = ReferenceGlass(
    "NACO75", "NaAlCl2.5O0.75", "Na", 0.75,
    values={"tg_C": -26.0, "oxidation_V": 3.9},
    units={"tg_C": "degC", "oxidation_V": "V vs Na/Na+"},
)

REFERENCES: tuple[ReferenceGlass, ...] = (LACO75, NACO75)


def references_with(*outputs: str) -> list[ReferenceGlass]:
    """The reference glasses that report every one of ``outputs``."""
    return [ref for ref in REFERENCES if all(name in ref.values for name in outputs)]

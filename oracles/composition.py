"""The glass composition `M Al Cl(c) O(o) S(s)` as an immutable value object.

Charge balance (M+, Al3+, Cl-, O2-, S2-) fixes chlorine from the other ratios:
``cl_al = 3 + m_al - 2 (o_al + s_al)``.

>>> c = Composition("Li", m_al=1.0, o_al=0.75, s_al=0.0)
>>> c.formula
'LiAlCl2.5O0.75'
>>> c.cl_al
2.5
>>> Composition.parse("LiAlCl2.5O0.75") == c
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pymatgen.core

METALS = ("Li", "Na")
#: Ratios to Al are stored on a grid of this step; two compositions are equal when they lie on the same
#: grid point, so equality is exact, transitive and agrees with the hash.
RATIO_ATOL = 1e-6
_RATIO_DECIMALS = 6
#: Decimals shown in formulas; `CompositionSpace.snap` puts proposals on this grid.
FORMULA_DECIMALS = 4

_ELEMENT_AMOUNT = re.compile(r"([A-Z][a-z]?)(\d*\.?\d*(?:[eE][-+]?\d+)?)")


class CompositionError(ValueError):
    """A composition that is not a charge-balanced M-Al-Cl-O-S glass."""


def charge_balanced_cl_al(m_al: float, o_al: float, s_al: float) -> float:
    """Cl/Al that makes ``M(m_al) Al Cl(cl) O(o_al) S(s_al)`` neutral."""
    return 3.0 + m_al - 2.0 * (o_al + s_al)


def format_amount(amount: float) -> str:
    """Amount as written in a formula: 1 is omitted, trailing zeros dropped."""
    text = f"{amount:.{FORMULA_DECIMALS}f}".rstrip("0").rstrip(".")
    return "" if text == "1" else text


@dataclass(frozen=True)
class Composition:
    """A charge-balanced glass composition, given as molar ratios to Al.

    Ratios are rounded to the nearest multiple of `RATIO_ATOL` when the object is made; equality and
    hash compare those grid values, so compositions that are equal hash equally (sets and dict keys
    work) and equality is transitive. `almost_equals` compares with a tolerance instead.

    Attributes:
        M: the alkali metal, ``"Li"`` or ``"Na"``.
        m_al: M/Al molar ratio (>= 0).
        o_al: O/Al molar ratio (>= 0).
        s_al: S/Al molar ratio (>= 0).
    """

    M: str
    m_al: float
    o_al: float
    s_al: float = 0.0

    def __post_init__(self) -> None:
        if self.M not in METALS:
            raise CompositionError(f"M={self.M!r} is not one of {', '.join(METALS)}")
        for name in ("m_al", "o_al", "s_al"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise CompositionError(f"{name}={value!r} is not a number")
            if not math.isfinite(value):
                raise CompositionError(f"{name}={value} is not finite")
            if value < 0:
                raise CompositionError(f"{name}={value} is negative; ratios to Al must be >= 0")
            object.__setattr__(self, name, round(float(value), _RATIO_DECIMALS) + 0.0)  # + 0.0: no -0.0
        if self.cl_al < -RATIO_ATOL:
            raise CompositionError(
                f"cl_al={self.cl_al:.6g} is negative: o_al={self.o_al} and s_al={self.s_al} "
                f"take more charge than M/Al={self.m_al} and Al3+ supply"
            )

    @property
    def cl_al(self) -> float:
        """Cl/Al molar ratio fixed by charge balance."""
        return charge_balanced_cl_al(self.m_al, self.o_al, self.s_al)

    @property
    def amounts(self) -> dict[str, float]:
        """Moles of each element per mole of Al (elements with zero amount left out)."""
        raw = {self.M: self.m_al, "Al": 1.0, "Cl": max(self.cl_al, 0.0), "O": self.o_al, "S": self.s_al}
        return {el: x for el, x in raw.items() if x > RATIO_ATOL}

    @property
    def formula(self) -> str:
        """Formula normalised to one Al, e.g. ``LiAlCl2.5O0.75``."""
        return "".join(f"{el}{format_amount(x)}" for el, x in self.amounts.items())

    @property
    def mole_fractions(self) -> dict[str, float]:
        """Atomic fraction of each element (sums to 1)."""
        amounts = self.amounts
        total = sum(amounts.values())
        return {el: x / total for el, x in amounts.items()}

    @property
    def charge(self) -> float:
        """Net formal charge per Al (zero by construction; kept as a check)."""
        return self.m_al + 3.0 - self.cl_al - 2.0 * (self.o_al + self.s_al)

    def to_pymatgen(self) -> pymatgen.core.Composition:
        """The composition as a ``pymatgen.core.Composition`` (per one Al)."""
        from pymatgen.core import Composition as PmgComposition

        return PmgComposition(self.amounts)

    def as_dict(self) -> dict[str, Any]:
        return {"M": self.M, "m_al": self.m_al, "o_al": self.o_al, "s_al": self.s_al}

    def almost_equals(self, other: Composition, atol: float = RATIO_ATOL) -> bool:
        return self.M == other.M and all(
            abs(getattr(self, k) - getattr(other, k)) <= atol for k in ("m_al", "o_al", "s_al")
        )

    def __str__(self) -> str:
        return self.formula

    @classmethod
    def from_formula(cls, formula: str) -> Composition:
        """Parse a formula such as ``LiAlCl2.5O0.75`` or ``Na2Al2Cl5O1.5`` (normalised to one Al)."""
        text = formula.replace(" ", "")
        matches = list(_ELEMENT_AMOUNT.finditer(text))
        if not matches or "".join(m.group(0) for m in matches) != text:
            raise CompositionError(f"formula {formula!r} is not of the form LiAlCl2.5O0.75")
        amounts: dict[str, float] = {}
        for match in matches:
            element, amount = match.group(1), match.group(2)
            if element not in (*METALS, "Al", "Cl", "O", "S"):
                raise CompositionError(f"element {element!r} in {formula!r} is not one of Li, Na, Al, Cl, O, S")
            amounts[element] = amounts.get(element, 0.0) + (float(amount) if amount else 1.0)
        metals = [m for m in METALS if m in amounts]
        if len(metals) != 1:
            raise CompositionError(f"formula {formula!r} must contain exactly one of Li, Na")
        al = amounts.get("Al", 0.0)
        if al <= 0:
            raise CompositionError(f"formula {formula!r} contains no Al")
        comp = cls(metals[0], amounts[metals[0]] / al, amounts.get("O", 0.0) / al, amounts.get("S", 0.0) / al)
        cl = amounts.get("Cl", 0.0) / al
        if abs(cl - comp.cl_al) > 10 ** (-FORMULA_DECIMALS + 1):
            raise CompositionError(
                f"formula {formula!r} is not charge balanced: Cl/Al={cl:.4g}, "
                f"but 3 + M/Al - 2(O/Al + S/Al) = {comp.cl_al:.4g}"
            )
        return comp

    @classmethod
    def parse(cls, text: str) -> Composition:
        """Parse a formula or ``M=Li,m_al=1,o_al=0.75,s_al=0``."""
        if "=" not in text:
            return cls.from_formula(text)
        fields: dict[str, str] = {}
        for part in text.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise CompositionError(f"{part!r} in {text!r} is not KEY=VALUE")
            fields[key.strip()] = value.strip()
        unknown = set(fields) - {"M", "m_al", "o_al", "s_al"}
        if unknown:
            raise CompositionError(f"unknown key(s) {', '.join(sorted(unknown))} in {text!r}; use M, m_al, o_al, s_al")
        try:
            ratios = {k: float(fields.get(k, "0")) for k in ("m_al", "o_al", "s_al")}
        except ValueError as err:
            raise CompositionError(f"{text!r}: {err}") from None
        if "M" not in fields or "m_al" not in fields:
            raise CompositionError(f"{text!r} needs at least M and m_al")
        return cls(fields["M"], **ratios)

"""A lab's own composition constraints: linear inequalities in the molar ratios M/Al, O/Al, S/Al.

>>> c = LinearConstraint.parse("o_al + s_al <= 0.9")
>>> c.satisfied(1.0, 0.75, 0.1)
True
>>> str(LinearConstraint.parse("2*m_al >= 1.6 + o_al"))
'2 m_al - o_al >= 1.6'
>>> LinearConstraint.parse("0.5 m_al + 1e-1 * s_al >= 4E-1") == LinearConstraint.parse("0.5m_al+0.1s_al>=0.4")
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from .composition import CompositionError

#: The variables a constraint may use, in coefficient order.
VARIABLES = ("m_al", "o_al", "s_al")
#: Float rounding allowed when checking a constraint (the ratio grid of a `Composition` is 1e-6).
TOLERANCE = 1e-9

_NUMBER = r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TERM = re.compile(rf"\s*([-+])?\s*(?:({_NUMBER})\s*(\*)?\s*)?([A-Za-z_][A-Za-z0-9_]*)?\s*")
_HINTS = {
    "cl_al": "Cl/Al is fixed by charge balance; bound it with space.min_cl_al",
    "M": "constraints are linear in the ratios; restrict the metal with space.M",
}


class ConstraintError(CompositionError):
    """A composition constraint that is malformed, or that no composition of the space satisfies.

    ``index`` is the constraint's position in ``space.constraints`` (None when not known).
    """

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class LinearConstraint:
    """``c_m m_al + c_o o_al + c_s s_al  op  bound`` (ratios to Al, dimensionless).

    Equality, hash and order compare the coefficients, the operator and the bound; ``text`` (as the user
    wrote it) is kept for messages only.
    """

    coefficients: tuple[float, float, float]
    op: Literal["<=", ">="]
    bound: float
    text: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> LinearConstraint:
        """Parse ``"o_al + s_al <= 0.9"``, ``"2*m_al >= 1.6 + o_al"``, ``"m_al - 1.5e-1 s_al >= .8"`` ...

        Each side is a sum of ``[coefficient [*]] name`` terms and numbers; raises `ConstraintError`
        naming what is wrong.
        """
        if not isinstance(text, str):
            raise ConstraintError(f"constraint {text!r} is not text such as 'o_al + s_al <= 0.9'")
        ops = re.findall(r"<=|>=|=<|=>|==|<|>|=", text)
        if ops != ["<="] and ops != [">="]:
            found = ", ".join(repr(o) for o in ops) or "none"
            raise ConstraintError(f"constraint {text!r} needs exactly one '<=' or '>=' (found {found}); "
                                  "write it as e.g. 'o_al + s_al <= 0.9'")
        op: Literal["<=", ">="] = "<=" if ops == ["<="] else ">="
        left, right = text.split(op)
        coeffs_left, const_left = _side(left, text)
        coeffs_right, const_right = _side(right, text)
        coeffs = tuple(a - b + 0.0 for a, b in zip(coeffs_left, coeffs_right))
        bound = const_right - const_left + 0.0
        if not all(math.isfinite(v) for v in (*coeffs, bound)):
            raise ConstraintError(f"constraint {text!r}: its numbers must be finite")
        if all(c == 0 for c in coeffs):
            raise ConstraintError(f"constraint {text!r} does not depend on m_al, o_al or s_al")
        return cls((coeffs[0], coeffs[1], coeffs[2]), op, bound, text.strip())

    def value(self, m_al: float, o_al: float, s_al: float) -> float:
        """The left-hand side ``c . (m_al, o_al, s_al)``."""
        c = self.coefficients
        return c[0] * m_al + c[1] * o_al + c[2] * s_al

    def slack(self, m_al: float, o_al: float, s_al: float) -> float:
        """Positive inside, zero on the boundary, minus the violation outside."""
        value = self.value(m_al, o_al, s_al)
        return value - self.bound if self.op == ">=" else self.bound - value

    @property
    def tolerance(self) -> float:
        """Float rounding allowed, scaled with the size of the numbers (`TOLERANCE` for O(1) coefficients)."""
        return TOLERANCE * (1.0 + abs(self.bound) + sum(abs(c) for c in self.coefficients))

    def satisfied(self, m_al: float, o_al: float, s_al: float) -> bool:
        return self.slack(m_al, o_al, s_al) >= -self.tolerance

    def as_upper(self) -> tuple[tuple[float, float, float], float]:
        """The same half-space as ``a . x <= b`` (for linear programs)."""
        if self.op == "<=":
            return self.coefficients, self.bound
        a = self.coefficients
        return (-a[0] + 0.0, -a[1] + 0.0, -a[2] + 0.0), -self.bound + 0.0

    @property
    def left_side(self) -> str:
        """The left-hand side as text, e.g. ``o_al + s_al`` or ``2 m_al - o_al``."""
        terms: list[str] = []
        for c, name in zip(self.coefficients, VARIABLES):
            if c == 0:
                continue
            size = "" if abs(c) == 1 else f"{abs(c):.12g} "
            sign = ("-" if c < 0 else "") if not terms else (" - " if c < 0 else " + ")
            terms.append(f"{sign}{size}{name}")
        return "".join(terms)

    def __str__(self) -> str:
        return f"{self.left_side} {self.op} {self.bound:.12g}"


def _side(side: str, text: str) -> tuple[list[float], float]:
    """Coefficients of m_al, o_al, s_al and the constant of one side of ``text``."""
    coeffs, const = [0.0, 0.0, 0.0], 0.0
    pos, first = 0, True
    if not side.strip():
        raise ConstraintError(f"constraint {text!r} has an empty side")
    while pos < len(side):
        match = _TERM.match(side, pos)
        assert match is not None  # every group is optional
        sign, number, star, name = match.groups()
        if match.end() == pos or (number is None and name is None) or (sign is None and not first) \
                or (star and name is None):
            raise ConstraintError(f"constraint {text!r}: cannot read {side[pos:].strip()!r}; use terms such as "
                                  "'0.5 m_al', '2*o_al' or 's_al' joined by + and -, and numbers")
        factor = (-1.0 if sign == "-" else 1.0) * (float(number) if number is not None else 1.0)
        if name is None:
            const += factor
        elif name in VARIABLES:
            coeffs[VARIABLES.index(name)] += factor
        else:
            hint = _HINTS.get(name, "use m_al, o_al and s_al (molar ratios to Al)")
            raise ConstraintError(f"constraint {text!r}: unknown variable {name!r}; {hint}")
        pos, first = match.end(), False
    return coeffs, const

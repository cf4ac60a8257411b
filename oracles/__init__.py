"""Domain types and the oracle plug-in API.

Importing this package never loads torch; heavy dependencies are imported inside the oracles
that need them.
"""

from .composition import Composition, CompositionError
from .constraints import ConstraintError, LinearConstraint
from .protocol import FormulaOracle, Oracle, OracleSetupError, StructureKind
from .results import Evaluation, Failure, Result
from .space import CompositionSpace

__all__ = [
    "Composition",
    "CompositionError",
    "CompositionSpace",
    "ConstraintError",
    "Evaluation",
    "Failure",
    "FormulaOracle",
    "LinearConstraint",
    "Oracle",
    "OracleSetupError",
    "Result",
    "StructureKind",
]

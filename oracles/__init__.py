"""Domain types and the oracle plug-in API.

Importing this package never loads torch; heavy dependencies are imported inside the oracles
that need them.
"""

from .composition import Composition, CompositionError
from .constraints import ConstraintError, LinearConstraint
from .protocol import Oracle, OracleSetupError
from .results import Evaluation, Failure, Result
from .space import CompositionSpace

__all__ = [
    "Composition",
    "CompositionError",
    "CompositionSpace",
    "ConstraintError",
    "Evaluation",
    "Failure",
    "LinearConstraint",
    "Oracle",
    "OracleSetupError",
    "Result",
]

"""Conformance check that every oracle, built-in or a user's, must pass (like scikit-learn's estimator checks)."""

from __future__ import annotations

import math
from typing import Sequence

from .composition import Composition
from .protocol import Oracle
from .results import Evaluation, Failure

DEFAULT_PROBES = (
    Composition("Li", 1.0, 0.75, 0.0),
    Composition("Na", 1.0, 0.5, 0.1),
)


class OracleConformanceError(AssertionError):
    """The oracle breaks the `Oracle` contract; the message says how."""


def check_oracle(oracle: object, probes: Sequence[Composition] = DEFAULT_PROBES) -> None:
    """Raise `OracleConformanceError` unless ``oracle`` honours the contract on ``probes``.

    Checks: a ``name`` string; ``outputs`` a non-empty mapping of names to unit strings; an empty
    batch gives an empty list; one result per probe, in order, each an `Evaluation` or `Failure`;
    values only for declared outputs, finite; std finite and >= 0; at least one probe succeeds.
    """

    def fail(message: str) -> None:
        raise OracleConformanceError(f"{type(oracle).__name__}: {message}")

    if not isinstance(oracle, Oracle):
        fail("does not implement Oracle (needs name, outputs and evaluate)")
    assert isinstance(oracle, Oracle)
    if not isinstance(oracle.name, str) or not oracle.name:
        fail("name must be a non-empty string")
    if not oracle.outputs or not all(isinstance(k, str) and isinstance(v, str) for k, v in oracle.outputs.items()):
        fail("outputs must map each output name to its unit string, e.g. {'tg_C': 'degC'}")
    if list(oracle.evaluate([])) != []:
        fail("evaluate([]) must return []")
    results = list(oracle.evaluate(list(probes)))
    if len(results) != len(probes):
        fail(f"returned {len(results)} results for {len(probes)} compositions")
    for comp, result in zip(probes, results):
        if isinstance(result, Failure):
            if not isinstance(result.reason, str) or not result.reason:
                fail(f"Failure for {comp.formula} has no reason")
            continue
        if not isinstance(result, Evaluation):
            fail(f"returned {type(result).__name__} for {comp.formula}")
        assert isinstance(result, Evaluation)
        extra = set(result.values) - set(oracle.outputs)
        if extra:
            fail(f"returned undeclared outputs {sorted(extra)} for {comp.formula}")
        for name, value in result.values.items():
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                fail(f"{name}={value!r} for {comp.formula} is not a finite number")
        for name, std in (result.std or {}).items():
            if name not in result.values or not math.isfinite(std) or std < 0:
                fail(f"std {name}={std!r} for {comp.formula} is not a finite, non-negative uncertainty of a value")
    if all(isinstance(r, Failure) for r in results):
        fail("failed on every probe composition: " + "; ".join(r.reason for r in results if isinstance(r, Failure)))

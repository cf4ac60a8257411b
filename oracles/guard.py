"""Calling an oracle without trusting it: every misbehaviour becomes a per-candidate `Failure`."""

from __future__ import annotations

import logging
import math
from typing import Sequence

from .composition import Composition
from .protocol import Oracle
from .results import Evaluation, Failure, Result

logger = logging.getLogger(__name__)


def check_result(oracle: Oracle, result: object) -> Result:
    """``result`` if it is a well-formed `Evaluation` or `Failure` of ``oracle``, else a `Failure` saying why."""
    if isinstance(result, Failure):
        return result
    if not isinstance(result, Evaluation):
        return Failure(f"oracle {oracle.name!r} returned {type(result).__name__}, not Evaluation or Failure")
    undeclared = sorted(set(result.values) - set(oracle.outputs))
    if undeclared:
        return Failure(f"oracle {oracle.name!r} returned undeclared output(s) {undeclared}")
    if not result.values:
        return Failure(f"oracle {oracle.name!r} returned no values")
    for name, value in result.values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return Failure(f"oracle {oracle.name!r} returned non-finite {name}={value!r}")
    for name, std in (result.std or {}).items():
        if name not in result.values:
            return Failure(f"oracle {oracle.name!r} returned std for {name!r} without a value")
        if isinstance(std, bool) or not isinstance(std, (int, float)) or not math.isfinite(std) or std < 0:
            return Failure(f"oracle {oracle.name!r} returned invalid std {name}={std!r}")
    return result


def call_oracle(oracle: Oracle, batch: Sequence[Composition]) -> list[Result]:
    """Evaluate ``batch``, isolating exceptions and malformed answers to the candidates they concern.

    If the batch call raises, each candidate is retried alone so one bad composition cannot fail
    its neighbours. `OracleSetupError` is not caught: a broken setup stops the campaign.
    """
    from .protocol import OracleSetupError

    if not batch:
        return []
    try:
        results = list(oracle.evaluate(list(batch)))
    except OracleSetupError:
        raise
    except Exception as err:
        if len(batch) == 1:
            logger.warning("oracle %s raised on %s: %s", oracle.name, batch[0].formula, err)
            return [Failure(f"oracle {oracle.name!r} raised {type(err).__name__}: {err}")]
        logger.warning("oracle %s raised on a batch of %d; retrying one by one", oracle.name, len(batch))
        return [r for comp in batch for r in call_oracle(oracle, [comp])]
    if len(results) != len(batch):
        reason = f"oracle {oracle.name!r} returned {len(results)} results for {len(batch)} candidates"
        return [Failure(reason) for _ in batch]
    return [check_result(oracle, r) for r in results]

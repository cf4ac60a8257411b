"""Calling an oracle without trusting it: every misbehaviour becomes a per-candidate `Failure`."""

from __future__ import annotations

import json
import logging
import math
import numbers
from typing import Any, Mapping, Sequence

from .composition import Composition
from .protocol import Oracle
from .results import Evaluation, Failure, Result

logger = logging.getLogger(__name__)


#: Largest metadata one evaluation may store (bytes of JSON); larger metadata is replaced by a note.
MAX_METADATA_BYTES = 1_000_000


def _number(value: object) -> float | None:
    """``value`` as a float if it is a real number (Python, NumPy or a 0-d tensor via ``item()``), else None."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, numbers.Real):
        item = getattr(value, "item", None)
        try:
            value = item() if callable(item) else value
        except (TypeError, ValueError, RuntimeError):
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return None
    return float(value)


def _metadata(oracle: Oracle, metadata: object) -> dict[str, Any]:
    """JSON-ready metadata: anything JSON cannot hold is written as text; oversized or circular metadata
    is replaced by a note saying so (the values are still recorded)."""
    if not isinstance(metadata, Mapping):
        return {"metadata_error": f"oracle {oracle.name!r} returned metadata of type {type(metadata).__name__}"}
    try:
        text = json.dumps(dict(metadata), default=str)
    except (ValueError, TypeError, RecursionError) as err:
        return {"metadata_error": f"metadata not serialisable ({type(err).__name__}: {err})"[:500]}
    if len(text) > MAX_METADATA_BYTES:
        return {"metadata_error": f"metadata of {len(text)} bytes left out (limit {MAX_METADATA_BYTES}); keep "
                                  "large data in artifact files and store their paths"}
    return dict(json.loads(text))


def check_result(oracle: Oracle, result: object) -> Result:
    """``result`` as a well-formed `Evaluation` (plain floats, JSON-ready metadata) or `Failure` of
    ``oracle``; anything malformed becomes a `Failure` saying why."""
    if isinstance(result, Failure):
        reason = result.reason if isinstance(result.reason, str) and result.reason.strip() else None
        return result if reason else Failure(f"oracle {oracle.name!r} failed without a reason ({result.reason!r})")
    if not isinstance(result, Evaluation):
        return Failure(f"oracle {oracle.name!r} returned {type(result).__name__}, not Evaluation or Failure")
    if not isinstance(result.values, Mapping) or not result.values:
        return Failure(f"oracle {oracle.name!r} returned no values ({result.values!r:.80})")
    if result.std is not None and not isinstance(result.std, Mapping):
        return Failure(f"oracle {oracle.name!r} returned std of type {type(result.std).__name__}, not a mapping")
    undeclared = sorted(map(str, set(result.values) - set(oracle.outputs)))
    if undeclared:
        return Failure(f"oracle {oracle.name!r} returned undeclared output(s) {undeclared}")
    values: dict[str, float] = {}
    for name, value in result.values.items():
        number = _number(value)
        if number is None or not math.isfinite(number):
            return Failure(f"oracle {oracle.name!r} returned non-finite {name}={value!r:.80}")
        values[name] = number
    std: dict[str, float] = {}
    for name, sd in (result.std or {}).items():
        if name not in values:
            return Failure(f"oracle {oracle.name!r} returned std for {name!r} without a value")
        number = _number(sd)
        if number is None or not math.isfinite(number) or number < 0:
            return Failure(f"oracle {oracle.name!r} returned invalid std {name}={sd!r:.80}")
        std[name] = number
    fidelity = None if result.fidelity is None else str(result.fidelity)
    return Evaluation(values, std or None, _metadata(oracle, result.metadata), fidelity)


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
    except (Exception, SystemExit) as err:  # sys.exit() in an oracle fails the candidate, not the campaign
        if len(batch) == 1:
            logger.warning("oracle %s raised on %s: %s", oracle.name, batch[0].formula, err)
            return [Failure(f"oracle {oracle.name!r} raised {type(err).__name__}: {err}")]
        logger.warning("oracle %s raised on a batch of %d; retrying one by one", oracle.name, len(batch))
        return [r for comp in batch for r in call_oracle(oracle, [comp])]
    if len(results) != len(batch):
        reason = f"oracle {oracle.name!r} returned {len(results)} results for {len(batch)} candidates"
        return [Failure(reason) for _ in batch]
    return [check_result(oracle, r) for r in results]

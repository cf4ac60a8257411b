"""One composition through one oracle kind, outside any campaign (`viglas evaluate`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oracles import Composition, CompositionError, Evaluation, OracleSetupError
from oracles.guard import call_oracle, check_result

from .config import OracleConfig
from .oracle_factory import BUILTIN_ORACLES, Runtime, build_oracle


def evaluate_one(kind: str, text: str, *, preset: str | None = None, runtime: Runtime | None = None,
                 workdir: Path = Path("viglas-evaluate")) -> dict[str, Any]:
    """``{"values", "std", "metadata"}`` or ``{"failure": reason}`` for ``text`` evaluated by ``kind``.

    ``text`` is a glass formula or ``M=Li,m_al=1,...``; oracles with an ``evaluate_formula`` method
    (the hull oracle) also take any formula of their chemical system, such as ``LiCl``.
    """
    if kind not in BUILTIN_ORACLES:
        raise OracleSetupError(f"kind {kind!r} is not one of {', '.join(sorted(BUILTIN_ORACLES))}")
    options = {"preset": preset} if preset else {}
    entry = OracleConfig.model_validate({"kind": kind, **options})
    oracle = build_oracle(entry, base_dir=Path.cwd(), workdir=workdir / kind, runtime=runtime or Runtime())
    try:
        composition = Composition.parse(text)
    except CompositionError:
        evaluate_formula = getattr(oracle, "evaluate_formula", None)
        if evaluate_formula is None:
            raise
        result = check_result(oracle, evaluate_formula(text))
    else:
        result = call_oracle(oracle, [composition])[0]
    if isinstance(result, Evaluation):
        return {"values": result.values, "std": result.std or {}, "metadata": result.metadata,
                "fidelity": result.fidelity}
    return {"failure": result.reason}

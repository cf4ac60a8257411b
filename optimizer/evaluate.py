"""One composition through one oracle kind, outside any campaign (`viglas evaluate`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from oracles import Composition, Evaluation, FormulaOracle, OracleSetupError, StructureKind
from oracles.guard import call_oracle, check_result

from .config import OracleConfig
from .oracle_factory import BUILTIN_ORACLES, Runtime, build_oracle


def evaluate_one(kind: str, text: str, *, preset: str | None = None, runtime: Runtime | None = None,
                 workdir: Path = Path("viglas-evaluate"), structure: StructureKind | None = None,
                 compute: list[str] | None = None) -> dict[str, Any]:
    """``{"values", "std", "metadata"}`` or ``{"failure": reason}`` for ``text`` evaluated by ``kind``.

    ``text`` is a glass formula or ``M=Li,m_al=1,...``. A `FormulaOracle` (the hull oracle) answers
    through its ``evaluate_formula``, exactly as the Python API does, so it also takes any formula of
    its chemical system (``LiCl``) and ``structure`` ("glass" or "crystal"; None: the oracle's choice).
    ``compute``: what the oracle computes, for oracles that take it (mlmd: conductivity, tg).
    """
    if kind not in BUILTIN_ORACLES:
        raise OracleSetupError(f"kind {kind!r} is not one of {', '.join(sorted(BUILTIN_ORACLES))}")
    options: dict[str, Any] = {"preset": preset} if preset else {}
    if compute:
        options["compute"] = compute
    entry = OracleConfig.model_validate({"kind": kind, **options})
    oracle = build_oracle(entry, base_dir=Path.cwd(), workdir=workdir / kind, runtime=runtime or Runtime())
    if isinstance(oracle, FormulaOracle):
        formula = Composition.parse(text).formula if "=" in text else text
        result = check_result(oracle, oracle.evaluate_formula(formula, structure=structure))
    else:
        if structure is not None:
            raise OracleSetupError(f"kind {kind!r} evaluates glass compositions only; it takes no --structure")
        result = call_oracle(oracle, [Composition.parse(text)])[0]
    if isinstance(result, Evaluation):
        return {"values": result.values, "std": result.std or {}, "metadata": result.metadata,
                "fidelity": result.fidelity}
    return {"failure": result.reason}

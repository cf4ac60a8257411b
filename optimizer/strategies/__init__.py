"""Proposal strategies by name. Heavy ones (GP, Optuna) are imported only when chosen."""

from __future__ import annotations

import importlib

from ..problem import Problem
from .base import Proposal, RandomStrategy, SobolStrategy, Strategy

#: strategy name -> "module:Class"; every name the campaign YAML accepts.
STRATEGIES: dict[str, str] = {
    "random": "optimizer.strategies.base:RandomStrategy",
    "sobol": "optimizer.strategies.base:SobolStrategy",
    "qlognehvi": "optimizer.strategies.gp:QLogNEHVIStrategy",
    "qlognparego": "optimizer.strategies.gp:QLogNParEGOStrategy",
    "optuna-tpe": "optimizer.strategies.optuna_baselines:OptunaTPEStrategy",
    "optuna-gp": "optimizer.strategies.optuna_baselines:OptunaGPStrategy",
    "optuna-nsga2": "optimizer.strategies.optuna_baselines:OptunaNSGA2Strategy",
}


#: GP strategies that switch to cost-aware multi-fidelity fusion when several oracles give one output.
MULTI_FIDELITY_KINDS = ("qlognehvi", "qlognparego")


def make_strategy(name: str, problem: Problem, *, seed: int) -> Strategy:
    if name not in STRATEGIES:
        raise ValueError(f"strategy {name!r} is not one of {', '.join(sorted(STRATEGIES))}")
    if name in MULTI_FIDELITY_KINDS and problem.multi_fidelity_outputs:
        from .multifidelity import MultiFidelityQLogNEHVI, MultiFidelityQLogNParEGO

        fused = MultiFidelityQLogNEHVI if name == "qlognehvi" else MultiFidelityQLogNParEGO
        return fused(problem, seed=seed)
    module, _, cls = STRATEGIES[name].partition(":")
    strategy_cls = getattr(importlib.import_module(module), cls)
    return strategy_cls(problem, seed=seed)


__all__ = ["STRATEGIES", "Proposal", "RandomStrategy", "SobolStrategy", "Strategy", "make_strategy"]

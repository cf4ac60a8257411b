"""Cost-aware multi-fidelity Bayesian optimisation: simulations and the lab fused in one model.

Used automatically instead of ``qlognehvi``/``qlognparego`` when several oracles provide the same
output (e.g. ``log10_sigma_30C`` from ML-MD and from the lab). Each such output gets a
`surrogates.fusion.FusedGP` (a multi-task GP whose task is the oracle, predicting at the most
trusted fidelity); the others get the usual `MixedGP`. The acquisition optimises the lab-fidelity
prediction. Then, per candidate, the routing rule of `surrogates.fusion.route` decides whether the
expensive oracle is worth its cost (the MF-GP-UCB threshold on the simulation's remaining
uncertainty, scaled by the square root of the cost ratio); the cheaper oracles evaluate every candidate.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any, Sequence

import torch
from torch import Tensor

from oracles import Composition

from ..problem import Observation
from .base import Proposal, Strategy

logger = logging.getLogger(__name__)
#: Below this many values at the expensive fidelity, the batch's best candidate is always sent there.
MIN_TRUSTED_VALUES = 3


class MultiFidelityStrategy(Strategy):
    """Fused-GP acquisition of the lab-level prediction, with variance-per-cost routing."""

    name = "qlognehvi-mf"

    def __init__(self, problem, *, seed: int = 0, kind: str = "qlognehvi") -> None:  # type: ignore[no-untyped-def]
        super().__init__(problem, seed=seed)
        self.kind = kind

    def route_initial(self, comps: Sequence[Composition], *, skip: int, total: int) -> list[Proposal]:
        """Space-filling points ``skip ..`` of ``total``: all simulated; the first
        ``max(2, ceil(total sqrt(cost ratio)))`` also measured at each expensive fidelity, enough to
        learn the correlation and offset."""
        everyone = frozenset(o.label for o in self.problem.oracles)
        expensive: dict[str, int] = {}
        for name in self.problem.multi_fidelity_outputs:
            sources = self.problem.sources(name)
            ratio = sources[0].cost / sources[-1].cost
            expensive[sources[-1].label] = max(2, math.ceil(total * math.sqrt(ratio)))
        only_there = {s.label for out in self.problem.outputs for s in self.problem.sources(out)
                      if len(self.problem.sources(out)) == 1}
        return [Proposal(c, everyone - {label for label, k in expensive.items()
                                        if skip + i >= k and label not in only_there})
                for i, c in enumerate(comps)]

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        from surrogates.errors import SurrogateFitError

        usable = [o for o in observations if o.values or o.failed]
        try:
            if len([o for o in usable if o.complete(self.problem)]) < 2:
                raise SurrogateFitError(list(self.problem.outputs), ValueError("fewer than 2 complete observations"))
            from surrogates.engine import torch_threads

            with torch_threads(1):  # small GPs: one thread is faster than contended OpenMP (docs/strategies.md)
                return self._propose(n, usable, pending)
        except SurrogateFitError as err:
            logger.warning("multi-fidelity model unavailable (%s); space-filling batch this round", err)
            skip = len(observations) + len(pending)
            return [Proposal(c) for c in self.problem.space.sobol(n, seed=self.seed, skip=skip)]

    def _fit(self, observations: Sequence[Observation]) -> list[Any]:
        """One fitted model per problem output, in order (`FusedGP` where several oracles give it)."""
        from surrogates.fusion import FusedGP
        from surrogates.models import MixedGP
        from surrogates.transforms import SpaceEncoder

        encoder = SpaceEncoder(self.problem.space)
        models: list[Any] = []
        for name in self.problem.outputs:
            sources = self.problem.sources(name)
            if len(sources) > 1:
                rows = [(o.composition, k, o.sources[s.label][name]) for o in observations for k, s in
                        enumerate(sources) if s.label in o.sources and name in o.sources[s.label]]
                X = encoder.encode([r[0] for r in rows])
                task = torch.tensor([float(r[1]) for r in rows])
                Y = torch.tensor([[r[2][0]] for r in rows], dtype=torch.float64)
                gp = FusedGP(name=name, n_tasks=len(sources)).fit(X, task, Y)
                models.append(gp)
            else:
                have = [o for o in observations if name in o.values]
                X = encoder.encode([o.composition for o in have])
                Y = torch.tensor([[o.values[name]] for o in have], dtype=torch.float64)
                models.append(MixedGP(names=[name]).fit(X, Y))
        return models

    def _propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        from botorch.models import ModelListGP

        from surrogates.acquisition import Target, build_acquisition
        from surrogates.models import MixedGP
        from surrogates.optimize import optimize_batch
        from surrogates.transforms import SpaceEncoder

        encoder = SpaceEncoder(self.problem.space)
        models = self._fit(observations)
        outputs = list(self.problem.outputs)
        failed = [o for o in observations if o.failed]
        success_index = None
        if failed:
            X_all = encoder.encode([o.composition for o in observations])
            label = torch.tensor([[0.0 if o.failed else 1.0] for o in observations], dtype=torch.float64)
            models.append(MixedGP(names=["success"]).fit(X_all, label))
            success_index = len(outputs)
        gp_models = [m.model_ for m in models]
        model = ModelListGP(*gp_models)
        complete = [o for o in observations if o.complete(self.problem)]
        X_base = encoder.encode([o.composition for o in complete])
        Y_base = torch.tensor([[o.values[k] for k in outputs] for o in complete], dtype=torch.float64)
        target = Target(
            signs=tuple(o.sign for o in self.problem.objectives),
            constraints=tuple((outputs.index(c.output), c.op, c.bound) for c in self.problem.constraints),
            success_index=success_index,
        )
        X_pending = encoder.encode(list(pending)) if pending else None
        with warnings.catch_warnings():
            # root caching does not apply to multi-task models; BoTorch says so and turns it off
            warnings.filterwarnings("ignore", message=".*cache_root.*", category=RuntimeWarning)
            acqf = build_acquisition(self.kind, model, target, X_baseline=X_base,  # type: ignore[arg-type]
                                     Y_baseline=Y_base, X_pending=X_pending, seed=self.seed + len(observations))
        X, _ = optimize_batch(acqf, encoder, n, X_pending=X_pending, seed=self.seed + len(observations))
        comps = encoder.decode(X)
        return self._route(comps, encoder.encode(comps), models, observations)

    def _route(self, comps: list[Composition], X: Tensor, models: list[Any],
               observations: Sequence[Observation]) -> list[Proposal]:
        from surrogates.fusion import FusedGP, route

        everyone = frozenset(o.label for o in self.problem.oracles)
        fused = [(name, m) for name, m in zip(self.problem.outputs, models) if isinstance(m, FusedGP)]
        if not fused:
            return [Proposal(c) for c in comps]
        name, gp = fused[0]  # the first fused output (objectives come first) decides the fidelity
        sources = self.problem.sources(name)
        expensive = sources[-1]
        needed_only_there = [out for out in self.problem.outputs if self.problem.sources(out) == (expensive,)]
        if needed_only_there:
            return [Proposal(c, everyone) for c in comps]
        # The output's scale from every value of every source: robust while the lab has few values.
        values = [v[name][0] for o in observations for v in o.sources.values() if name in v]
        spread = float(torch.tensor(values, dtype=torch.float64).std()) if len(values) > 1 else 1.0
        cheap = sources[-2]
        decisions = route(gp.sim_std(X, task=len(sources) - 2), [cheap.cost, expensive.cost], spread)
        n_lab = sum(1 for o in observations if name in o.sources.get(expensive.label, {}))
        if n_lab < MIN_TRUSTED_VALUES and comps:
            decisions[0] = True  # too few lab values to learn the correlation: the best candidate goes
        logger.info("routing: %d of %d candidate(s) to %s (MF-GP-UCB threshold, cost ratio %.3g)", sum(decisions),
                    len(comps), expensive.label, expensive.cost / cheap.cost)
        return [Proposal(c, everyone if lab else everyone - {expensive.label}) for c, lab in zip(comps, decisions)]

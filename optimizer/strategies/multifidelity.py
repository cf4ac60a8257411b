"""Cost-aware multi-fidelity Bayesian optimisation: simulations and the lab fused in one model.

Used automatically instead of ``qlognehvi``/``qlognparego`` when several oracles provide the same
output (e.g. ``log10_sigma_30C`` from ML-MD and from the lab). Each such output gets a
`surrogates.fusion.FusedGP` (a multi-task GP whose task is the oracle, predicting at the most
trusted fidelity); the others get the usual `MixedGP`, through the same pipeline as the other GP
strategies (`surrogates.engine.propose_encoded`). The acquisition optimises the lab-fidelity
prediction. Then, per candidate, the routing rule of `surrogates.fusion.route` decides whether the
expensive oracle is worth its cost (the MF-GP-UCB threshold on the simulation's remaining
uncertainty, scaled by the square root of the cost ratio); the cheaper oracles evaluate every candidate.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Sequence

import torch

from oracles import Composition

from .. import modelling
from ..problem import Observation
from .base import Proposal
from .gp import GPStrategy, QLogNEHVIStrategy, QLogNParEGOStrategy

if TYPE_CHECKING:
    from surrogates.engine import FidelityData, Fitted

logger = logging.getLogger(__name__)
#: Below this many values at the expensive fidelity, the batch's best candidate is always sent there.
MIN_TRUSTED_VALUES = 3


class MultiFidelityMixin(GPStrategy):
    """Fused-GP acquisition of the lab-level prediction, with variance-per-cost routing."""

    def fused(self, observations: Sequence[Observation]) -> dict[int, FidelityData] | None:
        return modelling.fidelity_data(self.problem, observations)

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

    def finish(self, comps: list[Composition], fitted: Fitted, observations: Sequence[Observation]) -> list[Proposal]:
        from surrogates.fusion import FusedGP, route

        records = self.records(comps, fitted, observations)
        everyone = frozenset(o.label for o in self.problem.oracles)
        fused = [(name, m) for name, m in zip(self.problem.outputs, fitted.parts) if isinstance(m, FusedGP)]
        if not fused:
            return [Proposal(c, record=r) for c, r in zip(comps, records)]
        name, gp = fused[0]  # the first fused output (objectives come first) decides the fidelity
        sources = self.problem.sources(name)
        expensive = sources[-1]
        if any(self.problem.sources(out) == (expensive,) for out in self.problem.outputs):
            return [Proposal(c, everyone, r) for c, r in zip(comps, records)]
        # The output's scale from every value of every source: robust while the lab has few values.
        values = [v[name][0] for o in observations for v in o.sources.values() if name in v]
        spread = float(torch.tensor(values, dtype=torch.float64).std()) if len(values) > 1 else 1.0
        cheap = sources[-2]
        X = modelling.encoder(self.problem).encode(comps)
        decisions = route(gp.sim_std(X, task=len(sources) - 2), [cheap.cost, expensive.cost], spread)
        n_lab = sum(1 for o in observations if name in o.sources.get(expensive.label, {}))
        if n_lab < MIN_TRUSTED_VALUES and comps:
            decisions[0] = True  # too few lab values to learn the correlation: the best candidate goes
        logger.info("routing: %d of %d candidate(s) to %s (MF-GP-UCB threshold, cost ratio %.3g)", sum(decisions),
                    len(comps), expensive.label, expensive.cost / cheap.cost)
        return [Proposal(c, everyone if lab else everyone - {expensive.label}, r)
                for c, lab, r in zip(comps, decisions, records)]


class MultiFidelityQLogNEHVI(MultiFidelityMixin, QLogNEHVIStrategy):
    """`qlognehvi` with several oracles fused per output (same name: the configured strategy)."""


class MultiFidelityQLogNParEGO(MultiFidelityMixin, QLogNParEGOStrategy):
    """`qlognparego` with several oracles fused per output (same name: the configured strategy)."""

"""What to propose next: the campaign's fixed list, then the space-filling design, then the strategy.

The one place that refuses a composition already in the store (or proposed twice in one batch), and
a composition outside the space, whichever strategy produced it: a refused proposal is replaced by
the next unseen point of the campaign's Sobol sequence, and the refusal is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from oracles import Composition, CompositionError

from .config import CampaignConfig
from .problem import Problem
from .snapshot import CampaignSnapshot
from .store import INITIAL, LISTED, Proposed
from .strategies import Proposal

if TYPE_CHECKING:
    from .strategies import Strategy

logger = logging.getLogger(__name__)


def propose(n: int, *, config: CampaignConfig, problem: Problem, strategy: Strategy,
            snapshot: CampaignSnapshot) -> list[Proposed]:
    """``n`` new proposals, each with its source (``listed``, ``initial`` or the configured strategy's name)."""
    taken: set[Composition] = {r.composition for r in snapshot.records}
    taken |= {r.analysed for r in snapshot.records if r.analysed is not None}
    chosen: list[Proposed] = []

    def accept(items: list[Proposal], source: str) -> None:
        for item in items:
            if len(chosen) >= n:
                return
            reason = _refusal(item.composition, problem, taken)
            if reason:
                logger.warning("%s proposed %s, which %s; a space-filling point replaces it", source,
                               item.composition.formula, reason)
                continue
            taken.add(item.composition)
            chosen.append(Proposed(item.composition, source, item.oracles, dict(item.record)))

    accept([Proposal(c) for c in config.listed_candidates() if c not in taken], LISTED)
    n_initial = sum(1 for r in snapshot.records if r.source == INITIAL)
    k = max(0, min(n - len(chosen), config.loop.initial - n_initial))
    if k:
        design = problem.space.sobol(k, seed=config.seed, skip=n_initial)
        accept(strategy.route_initial(design, skip=n_initial, total=config.loop.initial), INITIAL)
    if len(chosen) < n:
        observations = snapshot.observations
        pending = [c for _, c in snapshot.pending] + [p.composition for p in chosen]
        accept(strategy.propose(n - len(chosen), observations, pending), config.strategy)
    _top_up(chosen, n, problem, taken, source=config.strategy, seed=config.seed, skip=len(snapshot.records))
    return chosen


def _refusal(comp: Composition, problem: Problem, taken: set[Composition]) -> str | None:
    if comp in taken:
        return "is already in the store or this batch"
    try:
        problem.space.check(comp)
    except CompositionError as err:
        return f"lies outside the space ({err})"
    return None


def _top_up(chosen: list[Proposed], n: int, problem: Problem, taken: set[Composition], *, source: str, seed: int,
            skip: int) -> None:
    """Fill ``chosen`` up to ``n`` with unseen points of the Sobol sequence (after refusals)."""
    tries = 0
    while len(chosen) < n and tries < 64:
        for comp in problem.space.sobol(n, seed=seed, skip=skip):
            if comp not in taken and len(chosen) < n:
                taken.add(comp)
                chosen.append(Proposed(comp, source, record={"note": "space-filling point (a proposal was refused)"}))
        skip, tries = skip + n, tries + 1

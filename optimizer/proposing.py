"""What to propose next: the campaign's fixed list, then the space-filling design, then the strategy.

The one place that refuses a composition already in the store (or proposed twice in one batch), a
composition outside the space (bounds, charge balance, ``space.constraints``), and, with
``loop.same_within_batch: [M]``, a composition of another metal than the batch's, whichever strategy
produced it: a refused proposal is replaced by the next unseen point of the campaign's Sobol sequence
(of the batch's metal), and the refusal is logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from oracles import Composition, CompositionError

from .config import CampaignConfig
from .problem import Problem
from .snapshot import CampaignSnapshot, CandidateRecord
from .store import INITIAL, LISTED, Proposed
from .strategies import BatchRule, Proposal

if TYPE_CHECKING:
    from .strategies import Strategy

logger = logging.getLogger(__name__)


def propose(n: int, *, config: CampaignConfig, problem: Problem, strategy: Strategy,
            snapshot: CampaignSnapshot) -> list[Proposed]:
    """``n`` new proposals, each with its source (``listed``, ``initial`` or the configured strategy's name).

    With ``loop.same_within_batch: [M]`` the ``n`` proposals share one metal: the first accepted one fixes it,
    a listed candidate of the other metal waits for a later batch, and a strategy's proposal of the other
    metal is refused and replaced like a repeat.
    """
    taken: set[Composition] = {r.composition for r in snapshot.records}
    taken |= {r.analysed for r in snapshot.records if r.analysed is not None}
    one_metal = "M" in config.loop.same_within_batch
    chosen: list[Proposed] = []

    def batch_metal() -> str | None:
        return chosen[0].composition.M if one_metal and chosen else None

    def accept(items: list[Proposal], source: str) -> None:
        for item in items:
            if len(chosen) >= n:
                return
            metal = batch_metal()
            if metal is not None and metal != item.composition.M:
                if source != LISTED:  # a listed candidate is not refused: it waits for a batch of its metal
                    logger.warning("%s proposed %s, but this batch is of %s (loop.same_within_batch: [M]); a "
                                   "space-filling point replaces it", source, item.composition.formula, metal)
                continue
            reason = _refusal(item.composition, problem, taken)
            if reason:
                logger.warning("%s proposed %s, which %s; a space-filling point replaces it", source,
                               item.composition.formula, reason)
                continue
            taken.add(item.composition)
            chosen.append(Proposed(item.composition, source, item.oracles, dict(item.record)))

    accept([Proposal(c) for c in config.listed_candidates() if c not in taken], LISTED)
    initial = [r for r in snapshot.records if r.source == INITIAL]
    k = max(0, min(n - len(chosen), config.loop.initial - len(initial)))
    if k:
        accept(strategy.route_initial(_design(k, config, problem, initial, batch_metal() if one_metal else None,
                                              one_metal=one_metal),
                                      skip=len(initial), total=config.loop.initial), INITIAL)
    if len(chosen) < n:
        observations = snapshot.observations
        pending = [c for _, c in snapshot.pending] + [p.composition for p in chosen]
        rule = BatchRule(same_metal=one_metal, metal=batch_metal())
        accept(strategy.propose(n - len(chosen), observations, pending, batch=rule), config.strategy)
    _top_up(chosen, n, problem, taken, source=config.strategy, seed=config.seed, skip=len(snapshot.records),
            metal=batch_metal())
    return chosen


def _design(k: int, config: CampaignConfig, problem: Problem, initial: list[CandidateRecord], metal: str | None,
            *, one_metal: bool) -> list[Composition]:
    """The next ``k`` points of the space-filling design. With one metal per batch, each batch takes the next
    points of one metal's own Sobol stream: the batch's metal if fixed, else the metal with fewest initial
    points so far (so batches alternate)."""
    space = problem.space
    if not one_metal:
        return space.sobol(k, seed=config.seed, skip=len(initial))
    counts = {m: sum(1 for r in initial if m == r.composition.M) for m in space.metals}
    metal = metal or min(space.metals, key=lambda m: counts[m])
    return space.sobol(k, seed=config.seed, skip=counts[metal], metal=metal)


def _refusal(comp: Composition, problem: Problem, taken: set[Composition]) -> str | None:
    if comp in taken:
        return "is already in the store or this batch"
    try:
        problem.space.check(comp)
    except CompositionError as err:
        return f"lies outside the space ({err})"
    return None


def _top_up(chosen: list[Proposed], n: int, problem: Problem, taken: set[Composition], *, source: str, seed: int,
            skip: int, metal: str | None) -> None:
    """Fill ``chosen`` up to ``n`` with unseen points of the Sobol sequence (after refusals), of ``metal``
    if given."""
    tries = 0
    while len(chosen) < n and tries < 64:
        for comp in problem.space.sobol(n, seed=seed, skip=skip, metal=metal):
            if comp not in taken and len(chosen) < n:
                taken.add(comp)
                chosen.append(Proposed(comp, source, record={"note": "space-filling point (a proposal was refused)"}))
        skip, tries = skip + n, tries + 1

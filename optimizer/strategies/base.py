"""The strategy contract: propose compositions from what has been observed and what is pending.

Strategies hold no campaign state: everything they need comes in as arguments, so a resumed
campaign (or a refit) proposes from the store's data alone. Every hook a strategy may implement is
declared here; the campaign calls nothing else.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from oracles import Composition

from ..problem import Observation, Problem


@dataclass(frozen=True)
class Proposal:
    """A composition, the oracles to send it to (None: every oracle), and why it was proposed.

    ``record`` is JSON-ready: what the model predicted there and what drove the choice (stored with
    the candidate; `viglas explain` shows it).
    """

    composition: Composition
    oracles: frozenset[str] | None = None
    record: Mapping[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class BatchRule:
    """What the proposals of one call must share (``loop.same_within_batch``).

    ``same_metal``: every proposal of the call uses one M (a batch melted in one furnace). ``metal``: that M
    when earlier items of the batch (listed candidates, the initial design) already fixed it; None lets the
    strategy choose it with its first proposal.
    """

    same_metal: bool = False
    metal: str | None = None

    def metal_for(self, chosen: Sequence[Composition]) -> str | None:
        """The metal the next proposal must use after ``chosen`` (None: any)."""
        if self.metal is not None:
            return self.metal
        return chosen[0].M if self.same_metal and chosen else None

    def admits(self, comp: Composition, chosen: Sequence[Composition]) -> bool:
        metal = self.metal_for(chosen)
        return metal is None or metal == comp.M


#: No rule: proposals of one call may mix metals.
FREE = BatchRule()


class Strategy(abc.ABC):
    """Base class of every proposal strategy.

    Subclasses implement `propose`; every returned composition must lie in ``problem.space``
    exactly (use ``space.snap``) and must not repeat an observed or pending one (the campaign
    refuses repeats and points outside the space, and replaces them by space-filling points).
    """

    name: str = "strategy"

    def __init__(self, problem: Problem, *, seed: int = 0) -> None:
        self.problem = problem
        self.seed = seed

    def rng(self, n_seen: int) -> np.random.Generator:
        """A generator that depends on the seed and how much has been seen, so resumed runs repeat."""
        return np.random.default_rng([self.seed, n_seen])

    @abc.abstractmethod
    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition], *,
                batch: BatchRule = FREE) -> list[Proposal]:
        """Return ``n`` new proposals inside the space (its bounds, charge balance and ``space.constraints``).

        Args:
            n: how many to propose.
            observations: every evaluated candidate (done or failed; withdrawn ones are not shown).
            pending: compositions proposed but not yet evaluated; not to be proposed again.
            batch: what the ``n`` proposals must share (one metal, for ``loop.same_within_batch: [M]``).
        """

    def route_initial(self, comps: Sequence[Composition], *, skip: int, total: int) -> list[Proposal]:
        """Which oracles evaluate the space-filling design points ``skip ..`` of ``total`` (default: all)."""
        return [Proposal(c) for c in comps]


class RandomStrategy(Strategy):
    """Uniform over the feasible region (rejection sampling of the charge-balance cut and the constraints)."""

    name = "random"

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition], *,
                batch: BatchRule = FREE) -> list[Proposal]:
        rng = self.rng(len(observations) + len(pending))
        taken = set(pending) | {o.composition for o in observations}
        out: list[Composition] = []
        while len(out) < n:
            for c in self.problem.space.uniform(n, rng=rng, metal=batch.metal_for(out)):
                if c not in taken and c not in out and batch.admits(c, out) and len(out) < n:
                    out.append(c)
        return [Proposal(c) for c in out]


class SobolStrategy(Strategy):
    """Continues one scrambled Sobol sequence (filtered to the feasible region) for the whole budget; points
    already taken, or of another metal than the batch's, are skipped."""

    name = "sobol"

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition], *,
                batch: BatchRule = FREE) -> list[Proposal]:
        skip = len(observations) + len(pending)
        taken = set(pending) | {o.composition for o in observations}
        out: list[Composition] = []
        while len(out) < n:
            for c in self.problem.space.sobol(n, seed=self.seed, skip=skip):
                if c not in taken and c not in out and batch.admits(c, out) and len(out) < n:
                    out.append(c)
            skip += n
        return [Proposal(c) for c in out]

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
    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        """Return ``n`` new proposals inside the space.

        Args:
            n: how many to propose.
            observations: every evaluated candidate (done or failed; withdrawn ones are not shown).
            pending: compositions proposed but not yet evaluated; not to be proposed again.
        """

    def route_initial(self, comps: Sequence[Composition], *, skip: int, total: int) -> list[Proposal]:
        """Which oracles evaluate the space-filling design points ``skip ..`` of ``total`` (default: all)."""
        return [Proposal(c) for c in comps]


class RandomStrategy(Strategy):
    """Uniform over the feasible region (rejection sampling of the charge-balance cut)."""

    name = "random"

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        rng = self.rng(len(observations) + len(pending))
        taken = set(pending) | {o.composition for o in observations}
        out: list[Composition] = []
        while len(out) < n:
            out.extend(c for c in self.problem.space.uniform(n, rng=rng) if c not in taken and c not in out)
        return [Proposal(c) for c in out[:n]]


class SobolStrategy(Strategy):
    """Continues one scrambled Sobol sequence (filtered to the feasible region) for the whole budget."""

    name = "sobol"

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        skip = len(observations) + len(pending)
        return [Proposal(c) for c in self.problem.space.sobol(n, seed=self.seed, skip=skip)]

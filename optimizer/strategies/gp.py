"""GP strategies (`qlognehvi`, `qlognparego`): adapters from observations to `surrogates`.

They turn `Observation`s into tensors with `SpaceEncoder`, call `surrogates.engine.propose_encoded`
and snap the result into the space. A GP that cannot be fitted (`SurrogateFitError`), or too few
evaluations, gives a space-filling batch for that round (logged as a warning); the loop never stops.
"""

from __future__ import annotations

import logging
from typing import Sequence

import torch

from oracles import Composition
from surrogates.acquisition import Kind, Target
from surrogates.engine import Dataset, EngineSettings, propose_encoded, torch_threads
from surrogates.errors import SurrogateFitError
from surrogates.transforms import DTYPE, SpaceEncoder

from ..problem import Observation
from .base import Strategy

logger = logging.getLogger(__name__)

__all__ = ["GPStrategy", "QLogNEHVIStrategy", "QLogNParEGOStrategy", "torch_threads"]


class GPStrategy(Strategy):
    """Base of the GP strategies; subclasses set ``kind``. ``settings`` tunes the effort (and threads)."""

    kind: Kind = "qlognehvi"
    settings: EngineSettings = EngineSettings()

    def dataset(self, encoder: SpaceEncoder, observations: Sequence[Observation]) -> Dataset:
        outputs = self.problem.outputs
        complete = [o for o in observations if o.complete(self.problem)]
        failed = [o.composition for o in observations if o.failed]
        Y = torch.tensor([[o.values[k] for k in outputs] for o in complete], dtype=DTYPE).reshape(-1, len(outputs))
        var = [[o.std[k] ** 2 if k in o.std else float("nan") for k in outputs] for o in complete]
        Yvar = torch.tensor(var, dtype=DTYPE).reshape(-1, len(outputs))
        has_std = bool((~Yvar.isnan()).any())
        return Dataset(encoder.encode([o.composition for o in complete]), Y, Yvar if has_std else None,
                       encoder.encode(failed))

    def target(self) -> Target:
        outputs = self.problem.outputs
        return Target(
            tuple(o.sign for o in self.problem.objectives),
            tuple((outputs.index(c.output), c.op, c.bound) for c in self.problem.constraints),
        )

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Composition]:
        n_seen = len(observations) + len(pending)
        seed = int(self.rng(n_seen).integers(2**31 - 1))
        encoder = SpaceEncoder(self.problem.space)
        proposed: list[Composition] = []
        try:
            X = propose_encoded(
                self.kind, encoder, self.dataset(encoder, observations), self.target(),
                names=self.problem.outputs, q=n, seed=seed, settings=self.settings,
                X_pending=encoder.encode(pending) if pending else None,
            )
            proposed = encoder.decode(X)
        except SurrogateFitError as err:
            logger.warning("%s: %s; proposing a space-filling batch this round", self.name, err)
        return self._fill(proposed, n, set(pending) | {o.composition for o in observations}, n_seen)

    def _fill(self, proposed: list[Composition], n: int, taken: set[Composition], n_seen: int) -> list[Composition]:
        """Drop repeats of taken or earlier points; top up with unseen Sobol points."""
        out: list[Composition] = []
        for comp in proposed:
            if comp not in taken and comp not in out:
                out.append(comp)
        skip = n_seen
        while len(out) < n:
            for comp in self.problem.space.sobol(n, seed=self.seed, skip=skip):
                if comp not in taken and comp not in out and len(out) < n:
                    out.append(comp)
            skip += n
        return out


class QLogNEHVIStrategy(GPStrategy):
    """qLogNEHVI over several objectives (qLogNEI for one), outcome constraints and a success GP."""

    name = "qlognehvi"
    kind: Kind = "qlognehvi"


class QLogNParEGOStrategy(GPStrategy):
    """qLogNParEGO: qLogNEI of a random Chebyshev scalarisation (new weights for each batch)."""

    name = "qlognparego"
    kind: Kind = "qlognparego"

"""GP strategies (`qlognehvi`, `qlognparego`): observations to `surrogates` and back.

They build tensors with `optimizer.modelling`, call `surrogates.engine.propose_encoded` and decode
the result into the space. A GP that cannot be fitted (`SurrogateFitError`), or too few
evaluations, gives a space-filling batch for that round (logged as a warning); the loop never stops.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Sequence

from oracles import Composition
from surrogates.acquisition import Kind
from surrogates.engine import EngineSettings, propose_encoded
from surrogates.errors import SurrogateFitError

from .. import modelling
from ..problem import Observation
from .base import Proposal, Strategy

if TYPE_CHECKING:
    from surrogates.engine import FidelityData, Fitted

logger = logging.getLogger(__name__)

__all__ = ["GPStrategy", "QLogNEHVIStrategy", "QLogNParEGOStrategy"]


class GPStrategy(Strategy):
    """Base of the GP strategies; subclasses set ``kind``. ``settings`` tunes the effort (and threads)."""

    kind: Kind = "qlognehvi"
    settings: EngineSettings = EngineSettings()

    def fused(self, observations: Sequence[Observation]) -> dict[int, FidelityData] | None:
        """Outputs to fuse across oracles (none here; the multi-fidelity strategy overrides this)."""
        return None

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition]) -> list[Proposal]:
        n_seen = len(observations) + len(pending)
        seed = int(self.rng(n_seen).integers(2**31 - 1))
        encoder = modelling.encoder(self.problem)
        try:
            X, fitted = propose_encoded(
                self.kind, encoder, modelling.dataset(self.problem, observations), modelling.target(self.problem),
                names=self.problem.outputs, q=n, seed=seed, settings=self.settings,
                X_pending=encoder.encode(pending) if pending else None, fused=self.fused(observations),
            )
        except SurrogateFitError as err:
            logger.warning("%s: %s; proposing a space-filling batch this round", self.name, err)
            return self._fill([], n, set(pending) | {o.composition for o in observations}, n_seen)
        comps = encoder.decode(X)
        proposals = self.finish(comps, fitted, observations)
        return self._fill(proposals, n, set(pending) | {o.composition for o in observations}, n_seen)

    def finish(self, comps: list[Composition], fitted: Fitted, observations: Sequence[Observation]) -> list[Proposal]:
        """Proposals for the optimised ``comps`` (routing is the multi-fidelity strategy's)."""
        return [Proposal(c, record=r) for c, r in zip(comps, self.records(comps, fitted, observations))]

    def records(self, comps: Sequence[Composition], fitted: Fitted,
                observations: Sequence[Observation]) -> list[dict[str, Any]]:
        """What the model predicted at each proposal and what drove the choice (`viglas explain` shows it)."""
        from ..insight import Predictor, driver

        out = []
        for prediction in Predictor(self.problem, fitted).predict(comps):
            why = driver(prediction, self.problem, observations, dict(self.problem.units))
            out.append({"strategy": self.name, **prediction.as_record(), "why": why})
        return out

    def _fill(self, proposed: list[Proposal], n: int, taken: set[Composition], n_seen: int) -> list[Proposal]:
        """Drop repeats of taken or earlier points; top up with unseen Sobol points."""
        out: list[Proposal] = []
        for p in proposed:
            if p.composition not in taken and all(p.composition != q.composition for q in out):
                out.append(p)
        skip = n_seen
        while len(out) < n:
            for comp in self.problem.space.sobol(n, seed=self.seed, skip=skip):
                if comp not in taken and all(comp != q.composition for q in out) and len(out) < n:
                    out.append(Proposal(comp, record={"strategy": self.name, "note": "space-filling"}))
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

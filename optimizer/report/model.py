"""The report's per-output GPs: the campaign's one GP pipeline (`optimizer.modelling`), wrapped for plots.

Each output's model is fitted to every successful observation that has that output (the strategies
use complete observations only); kernel, noise floor and fitting are the strategies' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import numpy as np

from oracles import Composition

from .. import modelling
from ..modelling import MIN_POINTS
from ..problem import Observation, Problem

if TYPE_CHECKING:
    from surrogates.models import MixedGP

__all__ = ["MIN_POINTS", "OutputModel", "fit_outputs", "training_data"]


@dataclass
class OutputModel:
    """A fitted GP for one output, predicting in the output's declared unit."""

    output: str
    problem: Problem
    gp: MixedGP
    n: int

    def predict(self, comps: Sequence[Composition]) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the latent function at ``comps``."""
        mean, std = self.gp.predict(modelling.encoder(self.problem).encode(list(comps)))
        return mean[:, 0].numpy(), std[:, 0].numpy()

    def loo(self) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out predictive mean and std at the training points, hyperparameters fixed."""
        mean, std = self.gp.loo()
        return mean[:, 0].numpy(), std[:, 0].numpy()


def training_data(observations: Sequence[Observation], output: str) -> list[Observation]:
    """Successful observations that have ``output`` (what its model is fitted to)."""
    return [o for o in observations if not o.failed and output in o.values]


def fit_outputs(observations: Sequence[Observation], problem: Problem) -> dict[str, OutputModel]:
    """A model for each output of ``problem`` that has enough data (missing keys: no model)."""
    models = {}
    for name in problem.outputs:
        gp = modelling.fit_output(problem, observations, name)
        if gp is not None:
            models[name] = OutputModel(name, problem, gp, len(training_data(observations, name)))
    return models

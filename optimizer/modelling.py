"""Observations to the surrogates' tensors: the one adapter between the campaign and `surrogates`.

The GP strategies, the multi-fidelity strategy, the report's model plots, and `explain`/`predict`
all go through here, so they fit the same GPs (kernel, noise floor, fitting) to the same data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import torch

from .problem import Observation, Problem

if TYPE_CHECKING:
    from surrogates.acquisition import Target
    from surrogates.engine import Dataset, FidelityData
    from surrogates.models import MixedGP
    from surrogates.transforms import SpaceEncoder

#: Fewer points than this and an output gets no model in the report (a GP on two points shows its prior).
MIN_POINTS = 3


def encoder(problem: Problem) -> SpaceEncoder:
    from surrogates.transforms import SpaceEncoder

    return SpaceEncoder(problem.space)


def target(problem: Problem) -> Target:
    """Objectives (signed) and outcome constraints in the column order of `Problem.outputs`."""
    from surrogates.acquisition import Target

    outputs = problem.outputs
    return Target(tuple(o.sign for o in problem.objectives),
                  tuple((outputs.index(c.output), c.op, c.bound) for c in problem.constraints))


def dataset(problem: Problem, observations: Sequence[Observation]) -> Dataset:
    """Complete observations as ``X``, ``Y`` (merged values), ``Yvar`` (their reported stds), and failed inputs."""
    from surrogates.engine import Dataset
    from surrogates.transforms import DTYPE

    enc, outputs = encoder(problem), problem.outputs
    complete = [o for o in observations if o.complete(problem)]
    failed = [o.composition for o in observations if o.failed]
    Y = torch.tensor([[o.values[k] for k in outputs] for o in complete], dtype=DTYPE).reshape(-1, len(outputs))
    var = [[o.std[k] ** 2 if k in o.std else float("nan") for k in outputs] for o in complete]
    Yvar = torch.tensor(var, dtype=DTYPE).reshape(-1, len(outputs))
    has_std = bool((~Yvar.isnan()).any())
    return Dataset(enc.encode([o.composition for o in complete]), Y, Yvar if has_std else None, enc.encode(failed))


def fidelity_data(problem: Problem, observations: Sequence[Observation]) -> dict[int, FidelityData]:
    """For each output (by column) that several oracles give, every source's value with its task index."""
    from surrogates.engine import FidelityData
    from surrogates.transforms import DTYPE

    enc, out = encoder(problem), {}
    for j, name in enumerate(problem.outputs):
        sources = problem.sources(name)
        if len(sources) < 2:
            continue
        rows = [(o.composition, k, o.sources[s.label][name][0]) for o in observations if not o.failed
                for k, s in enumerate(sources) if name in o.sources.get(s.label, {})]
        out[j] = FidelityData(enc.encode([r[0] for r in rows]), torch.tensor([float(r[1]) for r in rows]),
                              torch.tensor([[r[2]] for r in rows], dtype=DTYPE), len(sources))
    return out


def fit_output(problem: Problem, observations: Sequence[Observation], output: str) -> MixedGP | None:
    """A GP of one output on every successful observation that has it (its own data, not only complete
    ones); None with fewer than `MIN_POINTS` points or when the fit fails."""
    from surrogates.errors import SurrogateFitError
    from surrogates.models import MixedGP
    from surrogates.transforms import DTYPE

    train = [o for o in observations if not o.failed and output in o.values]
    if len(train) < MIN_POINTS:
        return None
    X = encoder(problem).encode([o.composition for o in train])
    Y = torch.tensor([[o.values[output]] for o in train], dtype=DTYPE)
    Yvar = None
    if all(output in o.std for o in train):  # the oracle reports its noise: use it, do not learn it
        Yvar = torch.tensor([[o.std[output] ** 2] for o in train], dtype=DTYPE)
    try:
        from surrogates.engine import torch_threads

        with torch_threads(1):
            return MixedGP(names=[output]).fit(X, Y, Yvar)
    except SurrogateFitError:
        return None

"""Streams of unit-cube draws for the composition samplers: which metal, and where in the sampling box.

Each stream yields ``(metal_index, unit)`` chunks (``k`` ints, ``k x 3`` floats in [0, 1)) until
`Draws.limit` draws, so rejection sampling of a constrained region always ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

#: Draws after which a sampler gives up on a region (it is then under ~1e-6 of its bounding box).
MAX_DRAWS = 2**20


@dataclass(frozen=True)
class Draws:
    """An iterable of chunks; ``chunks(done)`` returns the next ``k x 4`` unit rows after ``done`` draws
    (column 0 picks the metal unless ``metal`` fixes it)."""

    chunks: Callable[[int], np.ndarray]
    n_metals: int
    metal: int | None = None
    limit: int = MAX_DRAWS

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        done = 0
        while done < self.limit:
            unit = self.chunks(done)
            done += len(unit)
            if self.metal is None:
                index = np.minimum((unit[:, 0] * self.n_metals).astype(int), self.n_metals - 1)
            else:
                index = np.full(len(unit), self.metal)
            yield index, unit[:, 1:]


def sobol_draws(n_metals: int, metal: int | None, *, seed: int) -> Draws:
    """One scrambled Sobol sequence over (metal, ratios); with ``metal``, that metal's own sequence over the
    ratios (seeded by ``seed`` and the metal), so each metal's design is space-filling by itself."""
    from scipy.stats import qmc

    if metal is None:
        sampler = qmc.Sobol(d=4, scramble=True, seed=seed)
    else:
        sampler = qmc.Sobol(d=3, scramble=True, seed=np.random.default_rng([seed, 1 + metal]))

    def chunks(done: int) -> np.ndarray:
        size = min(max(64, done), 4096)  # powers of two keep the sequence balanced
        unit = sampler.random(size)
        return unit if metal is None else np.hstack([np.zeros((size, 1)), unit])

    return Draws(chunks, n_metals, metal)


def uniform_draws(n_metals: int, metal: int | None, *, rng: np.random.Generator, chunk: int) -> Draws:
    """Independent uniform draws from ``rng``, ``chunk`` rows at a time."""

    def chunks(done: int) -> np.ndarray:
        if metal is None:
            return rng.random((chunk, 4))
        return np.hstack([np.zeros((chunk, 1)), rng.random((chunk, 3))])

    return Draws(chunks, n_metals, metal, limit=max(MAX_DRAWS, chunk))

"""A two-fidelity test landscape: a biased, noisy 'simulation' of the synthetic glass 'lab truth'.

Both are analytic stand-ins (see `benchmarks.landscapes.SyntheticGlass`), not physics. The simulation
mimics what ML-MD does to conductivity: it overestimates it (offset +0.6 log10 units), compresses
its range (scale 0.8), gets the O/Al trend slightly wrong (+0.4 x (O/Al - 0.5)) and is noisy
(0.15 log10 units, fixed per composition like a finite-length MD run).
"""

from __future__ import annotations

import math
import zlib
from typing import Sequence

import numpy as np

from oracles import Composition, Evaluation, Failure

from .landscapes import SyntheticGlass

SIM_SCALE, SIM_OFFSET, SIM_TILT, SIM_NOISE = 0.8, 0.6, 0.4, 0.15
LAB_NOISE = 0.03


def _noise(seed: int, comp: Composition, salt: str) -> float:
    return float(np.random.default_rng([seed, zlib.crc32((salt + comp.formula).encode())]).standard_normal())


class _OneFidelity:
    """Conductivity at one fidelity; fails where no glass forms (O/Al < 0.2), as both oracles would."""

    name = "fidelity"
    outputs = {"log10_sigma_30C": "log10(S/cm)"}
    noise = 0.0
    failure = "no glass forms (O/Al < 0.2)"

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed

    def value(self, comp: Composition) -> float:
        raise NotImplementedError

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        return [
            Failure(self.failure) if comp.o_al < 0.2
            else Evaluation({"log10_sigma_30C": self.value(comp)}, std={"log10_sigma_30C": self.noise},
                            fidelity=self.name)
            for comp in batch
        ]


class BiasedSimulation(_OneFidelity):
    """Cheap, biased conductivity: ``scale truth + offset + tilt (o - 0.5) + N(0, noise)`` in log10(S/cm)
    (defaults 0.8, 0.6, 0.4, 0.15). ``reported_std`` is the std the simulation claims (default: ``noise``);
    a value below ``noise`` mimics an oracle whose error bars are too small."""

    name = "biased-sim"
    failure = "no glass forms in the simulated quench (O/Al < 0.2)"

    def __init__(self, *, seed: int = 0, scale: float = SIM_SCALE, offset: float = SIM_OFFSET, tilt: float = SIM_TILT,
                 noise: float = SIM_NOISE, reported_std: float | None = None) -> None:
        super().__init__(seed=seed)
        self.scale, self.offset, self.tilt, self.true_noise = scale, offset, tilt, noise
        self.noise = noise if reported_std is None else reported_std

    def value(self, comp: Composition) -> float:
        truth = SyntheticGlass.truth(comp)["log10_sigma_30C"]
        tilted = self.scale * truth + self.offset + self.tilt * (comp.o_al - 0.5)
        return tilted + self.true_noise * _noise(self.seed, comp, "sim")


class LabTruth(_OneFidelity):
    """The 'lab': the synthetic truth with 0.03 log10 units of measurement noise (automated for benchmarks)."""

    name = "lab-truth"
    noise = LAB_NOISE
    failure = "no glass forms: the melt crystallises (O/Al < 0.2)"

    def value(self, comp: Composition) -> float:
        return SyntheticGlass.truth(comp)["log10_sigma_30C"] + LAB_NOISE * _noise(self.seed, comp, "lab")


def best_truth(space_box: dict[str, tuple[float, float]], metals: Sequence[str], min_cl_al: float) -> float:
    """The highest true log10(S/cm) in the space (dense grid), the benchmark's target."""
    grids = [np.linspace(*space_box[k], 41) for k in ("m_al", "o_al", "s_al")]
    best = -math.inf
    for metal in metals:
        for m in grids[0]:
            for o in grids[1]:
                for s in grids[2]:
                    if 3 + m - 2 * (o + s) >= min_cl_al and o >= 0.2:
                        best = max(best, SyntheticGlass.truth(Composition(metal, m, o, s))["log10_sigma_30C"])
    return best

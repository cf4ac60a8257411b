"""Synthetic test landscapes over the glass space, for tests, demos and strategy benchmarks.

These are analytic functions, NOT physics: they mimic the trends of the reference study
(conductivity peaking at an intermediate O/Al, S raising conductivity but lowering the oxidation
limit, Tg rising with the oxide network) so optimisers can be compared cheaply.
"""

from __future__ import annotations

import math
import zlib
from typing import Sequence

import numpy as np

from oracles import Composition, Evaluation, Failure, OracleSetupError


class SyntheticGlass:
    """A glass-like landscape with a constrained optimum and a region where no glass forms.

    Outputs (units as a real oracle would give them): ``log10_sigma_30C`` [log10(S/cm)],
    ``tg_C`` [degC], ``oxidation_V`` [V vs M/M+]. At LiAlCl2.5O0.75 it returns about
    -2.8, -17 and 3.9, close to the measured LACO75 values. Below ``o_al = 0.2`` the melt
    crystallises and the oracle returns a `Failure`, as a glass-forming oracle would.

    Args:
        noise: standard deviation of Gaussian noise added to log10_sigma_30C (log10 units);
            Tg gets ``20 * noise`` degC and oxidation ``noise`` V. Reported as ``std``.
        seed: seed of the noise generator (noise is a function of seed and composition, so
            re-evaluating a composition repeats its value).
        only: provide only these outputs (e.g. ``["oxidation_V"]`` when the lab measures the rest).
    """

    name = "synthetic-glass"
    outputs = {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC", "oxidation_V": "V vs M/M+"}

    def __init__(self, *, noise: float = 0.0, seed: int = 0, only: Sequence[str] | None = None) -> None:
        if not (noise >= 0 and math.isfinite(noise)):
            raise OracleSetupError(f"noise={noise!r} must be a finite number >= 0 (log10 units)")
        if only is not None:
            unknown = sorted(set(only) - set(self.outputs))
            if unknown or not only:
                raise OracleSetupError(f"only={list(only)}: choose among {sorted(self.outputs)}")
            self.outputs = {k: v for k, v in self.outputs.items() if k in only}
        self.noise = float(noise)
        self.seed = int(seed)

    @staticmethod
    def truth(comp: Composition) -> dict[str, float]:
        """Noise-free outputs at ``comp``."""
        m, o, s = comp.m_al, comp.o_al, comp.s_al
        na = comp.M == "Na"
        log_sigma = (
            -6.0
            + 3.2 * math.exp(-(((o - 0.75) / 0.35) ** 2))
            + 0.5 * (m - 1.0)
            - 0.9 * (m - 1.0) ** 2
            + 1.8 * s
            - 1.6 * s**2
            - (0.45 if na else 0.0)
        )
        tg = -17.0 + 55.0 * (o - 0.75) + 30.0 * (m - 1.0) ** 2 - 40.0 * s - (9.0 if na else 0.0)
        oxidation = 4.2 - 0.4 * o - 1.4 * s + (0.05 if na else 0.0) - 0.1 * (m - 1.0)
        return {"log10_sigma_30C": log_sigma, "tg_C": tg, "oxidation_V": oxidation}

    def _evaluate_one(self, comp: Composition) -> Evaluation | Failure:
        if comp.o_al < 0.2:
            return Failure(f"{comp.formula}: no glass forms (O/Al={comp.o_al:.3g} < 0.2; the melt crystallises)")
        values = {k: v for k, v in self.truth(comp).items() if k in self.outputs}
        if self.noise == 0:
            return Evaluation(values, metadata={"landscape": self.name}, fidelity="synthetic")
        rng = np.random.default_rng([self.seed, zlib.crc32(comp.formula.encode())])
        scale = {"log10_sigma_30C": self.noise, "tg_C": 20 * self.noise, "oxidation_V": self.noise}
        noisy = {k: v + scale[k] * float(rng.standard_normal()) for k, v in values.items()}
        std = {k: scale[k] for k in values}
        return Evaluation(noisy, std=std, metadata={"landscape": self.name}, fidelity="synthetic")

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        return [self._evaluate_one(c) for c in batch]


class DTLZ2Glass:
    """The DTLZ2 two-objective test problem (Deb et al. 2002) mapped onto the composition box.

    The three ratios, normalised to [0, 1] over the box given in the constructor, are DTLZ2's
    inputs; M adds 0.1 (Na) to both objectives so the categorical input matters. Outputs ``f1``,
    ``f2`` are unitless and to be minimised; the Pareto front is the quarter circle f1^2 + f2^2 = 1
    (for Li, at normalised s = 0.5).
    """

    name = "dtlz2"
    outputs = {"f1": "1", "f2": "1"}

    def __init__(
        self,
        *,
        m_al: Sequence[float] = (0.5, 1.5),
        o_al: Sequence[float] = (0.0, 1.0),
        s_al: Sequence[float] = (0.0, 0.5),
    ) -> None:
        self.box = [tuple(map(float, b)) for b in (m_al, o_al, s_al)]
        for (low, high), name in zip(self.box, ("m_al", "o_al", "s_al")):
            if not high > low:
                raise OracleSetupError(f"{name} box {[low, high]} must have high > low")

    def _evaluate_one(self, comp: Composition) -> Evaluation:
        x = [(v - lo) / (hi - lo) for v, (lo, hi) in zip((comp.m_al, comp.o_al, comp.s_al), self.box)]
        g = sum((xi - 0.5) ** 2 for xi in x[1:])
        shift = 0.1 if comp.M == "Na" else 0.0
        f1 = (1 + g) * math.cos(x[0] * math.pi / 2) + shift
        f2 = (1 + g) * math.sin(x[0] * math.pi / 2) + shift
        return Evaluation({"f1": f1, "f2": f2}, metadata={"landscape": self.name}, fidelity="synthetic")

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        return [self._evaluate_one(c) for c in batch]


class RuggedGlass(SyntheticGlass):
    """A harder glass-like landscape: a narrow conductivity peak whose O/Al position moves with S/Al,
    a broad decoy maximum for Na, and two no-glass regions (crystallisation at low O/Al, phase
    separation at high O/Al + S/Al). Same outputs and units as `SyntheticGlass`.
    """

    name = "rugged-glass"

    @staticmethod
    def truth(comp: Composition) -> dict[str, float]:
        m, o, s = comp.m_al, comp.o_al, comp.s_al
        na = comp.M == "Na"
        peak = 0.8 - 0.5 * s
        log_sigma = (
            -6.2
            + 3.4 * math.exp(-(((o - peak) / 0.12) ** 2) - ((m - 1.1) / 0.35) ** 2)
            + (1.6 * math.exp(-(((o - 0.4) / 0.3) ** 2)) if na else 0.0)
            + 1.2 * s
            - 0.3 * (m - 1.0)
        )
        tg = -15.0 + 60.0 * (o - 0.7) + 25.0 * (m - 1.0) ** 2 - 45.0 * s - (8.0 if na else 0.0)
        oxidation = 4.25 - 0.45 * o - 1.2 * s + (0.05 if na else 0.0) - 0.1 * (m - 1.0)
        return {"log10_sigma_30C": log_sigma, "tg_C": tg, "oxidation_V": oxidation}

    def _evaluate_one(self, comp: Composition) -> Evaluation | Failure:
        if comp.o_al + comp.s_al > 1.1:
            return Failure(f"{comp.formula}: phase-separates (O/Al + S/Al = {comp.o_al + comp.s_al:.3g} > 1.1)")
        return super()._evaluate_one(comp)

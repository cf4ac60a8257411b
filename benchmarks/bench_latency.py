"""Proposal latency of the qLogNEHVI strategy: q=4, 3 objectives, 2 outcome constraints (5 GPs + 1
success GP for the ~10% failed points), over (M, m_al, o_al, s_al), fit included.

    python -m benchmarks.bench_latency --sizes 30,100,200,500,2000 --repeats 5 --threads 2

Prints a Markdown table of wall-clock seconds per proposal (median, min, max) and the median CPU
seconds of this process (what the proposal costs without competing load).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from pathlib import Path

import torch

from optimizer.problem import Objective, Observation, OutcomeConstraint, Problem
from optimizer.strategies.gp import QLogNEHVIStrategy
from oracles import Composition, CompositionSpace

SPACE = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=1.5)
PROBLEM = Problem(
    SPACE,
    (Objective("log10_sigma_30C", "maximize"), Objective("tg_C", "minimize"), Objective("oxidation_V", "maximize")),
    (OutcomeConstraint.parse("density_g_cm3 <= 2.4"), OutcomeConstraint.parse("hygroscopicity <= 0.6")),
)


def outputs(c: Composition) -> dict[str, float] | None:
    """A smooth five-output test function; None (a failure) where o_al < 0.1."""
    if c.o_al < 0.1:
        return None
    na = 1.0 if c.M == "Na" else 0.0
    return {
        "log10_sigma_30C": -6 + 3 * math.exp(-(((c.o_al - 0.7) / 0.3) ** 2)) + 1.5 * c.s_al - 0.4 * na,
        "tg_C": -20 + 50 * (c.o_al - 0.7) + 25 * (c.m_al - 1) ** 2 - 30 * c.s_al - 8 * na,
        "oxidation_V": 4.2 - 0.4 * c.o_al - 1.3 * c.s_al + 0.05 * na,
        "density_g_cm3": 2.0 + 0.3 * c.o_al + 0.4 * c.s_al + 0.2 * na,
        "hygroscopicity": 1.0 - 0.5 * c.o_al + 0.2 * c.m_al,
    }


def observations(n: int, seed: int = 0) -> list[Observation]:
    out = []
    for i, comp in enumerate(SPACE.sobol(n, seed=seed)):
        values = outputs(comp)
        out.append(Observation(i, comp, values or {}, {}, failed=values is None))
    return out


def measure(n: int, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``repeats`` proposals (different seeds) at ``n`` observations."""
    obs = observations(n)
    wall, cpu = [], []
    for r in range(repeats):
        strategy = QLogNEHVIStrategy(PROBLEM, seed=r)
        start, start_cpu = time.perf_counter(), time.process_time()
        batch = [p.composition for p in strategy.propose(4, obs, [])]
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert len(batch) == 4 and all(SPACE.contains(c) for c in batch)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30,100,200,500,2000")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (cores) allowed")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"torch threads allowed={torch.get_num_threads()} (GP work runs on 1), load average at start: {load}")
    print("| observations | median wall s | min wall s | max wall s | median CPU s | repeats |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in (int(s) for s in args.sizes.split(",")):
        wall, cpu = measure(n, args.repeats)
        print(f"| {n} | {statistics.median(wall):.2f} | {min(wall):.2f} | {max(wall):.2f} | "
              f"{statistics.median(cpu):.2f} | {len(wall)} |", flush=True)


if __name__ == "__main__":
    main()

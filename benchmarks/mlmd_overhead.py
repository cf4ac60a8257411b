"""Per-step overhead of the ML-MD oracle's MD loop over bare calculator calls.

The loop adds the thermostat, guard rails, progress logging and frame snapshots.

Same structure, same number of steps, interleaved repeats so machine load affects both alike:
    nice python -m benchmarks.mlmd_overhead --atoms 60 --steps 100 --repeats 3 --threads 1
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import time

import numpy as np
from ase.calculators.calculator import Calculator

from oracles import Composition
from oracles.atomistic.potential import PotentialInfo, load_calculator, torch_threads
from oracles.atomistic.relax import relax_structure
from oracles.atomistic.structures import build_amorphous
from oracles.mlmd.dynamics import quiet_potential, run_stage, set_velocities
from oracles.mlmd.presets import PRESETS


def bare_calls(atoms, calc, steps: int, rng: np.random.Generator) -> float:
    """Seconds per force call, moving atoms by ~0.01 Angstrom each call (as an MD step would)."""
    work = atoms.copy()
    work.calc = calc
    start = time.perf_counter()
    with quiet_potential():
        for _ in range(steps):
            work.positions += rng.normal(0.0, 0.01, work.positions.shape)
            work.get_forces()
    return (time.perf_counter() - start) / steps


def md_loop(atoms, calc, steps: int, rng: np.random.Generator) -> float:
    """Seconds per step of the oracle's guarded NVT loop (frames every 5 steps, checks every 10)."""
    work = atoms.copy()
    work.calc = calc
    set_velocities(work, 600.0, rng)
    with quiet_potential():
        work.get_forces()  # the MD loop's first call is its initial force evaluation; do it outside the timer
    start = time.perf_counter()
    run_stage(work, PRESETS["quick"], ensemble="nvt", T_K=600.0, steps=steps, timestep_fs=2.0, rng=rng,
              label="overhead", frame_interval=5)
    return (time.perf_counter() - start) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atoms", type=int, default=60)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with contextlib.redirect_stdout(io.StringIO()):
        calc, info = load_calculator("chgnet")
    with torch_threads(args.threads):
        record = measure(calc, info, args)
    print(json.dumps(record, indent=1))


def measure(calc: Calculator, info: PotentialInfo, args: argparse.Namespace) -> dict[str, object]:
    """Bare force calls against MD steps on one relaxed amorphous cell, interleaved."""
    rng = np.random.default_rng(0)
    atoms = build_amorphous(Composition("Li", 1.0, 0.75), target_atoms=args.atoms, rng=rng)
    with quiet_potential():  # a random cell has large forces; relax so the MD is well behaved
        atoms, _, _ = relax_structure(atoms, calc, fmax_eV_A=0.1, max_steps=150)
    bare_calls(atoms, calc, 5, rng)  # warm-up
    bare, md = [], []
    for _ in range(args.repeats):
        bare.append(bare_calls(atoms, calc, args.steps, rng))
        md.append(md_loop(atoms, calc, args.steps, rng))
    record = {"n_atoms": len(atoms), "steps": args.steps, "repeats": args.repeats, "threads": args.threads,
              "potential": info.label(), "bare_s_per_call": bare, "md_s_per_step": md,
              "ratio_of_medians": statistics.median(md) / statistics.median(bare),
              # adjacent pairs see the same machine load; their median ratio is the robust figure
              "pairwise_ratios": [m / b for m, b in zip(md, bare)],
              "median_pairwise_ratio": statistics.median(m / b for m, b in zip(md, bare))}
    return record


if __name__ == "__main__":
    main()

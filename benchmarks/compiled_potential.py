"""CPU cost of one MD step with a SevenNet model, eager against `torch.compile`d, in one process.

    python -m benchmarks.compiled_potential [--potential 7net-mf-0] [--steps 30] [--rounds 2]

On a saved LACO75 glass cell of the validation (63 atoms), one torch thread: Langevin MD at 850 K,
``rounds`` alternations of ``steps`` eager steps and ``steps`` compiled steps, so that the load of the
machine falls on both alike; CPU seconds (`time.process_time`), not wall time. Also the largest force
difference between the two on the same configuration, eV/A. Writes ``--out`` (JSON).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

import numpy as np

GLASS = Path("campaigns/mlmd-validation-artifacts/mlmd/LiAlCl2.5O0.75-quick-7net-mf-0-s1/glass/glass.extxyz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--potential", default="7net-mf-0")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/compiled-potential.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from ase import units
    from ase.io import read
    from ase.md.langevin import Langevin

    from oracles.atomistic.potential import load_calculator, torch_threads

    atoms = read(GLASS)
    calcs = {name: load_calculator(args.potential, compile_model=name == "compiled")[0]
             for name in ("eager", "compiled")}
    with torch_threads(1):
        probe = {}
        for name, calc in calcs.items():
            clock = time.process_time()
            probe[name] = calc.get_forces(atoms.copy())
            first_call = time.process_time() - clock
            if name == "compiled":
                compile_cpu_s = first_call
        per_step: dict[str, list[float]] = {name: [] for name in calcs}
        for _ in range(args.rounds):
            for name, calc in calcs.items():
                atoms.calc = calc
                dyn = Langevin(atoms, 2.0 * units.fs, temperature_K=850.0, friction=0.01, rng=np.random.default_rng(0))
                clock = time.process_time()
                dyn.run(args.steps)
                per_step[name].append((time.process_time() - clock) / args.steps)
    record = {
        "potential": args.potential, "atoms": len(atoms), "torch_threads": 1, "steps_per_round": args.steps,
        "cpu_s_per_step": per_step, "speedup": float(np.mean(per_step["eager"]) / np.mean(per_step["compiled"])),
        "first_compiled_call_cpu_s": compile_cpu_s,
        "max_force_difference_eV_A": float(np.abs(probe["compiled"] - probe["eager"]).max()),
        "still_compiled": bool(calcs["compiled"].model.compiled),  # type: ignore[attr-defined]
        "load_average": list(os.getloadavg()),
    }
    args.out.write_text(json.dumps(record, indent=1))
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()

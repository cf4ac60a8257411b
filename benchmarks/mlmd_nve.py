"""Does the production timestep conserve energy with a potential? The protocol's NVE check, standalone.

Builds a LiAlCl2.5O0.75 cell (``--atoms``, random packing at the ionic-volume density), relaxes it
with the cell free, lets the potential find the density at ``--T`` (MTK NPT, 0 GPa), moves to the
mean volume of the NPT run's second half, equilibrates (NVT), then runs the oracle's own NVE drift
check (`oracles.mlmd.conductivity.nve_drift`: ``nve_check_steps`` at the preset's timestep) and
prints one JSON record: drift (meV/atom/ps), energy fluctuation (meV/atom), density, wall time.

    nice -n 10 python -m benchmarks.mlmd_nve --potential 7net-mf-0 --T 850
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings
from dataclasses import asdict
from typing import Any

import numpy as np

from oracles import Composition
from oracles.atomistic.potential import load_calculator, torch_threads
from oracles.atomistic.relax import relax_structure
from oracles.atomistic.structures import build_amorphous, density_of
from oracles.mlmd.conductivity import nve_drift
from oracles.mlmd.dynamics import run_stage, scale_to_volume, set_velocities
from oracles.mlmd.presets import resolve_preset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--potential", default="7net-mf-0")
    parser.add_argument("--preset", default="quick", help="timestep, thermostat, barostat and NVE length from it")
    parser.add_argument("--T", type=float, default=850.0, help="temperature, K (the hottest quick one: 850)")
    parser.add_argument("--atoms", type=int, default=60)
    parser.add_argument("--npt-steps", type=int, default=600)
    parser.add_argument("--nvt-steps", type=int, default=250)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    warnings.filterwarnings("ignore")
    preset = resolve_preset(args.preset, {"potential": args.potential})
    rng = np.random.default_rng(0)
    record: dict[str, Any] = {"command": "python -m benchmarks.mlmd_nve " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()), "load_before": os.getloadavg()}
    start = time.perf_counter()
    with torch_threads(1):
        calc, info = load_calculator(args.potential)
        atoms = build_amorphous(Composition("Li", 1.0, 0.75), target_atoms=args.atoms, rng=rng)
        atoms, _, _ = relax_structure(atoms, calc, fmax_eV_A=preset.relax_fmax_eV_A, max_steps=preset.relax_max_steps,
                                      relax_cell=True)
        atoms.calc = calc
        set_velocities(atoms, args.T, rng)
        npt = run_stage(atoms, preset, ensemble="npt", T_K=args.T, steps=args.npt_steps,
                        timestep_fs=preset.timestep_fs, rng=rng, label=f"NPT {args.T:.0f} K").series.tail()
        scale_to_volume(atoms, float(np.mean(npt.volume_A3)))
        run_stage(atoms, preset, ensemble="nvt", T_K=args.T, steps=args.nvt_steps, timestep_fs=preset.timestep_fs,
                  rng=rng, label=f"NVT {args.T:.0f} K")
        drift = nve_drift(atoms, preset, T_K=args.T, rng=rng, label=f"{args.potential}")
    record.update(potential=info.label(), n_atoms=len(atoms), density_g_cm3=density_of(atoms),
                  npt_pressure_GPa=float(np.mean(npt.pressure_GPa)), drift=asdict(drift),
                  wall_s=time.perf_counter() - start, load_after=os.getloadavg())
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()

"""Where does a potential put the glass's density? The glass protocol's NPT stages, measured, for one cell.

Runs `oracles.mlmd.glass.make_glass_cell` with a preset (and a potential override) for one
composition and seed (cell-free FIRE, NVT melt, NPT anneal, NPT quench, NPT at 300 K), then, from
that glass, the NPT stage of each conductivity temperature (``npt_per_T_steps``, hottest first, as
the protocol does). Prints and writes one JSON record: per stage the density (mean and sd over the
second half, g/cm3), the density in each fifth of the stage (does it still drift?), the pressure
(GPa), Al coordination and bridging-O fraction (over the stage's frames), and the wall time per MD
step (s, one force call per step) with the load average.

With ``--workdir`` set to a campaign's ML-MD workdir and ``--preset-name`` to the preset, the glass
cell lands where the oracle looks for it and is reused (not recomputed) by that campaign.

    nice -n 10 python -m benchmarks.mlmd_density --potential 7net-mf-0 --preset quick \\
        --workdir campaigns/mlmd-validation-artifacts/mlmd --out benchmarks/results/mlmd-density-7net-mf-0.json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from oracles import Composition
from oracles.atomistic.potential import load_calculator, torch_threads
from oracles.atomistic.structures import density_of
from oracles.mlmd.dynamics import run_stage, set_velocities
from oracles.mlmd.glass import make_glass_cell
from oracles.mlmd.network import mean_diagnostics
from oracles.mlmd.presets import MDPreset, resolve_preset


def npt_at(glass_atoms: Any, calc: Any, preset: MDPreset, T_K: float, rng: np.random.Generator,
           label: str) -> dict[str, Any]:
    """One conductivity temperature's NPT stage from the glass; its density, pressure, network and cost."""
    atoms = glass_atoms.copy()
    atoms.calc = calc
    mass = density_of(atoms) * atoms.get_volume()
    set_velocities(atoms, T_K, rng)
    steps = preset.npt_per_T_steps
    start = time.perf_counter()
    stage = run_stage(atoms, preset, ensemble="npt", T_K=T_K, steps=steps, timestep_fs=preset.timestep_fs, rng=rng,
                      label=f"{label}: NPT {T_K:.0f} K", frame_interval=max(1, steps // 30))
    wall = time.perf_counter() - start
    rho = mass / np.asarray(stage.series.volume_A3)
    tail = stage.series.tail()
    rho_tail = mass / np.asarray(tail.volume_A3)
    half = len(stage.frames) // 2
    return {
        "T_K": T_K, "steps": steps, "ps": steps * preset.timestep_fs / 1000.0,
        "density_g_cm3": float(rho_tail.mean()), "density_sd_g_cm3": float(rho_tail.std()),
        "density_fifths_g_cm3": [float(chunk.mean()) for chunk in np.array_split(rho, 5)],
        "pressure_GPa": float(np.mean(tail.pressure_GPa)), "pressure_sd_GPa": float(np.std(tail.pressure_GPa)),
        "temperature_K": float(np.mean(tail.temperature_K)),
        "network": mean_diagnostics(stage.frames[half:]),
        "s_per_step": wall / steps, "load_after": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--potential", default="7net-mf-0")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--preset-name", default=None, help="name the cell is filed under (default: --preset)")
    parser.add_argument("--formula", default="LiAlCl2.5O0.75", help="M Al Cl O (S) per Al, e.g. NaAlCl2.5O0.75")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/mlmd-density"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    warnings.filterwarnings("ignore")
    comp = Composition.from_formula(args.formula)
    preset = resolve_preset(args.preset, {"potential": args.potential})
    record: dict[str, Any] = {"command": "python -m benchmarks.mlmd_density " + " ".join(
        f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
        "load_before": os.getloadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    with torch_threads(1):
        calc, info = load_calculator(args.potential)
        start = time.perf_counter()
        glass = make_glass_cell(comp, calculator=calc, preset=preset, seed=args.seed, workdir=args.workdir,
                                preset_name=args.preset_name or args.preset, potential_label=info.label())
        glass_wall = time.perf_counter() - start
        glass_steps = (preset.melt_steps + preset.anneal_steps + preset.quench_steps + preset.equilibrate_steps)
        record.update(potential=info.label(), glass=glass.summary(), glass_wall_s=glass_wall,
                      glass_md_steps=glass_steps, glass_s_per_step=glass_wall / glass_steps,
                      load_after_glass=os.getloadavg())
        logging.info("glass: %.3f g/cm3 at %.0f K, anneal %.3f g/cm3, %.3f s per step (incl. relaxation)",
                     glass.density_g_cm3, preset.quench_end_K, glass.anneal_density_g_cm3, glass_wall / glass_steps)
        rng = np.random.default_rng([args.seed, zlib.crc32(comp.formula.encode()), 11])
        record["npt_per_T"] = []
        for T in sorted(preset.temperatures_K, reverse=True):
            row = npt_at(glass.atoms, calc, preset, T, rng, f"{comp.formula} s{args.seed}")
            logging.info("NPT %.0f K: %.3f +- %.3f g/cm3 (fifths %s), %.2f GPa, %.3f s/step", T, row["density_g_cm3"],
                         row["density_sd_g_cm3"], [round(x, 3) for x in row["density_fifths_g_cm3"]],
                         row["pressure_GPa"], row["s_per_step"])
            record["npt_per_T"].append(row)
            if args.out:  # partial results survive a stop
                args.out.write_text(json.dumps(record, indent=1))
    text = json.dumps(record, indent=1)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

"""Validation of the ML-MD oracle against the reference study (issue 11, item 6), resumable.

Runs LiAlCl2.5O0.75 (LACO75) and NaAlCl2.5O0.75 (NACO75) with 3 cells each and LiAlCl(4-2x)O(x)
for x = 0.5 and 1.0 with 2 cells each, one (composition, seed) at a time, through `MLMDOracle`.
Each finished cell is one JSON file in ``--out`` (kept in git); a rerun skips finished cells, and
an interrupted cell restarts from its saved glass cell (``--workdir``). ``report`` combines the
cells exactly as the oracle does and writes ``summary.json`` with z-scores against experiment.

    nice -n 10 python -m benchmarks.mlmd_validation run --preset quick --threads 1 \\
        --out benchmarks/results/mlmd-validation --workdir mlmd-validation-artifacts
    python -m benchmarks.mlmd_validation report --out benchmarks/results/mlmd-validation
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from oracles import Composition, Evaluation
from oracles.mlmd import MLMDOracle

# The lazily loaded stages, imported now: a run of hours keeps the code it started with.
from oracles.mlmd import assemble, conductivity, glass, tg  # noqa: F401  # isort: skip
from oracles.mlmd.workflow import SeedOutcome

#: (composition, seeds, measured log10 sigma(30 degC) in S/cm or None). Dai et al., Nat. Energy 2023:
#: LACO75 1.52e-3 S/cm, NACO75 1.33e-3 S/cm at 30 degC; the O/Al series peaks at O/Al = 0.75.
CASES: list[tuple[Composition, list[int], float | None]] = [
    (Composition("Li", 1.0, 0.75), [0, 1, 2], -2.82),
    (Composition("Na", 1.0, 0.75), [0, 1, 2], -2.88),
    (Composition("Li", 1.0, 0.5), [0, 1], None),
    (Composition("Li", 1.0, 1.0), [0, 1], None),
]
#: Activation energy of LACO75, eV: 0.33 measured, 0.30 from the study's MD (Dai et al. 2023).
EA_LACO75_EV = {"measured": 0.33, "md": 0.30}


def queue() -> list[tuple[Composition, int]]:
    """Every composition's first cell before any second cell: partial results cover all compositions."""
    longest = max(len(seeds) for _, seeds, _ in CASES)
    return [(comp, seeds[i]) for i in range(longest) for comp, seeds, _ in CASES if i < len(seeds)]


def cell_path(out: Path, comp: Composition, seed: int) -> Path:
    return out / f"{comp.formula}-s{seed}.json"


def run(args: argparse.Namespace) -> None:
    oracle = MLMDOracle(preset=args.preset, compute=["conductivity"], workdir=args.workdir, threads=args.threads,
                        device=args.device, **({"potential": args.potential} if args.potential else {}))
    args.out.mkdir(parents=True, exist_ok=True)
    for comp, seed in queue():
        path = cell_path(args.out, comp, seed)
        if path.exists():
            logging.info("%s seed %d: done (%s)", comp.formula, seed, path)
            continue
        load_before = os.getloadavg()
        (outcome,) = oracle.run_cells(comp, [seed])
        record = {"composition": comp.formula, "seed": seed, "preset": args.preset, "potential": oracle.potential,
                  "threads": args.threads, "load_average_start": load_before, "load_average_end": os.getloadavg(),
                  "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "outcome": outcome.to_json()}
        path.write_text(json.dumps(record, indent=1))
        logging.info("%s seed %d: wrote %s (%.0f s, error: %s)", comp.formula, seed, path, outcome.wall_time_s,
                     outcome.error)


def report(args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    for comp, seeds, measured in CASES:
        records = [json.loads(cell_path(args.out, comp, s).read_text()) for s in seeds
                   if cell_path(args.out, comp, s).exists()]
        if not records:
            continue
        oracle = MLMDOracle(preset=records[0]["preset"], compute=["conductivity"], potential=records[0]["potential"])
        result = oracle.combine(comp, [SeedOutcome.from_json(r["outcome"]) for r in records])
        entry: dict[str, Any] = {"cells": [r["seed"] for r in records], "of": len(seeds),
                                 "core_hours": sum(r["outcome"]["wall_time_s"] * r["threads"] for r in records) / 3600}
        if isinstance(result, Evaluation):
            assert result.std is not None
            sigma, sd = result.values["log10_sigma_30C"], result.std["log10_sigma_30C"]
            entry.update(log10_sigma_30C=sigma, std=sd, ea_eV=result.values["ea_eV"], ea_std_eV=result.std["ea_eV"],
                         density_g_cm3=result.metadata["density_g_cm3"], warnings=result.metadata["warnings"])
            if measured is not None:
                entry["measured_log10_sigma_30C"] = measured
                entry["z"] = (sigma - measured) / sd
            if comp.formula == "LiAlCl2.5O0.75":
                entry["z_ea"] = {k: (result.values["ea_eV"] - v) / result.std["ea_eV"] for k, v in EA_LACO75_EV.items()}
        else:
            entry["failure"] = result.reason
        summary[comp.formula] = entry
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "report"])
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--potential", default=None, help="default: the preset's")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/mlmd-validation"))
    parser.add_argument("--workdir", type=Path, default=Path("mlmd-validation-artifacts"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.action == "run":
        run(args)
    else:
        print(json.dumps(report(args), indent=1))


if __name__ == "__main__":
    main()

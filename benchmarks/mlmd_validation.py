"""Validation of the ML-MD oracle against the reference study (issue 11, item 6): the report.

The cells run as two campaigns (`scripts/mlmd-validation.sh`: LACO75 and NACO75 with 3 cells,
LiAlCl(4-2x)O(x) for x = 0.5, 1.0 with 2), or with ``run`` here, one (composition, seed) at a
time. Either way each finished cell is saved as ``<formula>-<preset>-<potential>-s<seed>/
outcome-conductivity.json`` under the oracle's workdir, and ``report`` combines the cells found
there (and any cell whose glass and temperatures are all saved, before its campaign assembles it)
exactly as the oracle does, with z-scores against experiment, into ``--summary``.

    scripts/mlmd-validation.sh                                            # the campaigns (resumable)
    python -m benchmarks.mlmd_validation report                           # whatever has finished
    nice -n 10 python -m benchmarks.mlmd_validation run --threads 1       # the same cells without a campaign
    nice -n 10 python -m benchmarks.mlmd_validation temperature --seed 1 --T 550   # one cell's temperature, aside
    nice -n 10 python -m benchmarks.mlmd_validation cells --formula LiAlCl2O1.0 --seeds 0 1 --threads 2 \
        --workdirs campaigns/mlmd-validation-oal-artifacts/mlmd   # a later candidate's cells, before its campaign
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
from oracles.mlmd.early_stop import Viability, saved_runs
from oracles.mlmd.glass import glass_folder
from oracles.mlmd.saved_cell import saved_cell
from oracles.mlmd.workflow import SeedOutcome

from .mlmd_validation_plot import Panel, arrhenius_figure, read_cells
from .mlmd_validation_trend import T_SIMULATED_K, at_simulated_temperature, trend

#: (composition, seeds, measured log10 sigma(30 degC) in S/cm or None). Dai et al., Nat. Energy 2023:
#: LACO75 1.52e-3 S/cm, NACO75 1.33e-3 S/cm at 30 degC; the O/Al series peaks at O/Al = 0.75.
CASES: list[tuple[Composition, list[int], float | None]] = [
    (Composition("Li", 1.0, 0.75), [0, 1, 2], -2.82),
    (Composition("Na", 1.0, 0.75), [0, 1, 2], -2.88),
    (Composition("Li", 1.0, 0.5), [0, 1], None),
    (Composition("Li", 1.0, 1.0), [0, 1], None),
]
READ_FROM_SAVED_STAGES = ("finished: every stage saved, read by this report (its campaign saves the cell when all "
                          "of the composition's cells are done)")
#: Activation energy of LACO75, eV: 0.33 measured, 0.30 from the study's MD (Dai et al. 2023).
EA_LACO75_EV = {"measured": 0.33, "md": 0.30}


def queue() -> list[tuple[Composition, int]]:
    """Every composition's first cell before any second cell: partial results cover all compositions."""
    longest = max(len(seeds) for _, seeds, _ in CASES)
    return [(comp, seeds[i]) for i in range(longest) for comp, seeds, _ in CASES if i < len(seeds)]


def cell_outcome(workdirs: list[Path], comp: Composition, oracle: MLMDOracle, seed: int) -> SeedOutcome | None:
    """One cell's outcome from the first of ``workdirs`` that has it: as its campaign saved it, or read
    from its saved glass and temperatures if the campaign has not assembled it yet; else None."""
    for workdir in workdirs:
        folder = glass_folder(workdir, comp.formula, oracle.preset_name, oracle.params.potential, seed).parent
        path = folder / "outcome-conductivity.json"
        if path.is_file():
            return SeedOutcome.from_json(json.loads(path.read_text())["outcome"])
        outcome = saved_cell(comp, preset=oracle.params, seed=seed, workdir=workdir, preset_name=oracle.preset_name)
        if outcome is not None:
            return outcome
    return None


def cannot_converge(workdirs: list[Path], comp: Composition, oracle: MLMDOracle, seeds: list[int]) -> str | None:
    """Why ``comp`` can no longer give a value, from its saved temperatures by the oracle's own rule
    (`early_stop`: its campaign stops it there and records this `Failure`), or None."""
    viability = Viability([(comp, seed) for seed in seeds], oracle.params)
    for seed in seeds:
        for workdir in workdirs:
            runs = saved_runs(workdir, comp, seed, preset=oracle.params, preset_name=oracle.preset_name)
            if runs:
                viability.record_runs(comp.formula, seed, runs)
                break
    if not viability.stopped(comp.formula):
        return None
    return "; ".join(f"seed {s}: {viability.cell_error(comp.formula, s)}" for s in seeds)


def saved_core_hours(workdirs: list[Path], comp: Composition, oracle: MLMDOracle, seed: int) -> dict[str, float]:
    """CPU core-hours of one cell's saved stages (its glass, its finished temperatures), for a cell its
    campaign never assembled; a stage under way when the composition stopped is not counted."""
    for workdir in workdirs:
        record = glass_folder(workdir, comp.formula, oracle.preset_name, oracle.params.potential, seed) / "glass.json"
        if record.is_file():
            runs = saved_runs(workdir, comp, seed, preset=oracle.params, preset_name=oracle.preset_name)
            return {"glass": round(json.loads(record.read_text())["cpu_s"] / 3600.0, 2),
                    "conductivity": round(sum(run["cpu_s"] for run in runs) / 3600.0, 2)}
    return {}


def cell_progress(workdirs: list[Path], comp: Composition, preset: str, potential: str, seed: int) -> str:
    """Where one cell stands: finished, the temperatures saved so far and the one under way, the glass
    (made, or the stages saved so far), or not started."""
    for workdir in workdirs:
        folder = glass_folder(workdir, comp.formula, preset, potential, seed).parent
        if (folder / "outcome-conductivity.json").is_file():
            return "finished"
        done = sorted((int(p.stem.split("-")[1].rstrip("K")) for p in folder.glob("conductivity-*K.json")),
                      reverse=True)
        parts = ["temperatures done (K): " + ", ".join(map(str, done))] if done else []
        for partial in sorted(folder.glob("conductivity-*K.partial")):
            record = _saved_record(partial)
            if record is not None:
                parts.append(f"{partial.stem.split('-')[1]} under way: production step {record['steps_done']} "
                             f"of {record['target_steps']}")
        if (folder / "glass" / "glass.json").is_file():
            return "; ".join(["glass made", *parts])
        record = _saved_record(folder / "glass" / "partial")
        if record is not None:
            return f"glass under way: {record['stages_done']} stages saved (melt, anneal, quench blocks)"
    return "not started"


def _saved_record(folder: Path) -> dict[str, Any] | None:
    """The record of a `saved_md.SavedMD` folder, or None if there is none."""
    try:
        return dict(json.loads((folder / "state.json").read_text(encoding="utf-8"))["record"])
    except (OSError, ValueError, KeyError):
        return None


def run(args: argparse.Namespace) -> None:
    oracle = MLMDOracle(preset=args.preset, compute=["conductivity"], workdir=args.workdirs[0], threads=args.threads,
                        device=args.device, **({"potential": args.potential} if args.potential else {}))
    for comp, seed in queue():
        (outcome,) = oracle.run_cells(comp, [seed])  # reads a finished cell back, or runs and saves it
        logging.info("%s seed %d: %.0f s wall, CPU s by stage %s, error: %s (load %s)", comp.formula, seed,
                     outcome.wall_time_s, outcome.cpu_s_by_stage, outcome.error, os.getloadavg())


def cells(args: argparse.Namespace) -> None:
    """Some cells of one composition, in parallel as the oracle runs them, saved where its campaign
    will read them back (without MD): a campaign evaluates its listed candidates one at a time, so this
    starts a later one while the current one is not needed."""
    oracle = MLMDOracle(preset=args.preset, compute=["conductivity"], workdir=args.workdirs[0], threads=args.threads,
                        device=args.device, **({"potential": args.potential} if args.potential else {}))
    comp = Composition.from_formula(args.formula)
    for seed, outcome in zip(args.seeds, oracle.run_cells(comp, args.seeds)):
        logging.info("%s seed %d: %.0f s wall, CPU s by stage %s, error: %s", comp.formula, seed,
                     outcome.wall_time_s, outcome.cpu_s_by_stage, outcome.error)


def temperatures(args: argparse.Namespace) -> None:
    """Some temperatures of one cell, in this process: run beside the campaign's cells to finish a cell
    sooner (a temperature another process is running is waited for, then read back)."""
    oracle = MLMDOracle(preset=args.preset, compute=["conductivity"], workdir=args.workdirs[0], threads=args.threads,
                        device=args.device, **({"potential": args.potential} if args.potential else {}))
    comp = Composition.from_formula(args.formula)
    for run in oracle.run_cell_temperatures(comp, args.seed, args.T):
        d = run["diffusion"]
        logging.info("%s seed %d, %.0f K: D = %.3g cm2/s, diffusive %s", comp.formula, args.seed, d["T_K"],
                     d["D_cm2_s"], d["diffusive"])


def report(args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {"preset": args.preset, "written": time.strftime("%Y-%m-%d %H:%M:%S")}
    panels: list[Panel] = []
    at_30C: dict[str, tuple[float, float]] = {}
    at_T: dict[str, tuple[float, float]] = {}
    complete: set[str] = set()
    failed: dict[str, str] = {}
    oracle = MLMDOracle(preset=args.preset, compute=["conductivity"],
                        **({"potential": args.potential} if args.potential else {}))
    for comp, seeds, measured in CASES:
        found = [cell_outcome(args.workdirs, comp, oracle, s) for s in seeds]
        outcomes = [o for o in found if o is not None]
        progress = {f"s{s}": cell_progress(args.workdirs, comp, args.preset, oracle.params.potential, s)
                    for s in seeds}
        for s, outcome in zip(seeds, found):
            if outcome is not None and progress[f"s{s}"] != "finished":
                progress[f"s{s}"] = READ_FROM_SAVED_STAGES
        summary.setdefault("progress", {})[comp.formula] = progress
        cells = read_cells(args.workdirs, comp.formula, args.preset, oracle.params.potential, seeds)
        simulated = at_simulated_temperature(cells)
        if simulated is not None and simulated.n >= min(2, len(seeds)):  # as many cells as the oracle needs
            at_T[comp.formula] = (simulated.mean, simulated.std)
        if len(outcomes) == len(seeds):
            complete.add(comp.formula)
        decided = None if comp.formula in complete else cannot_converge(args.workdirs, comp, oracle, seeds)
        if decided is not None:  # as final as a finished composition: its campaign runs no more of it
            complete.add(comp.formula)
            failed[comp.formula] = decided
            summary[comp.formula] = {"failure": decided, "cpu_core_hours_by_cell": {
                f"s{seed}": saved_core_hours(args.workdirs, comp, oracle, seed) for seed in seeds}}
        if not outcomes:
            panels.append((comp.formula, cells, None, measured))
            continue
        result = oracle.combine(comp, outcomes)
        entry: dict[str, Any] = {
            "cells": [o.seed for o in outcomes], "of": len(seeds),
            # CPU time of each stage where it was made (0: made before costs were recorded)
            "cpu_core_hours_by_cell": {f"s{o.seed}": {k: round(v / 3600.0, 2) for k, v in o.cpu_s_by_stage.items()}
                                       for o in outcomes}}
        if isinstance(result, Evaluation):
            assert result.std is not None
            sigma, sd = result.values["log10_sigma_30C"], result.std["log10_sigma_30C"]
            entry.update(log10_sigma_30C=sigma, std=sd, ea_eV=result.values["ea_eV"], ea_std_eV=result.std["ea_eV"],
                         density_g_cm3=result.metadata["density_g_cm3"], warnings=result.metadata["warnings"],
                         nve_drift=result.metadata["conductivity"]["nve_drift"])
            at_30C[comp.formula] = (sigma, sd)
            if simulated is not None:
                entry[f"log10_sigma_{T_SIMULATED_K:.0f}K"] = {"value": simulated.mean, "std": simulated.std,
                                                              "cells": simulated.n}
            if measured is not None:
                entry["measured_log10_sigma_30C"] = measured
                entry["z"] = (sigma - measured) / sd
            if comp.formula == "LiAlCl2.5O0.75":
                entry["z_ea"] = {k: (result.values["ea_eV"] - v) / result.std["ea_eV"] for k, v in EA_LACO75_EV.items()}
        else:
            entry["failure"] = decided or result.reason
            if decided is not None:
                entry["cpu_core_hours_by_cell"] = summary[comp.formula]["cpu_core_hours_by_cell"]
            if comp.formula in complete:
                failed[comp.formula] = entry["failure"]
        summary[comp.formula] = entry
        combined = (entry["log10_sigma_30C"], entry["std"]) if "std" in entry else None
        panels.append((comp.formula, cells, combined, measured))
    summary["contrasts"] = trend(at_30C, at_T, complete, failed)
    arrhenius_figure(panels, args.summary.with_suffix(".png"), failed)
    args.summary.parent.mkdir(parents=True, exist_ok=True)
    args.summary.write_text(json.dumps(summary, indent=1))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["run", "report", "temperature", "cells"])
    parser.add_argument("--formula", default="LiAlCl2.5O0.75", help="temperature, cells: the composition")
    parser.add_argument("--seed", type=int, default=0, help="temperature: the cell")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="cells: the cells")
    parser.add_argument("--T", type=float, nargs="+", default=[], help="temperature: which of the preset's, K")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--potential", default=None, help="default: the preset's")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--workdirs", type=Path, nargs="+", default=[
        Path("campaigns/mlmd-validation-artifacts/mlmd"), Path("campaigns/mlmd-validation-oal-artifacts/mlmd")],
        help="oracle workdirs holding the cells (run writes to the first)")
    parser.add_argument("--summary", type=Path, default=Path("benchmarks/results/mlmd-validation.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.action == "run":
        run(args)
    elif args.action == "temperature":
        temperatures(args)
    elif args.action == "cells":
        cells(args)
    else:
        print(json.dumps(report(args), indent=1))


if __name__ == "__main__":
    main()

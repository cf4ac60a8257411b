"""Validation of the ML-MD oracle: LiAlCl2.5O0.75 glass versus crystalline LiAlCl4, both through the oracle.

Expectation from experiment: the glass conducts better (LiAlCl2.5O0.75: Ea 0.33 eV measured,
0.30 eV from literature MD); LiAlCl4 crystal is a poor Li conductor. Not run in CI.

    nice python -m benchmarks.mlmd_validation --which glass --preset quick --threads 1 --out DIR
    nice python -m benchmarks.mlmd_validation --which crystal --preset quick --threads 1 --out DIR
    python -m benchmarks.mlmd_validation --reanalyse DIR/glass-quick-s0.json   # MSDs from the saved trajectories
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from oracles import Composition, Evaluation
from oracles.mlmd import MLMDOracle

CASES = {
    "glass": (Composition("Li", 1.0, 0.75, 0.0), "amorphous"),
    "crystal": (Composition("Li", 1.0, 0.0, 0.0), "crystal"),
}


def reanalyse(record_path: Path) -> dict[str, list[float]]:
    """Li and framework (Al, Cl, O) end MSDs, Angstrom^2, per production temperature, from the artifacts."""
    import numpy as np
    from ase.io import read

    from oracles.mlmd.diffusion import unwrapped_displacements

    record = json.loads(record_path.read_text())
    out: dict[str, list[float]] = {"T_K": [], "Li_msd_A2": [], "framework_msd_A2": []}
    for name, art in sorted(record["metadata"]["artifacts"].items()):
        if not name.startswith("production_"):
            continue
        frames = read(art["path"], index=":")
        li = np.flatnonzero(np.array(frames[0].get_chemical_symbols()) == "Li")
        sq = (unwrapped_displacements(frames, li)[-1] ** 2).sum(axis=1)
        out["T_K"].append(float(name.removeprefix("production_").removesuffix("K")))
        out["Li_msd_A2"].append(float(sq[li].mean()))
        out["framework_msd_A2"].append(float(np.delete(sq, li).mean()))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--which", choices=sorted(CASES))
    parser.add_argument("--reanalyse", type=Path, help="print MSDs from a finished run's JSON record and exit")
    parser.add_argument("--preset", default="quick")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("mlmd-validation"))
    parser.add_argument("--compute", default="conductivity", help="comma-separated: conductivity,tg")
    parser.add_argument("--production-steps", type=int, default=None, help="override of the preset's production_steps")
    args = parser.parse_args()
    if args.reanalyse:
        print(json.dumps(reanalyse(args.reanalyse)))
        return
    if args.which is None:
        parser.error("--which is required")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    comp, structure = CASES[args.which]
    oracle = MLMDOracle(preset=args.preset, structure=structure, seed=args.seed, threads=args.threads,
                        workdir=args.out / args.which, compute=args.compute.split(","),
                        **({} if args.production_steps is None else {"production_steps": args.production_steps}))
    start = time.perf_counter()
    (result,) = oracle.evaluate([comp])
    record = {"case": args.which, "composition": comp.formula, "structure": structure, "preset": args.preset,
              "wall_time_s": time.perf_counter() - start}
    if isinstance(result, Evaluation):
        record.update(values=result.values, std=result.std, metadata=result.metadata)
    else:
        record["failure"] = result.reason
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.production_steps is None else f"-prod{args.production_steps}"
    path = args.out / f"{args.which}-{args.preset}{suffix}-s{args.seed}.json"
    path.write_text(json.dumps(record, indent=1))
    logging.info("wrote %s: %s", path, {k: record.get(k) for k in ("values", "std", "failure")})


if __name__ == "__main__":
    main()

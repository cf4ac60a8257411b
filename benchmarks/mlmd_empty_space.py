"""Empty space in the validation's production runs (`benchmarks/results/mlmd.md` §6i): is a low NPT
density a homogeneous liquid or a cell with a hole, and does either go with a flat or falling D(T)?

    python -m benchmarks.mlmd_empty_space            # -> benchmarks/results/mlmd-empty-space.json

Reads every saved production trajectory (``production_<T>K.extxyz``) of the validation cells and
their saved temperatures (D, diffusive); no MD.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from oracles.mlmd.empty_space import EMPTY_FROM_A, mean_empty_space

WORKDIRS = [Path("campaigns/mlmd-validation-artifacts/mlmd"), Path("campaigns/mlmd-validation-oal-artifacts/mlmd")]
AMU_PER_A3_IN_G_CM3 = 1.66054


def temperature_row(trajectory: Path, every: int) -> dict[str, Any]:
    """Density (g/cm3) and empty space over every ``every``-th frame of one production, with its D."""
    from ase.io import read

    frames = read(trajectory, index=f"::{every}")
    assert isinstance(frames, list)
    space, largest = mean_empty_space(frames)
    T = trajectory.stem.split("_")[1]
    row: dict[str, Any] = {
        "cell": trajectory.parent.name, "T": T, "frames": len(frames),
        "density_g_cm3": float(np.mean([a.get_masses().sum() * AMU_PER_A3_IN_G_CM3 / a.get_volume() for a in frames])),
        "largest_empty_sphere_A": space.largest_sphere_A, "largest_empty_sphere_max_A": largest,
        "empty_fraction": space.empty_fraction}
    saved = trajectory.parent / f"conductivity-{T}.json"
    if saved.is_file():
        diffusion = json.loads(saved.read_text())["run"]["diffusion"]
        row.update(D_cm2_s=diffusion["D_cm2_s"], diffusive=diffusion["diffusive"])
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdirs", type=Path, nargs="+", default=WORKDIRS)
    parser.add_argument("--every", type=int, default=100, help="use every N-th saved frame")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results/mlmd-empty-space.json"))
    args = parser.parse_args()
    rows = [temperature_row(path, args.every) for workdir in args.workdirs
            for path in sorted(workdir.glob("*/production_*K.extxyz"))]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"empty_from_A": EMPTY_FROM_A, "every": args.every, "rows": rows}, indent=1))
    print("| cell | T | density, g/cm3 | largest empty sphere, A (max) | empty fraction | D, cm2/s | diffusive |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['cell']} | {r['T']} | {r['density_g_cm3']:.3f} | {r['largest_empty_sphere_A']:.2f} "
              f"({r['largest_empty_sphere_max_A']:.2f}) | {r['empty_fraction']:.3f} | "
              f"{r.get('D_cm2_s', float('nan')):.2e} | {r.get('diffusive', '')} |")


if __name__ == "__main__":
    main()

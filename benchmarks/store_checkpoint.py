"""What the store's passive checkpoint after each committed write costs.

    python -m benchmarks.store_checkpoint --candidates 200 --writes 200

Fills one store with ``--candidates`` evaluated candidates (each with an ML-MD-sized metadata
record), then times ``--writes`` further result writes (one `Store.record_values` each: the loop's
write path), alternating a store that checkpoints with one that does not, in one process on the same
disk. Prints a Markdown table (median and 90th percentile wall ms, median CPU ms per write) and the
ratio; ``--json PATH`` also writes them.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from optimizer.store import Proposed, Requirement, Store
from oracles import Composition

UNITS = {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC"}
REQUIRED = (Requirement("log10_sigma_30C"), Requirement("tg_C"))
#: About the size of one ML-MD evaluation's metadata (3 cells x 4 temperatures of diagnostics).
METADATA = {"cells": [{"seed": s, "temperatures": [{"T_K": t, "msd_A2": [0.1 * k for k in range(40)]}
                                                   for t in (550, 650, 750, 850)]} for s in range(3)]}


class NoCheckpointStore(Store):
    """The store as it was before: commits stay in the write-ahead log until SQLite's own checkpoint."""

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        return None


def _compositions(n: int) -> list[Composition]:
    return [Composition("Li" if k % 2 else "Na", 0.5 + (k % 11) / 10, (k // 11 % 11) / 10, (k // 121) / 100)
            for k in range(n)]


def _write(store: Store, cid: int, value: float) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    store.record_values(cid, oracle="mlmd", values={"log10_sigma_30C": value, "tg_C": -10.0},
                        std={"log10_sigma_30C": 0.5}, units=UNITS, required=REQUIRED, metadata=METADATA)
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def measure(candidates: int, writes: int) -> dict[str, object]:
    comps = _compositions(candidates + writes)
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as folder:  # the repository's disk, not a tmpfs
        stores = {"checkpoint": Store(Path(folder) / "on.sqlite"),
                  "none": NoCheckpointStore(Path(folder) / "off.sqlite")}
        pending = {}
        for name, store in stores.items():
            ids = store.add_candidates([Proposed(c, "initial") for c in comps], batch=0)
            for cid in ids[:candidates]:
                _write(store, cid, -3.0)
            pending[name] = ids[candidates:]
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in stores}
        for k in range(writes):
            for name in (("checkpoint", "none") if k % 2 else ("none", "checkpoint")):
                times[name].append(_write(stores[name], pending[name][k], -2.5))
        sizes = {name: {"db_bytes": store.path.stat().st_size,
                        "wal_bytes": Path(f"{store.path}-wal").stat().st_size} for name, store in stores.items()}
        for store in stores.values():
            store.close()
    rows = {}
    for name, samples in times.items():
        wall = sorted(w for w, _ in samples)
        rows[name] = {"median_wall_ms": statistics.median(wall), "p90_wall_ms": wall[int(0.9 * (len(wall) - 1))],
                      "median_cpu_ms": statistics.median(c for _, c in samples), **sizes[name]}
    ratio = rows["checkpoint"]["median_wall_ms"] / rows["none"]["median_wall_ms"]
    return {"candidates": candidates, "writes": writes, "load_average": list(os.getloadavg()),
            "sqlite": sqlite3.sqlite_version, "stores": rows, "median_wall_ratio": ratio}


def markdown(result: dict[str, object]) -> str:
    stores = result["stores"]
    assert isinstance(stores, dict)
    lines = ["| store | median wall ms | p90 wall ms | median CPU ms | file bytes | -wal bytes |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in stores.items():
        lines.append(f"| {name} | {row['median_wall_ms']:.2f} | {row['p90_wall_ms']:.2f} | {row['median_cpu_ms']:.2f}"
                     f" | {row['db_bytes']} | {row['wal_bytes']} |")
    lines.append(f"\nmedian wall ratio (checkpoint / none): {result['median_wall_ratio']:.2f}; "
                 f"load average {result['load_average']}; SQLite {result['sqlite']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.candidates, args.writes)
    print(markdown(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

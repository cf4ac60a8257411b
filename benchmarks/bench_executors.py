"""Throughput of the executors against workers, with an oracle that only sleeps (ideal: linear in workers).

    python -m benchmarks.bench_executors --workers 1,2,4 --evaluations 16 --delay-s 1.0 \
        --out benchmarks/results/executors.md

Each row runs a fresh campaign of ``--evaluations`` candidates (Sobol proposals, so the strategy costs
almost nothing) on a `LocalCluster` started beforehand and warmed up; the wall time covers proposing,
evaluating and committing. ``ratio to ideal`` is (evaluations x delay / workers) / wall time.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from optimizer.campaign import Campaign
from optimizer.executors.async_loop import LoopSettings, run_async
from optimizer.executors.dask_executor import start_local_cluster
from optimizer.executors.tasks import oracle_specs
from optimizer.oracle_factory import Runtime
from optimizer.steps import CampaignRun

SLEEPING_ORACLE = '''
import time
from benchmarks.landscapes import SyntheticGlass

class Sleeping(SyntheticGlass):
    name = "sleeping-glass"

    def __init__(self, *, delay_s: float = 1.0) -> None:
        super().__init__()
        self.delay_s = delay_s

    def evaluate(self, batch, /):
        time.sleep(self.delay_s * len(batch))
        return super().evaluate(batch)
'''


@dataclass(frozen=True)
class Row:
    executor: str
    workers: int
    evaluations: int
    wall_s: float
    ideal_s: float

    @property
    def ratio(self) -> float:
        return self.ideal_s / self.wall_s

    def line(self) -> str:
        return (f"| {self.executor} | {self.workers} | {self.evaluations} | {self.wall_s:.2f} | {self.ideal_s:.2f} | "
                f"{self.evaluations / self.wall_s:.2f} | {self.ratio:.2f} | {self.overhead_ms:.0f} |")

    @property
    def overhead_ms(self) -> float:
        """Wall time beyond the ideal, per evaluation and worker slot."""
        return (self.wall_s - self.ideal_s) * self.workers / self.evaluations * 1000


def _campaign(folder: Path, evaluations: int, delay_s: float) -> Campaign:
    folder.mkdir(parents=True)
    (folder / "sleeping_oracle.py").write_text(SLEEPING_ORACLE)
    config = {
        "name": "bench", "seed": 0, "store": "bench.sqlite",
        "space": {"M": ["Li", "Na"], "m_al": [0.5, 1.5], "o_al": [0.0, 1.0], "s_al": [0.0, 0.5], "min_cl_al": 0.5},
        "objectives": [{"name": "log10_sigma_30C", "goal": "maximize"}],
        "oracles": [{"kind": "python", "target": "sleeping_oracle:Sleeping", "options": {"delay_s": delay_s}}],
        "loop": {"initial": evaluations, "batch_size": 4, "budget": evaluations},
        "strategy": "sobol",
    }
    (folder / "campaign.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    campaign = Campaign.from_yaml(folder / "campaign.yaml")
    campaign.validate()
    return campaign


def bench_serial(root: Path, evaluations: int, delay_s: float) -> Row:
    campaign = _campaign(root / "serial", evaluations, delay_s)
    start = time.perf_counter()
    campaign.run()
    return Row("serial", 1, evaluations, time.perf_counter() - start, evaluations * delay_s)


def bench_local(root: Path, workers: int, evaluations: int, delay_s: float) -> Row:
    from distributed import Client

    campaign = _campaign(root / f"local-{workers}", evaluations, delay_s)
    specs = oracle_specs(campaign.config.oracles, name="bench", base_dir=campaign.base_dir, runtime=Runtime(threads=1))
    with start_local_cluster(workers, 1) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(__import__, "benchmarks.landscapes")  # the serial run is warm too
        start = time.perf_counter()
        run = CampaignRun(campaign, evaluations)
        run_async(run, client, specs=specs, settings=LoopSettings())
        stats = run.stats
        wall = time.perf_counter() - start
    assert stats.evaluated == evaluations
    return Row("local", workers, evaluations, wall, evaluations * delay_s / workers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="comma-separated worker counts")
    parser.add_argument("--evaluations", type=int, default=16)
    parser.add_argument("--delay-s", type=float, default=1.0)
    parser.add_argument("--out", type=Path, help="write a Markdown table here")
    args = parser.parse_args()
    logging.getLogger("optimizer").setLevel(logging.ERROR)  # the landscape's expected failures are not news here
    with tempfile.TemporaryDirectory() as tmp:
        rows = [bench_serial(Path(tmp), args.evaluations, args.delay_s)]
        for workers in (int(w) for w in args.workers.split(",")):
            rows.append(bench_local(Path(tmp), workers, args.evaluations, args.delay_s))
            print(rows[-1].line(), flush=True)
    header = ["| executor | workers | evaluations | wall (s) | ideal (s) | evaluations/s | ratio to ideal "
              "| overhead per evaluation (ms) |", "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    load = os.getloadavg()
    table = "\n".join([*header, *(r.line() for r in rows)])
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        command = (f"python -m benchmarks.bench_executors --workers {args.workers} --evaluations {args.evaluations} "
                   f"--delay-s {args.delay_s:g} --out {args.out}")
        args.out.write_text(
            "# Executors: throughput against workers (sleeping oracle)\n\n"
            f"Command: `{command}`\n\n"
            f"Machine: {os.cpu_count()} cores ({platform.machine()}, Python {platform.python_version()}), "
            f"load average {load[0]:.1f} from other processes during the run. The oracle sleeps "
            f"{args.delay_s:g} s per candidate, so workers beyond the cores still scale; a CPU-bound oracle "
            "(ML-MD) stops scaling at the cores, which is why `threads_per_worker` defaults to cores // workers.\n\n"
            f"{table}\n\n"
            "`ratio to ideal` = (evaluations x delay / workers) / wall time; the loss (last column) is proposing, "
            "committing and Dask's per-task round trip, which matters only for oracles of a few seconds or less. "
            "The serial row is the in-process batch loop (`--executor serial`).\n")


if __name__ == "__main__":
    main()

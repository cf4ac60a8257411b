"""`run_benchmark`: strategies x seeds through the campaign loop, CSV, summary and plot."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from optimizer.bench import LANDSCAPES, evaluations_to_target, run_benchmark


def test_evaluations_to_target() -> None:
    assert evaluations_to_target([math.nan, -3.0, -2.0, -1.0], -2.0) == 3.0
    assert math.isnan(evaluations_to_target([math.nan, -3.0], -2.0))


@pytest.mark.parametrize("landscape", ["glass", "dtlz2"])
def test_run_benchmark_writes_csv_summary_and_plot(landscape: str, tmp_path: Path) -> None:
    lines: list[str] = []
    frame = run_benchmark(landscape, strategies=["random", "sobol"], seeds=2, budget=6, out_dir=tmp_path,
                          initial=2, batch_size=2, progress=lines.append)
    assert len(frame) == 2 * 2 * 6 and len(lines) == 4
    assert set(frame.columns) >= {"strategy", "seed", "evaluation", "value", "optimum", "target"}
    on_disk = pd.read_csv(tmp_path / "bench.csv")
    assert len(on_disk) == len(frame)
    summary = pd.read_csv(tmp_path / "summary.csv")
    assert list(summary["strategy"]) == ["random", "sobol"]
    assert (tmp_path / "bench.png").stat().st_size > 1000
    # best-so-far never decreases
    for _, run in frame.groupby(["strategy", "seed"]):
        values = run["value"].dropna().tolist()
        assert values == sorted(values)


def test_landscape_registry_and_unknown_name(tmp_path: Path) -> None:
    assert {"glass", "glass-hard", "dtlz2"} <= set(LANDSCAPES)
    with pytest.raises(ValueError, match="glass"):
        run_benchmark("nope", strategies=["random"], seeds=1, budget=2, out_dir=tmp_path)

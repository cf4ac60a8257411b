"""The ML-MD validation's committed cells are read back by `viglas evaluate`, never run again.

The validation (issue 11; benchmarks/results/mlmd.md section 6) keeps days of MD as files keyed by
the settings they were made under. A change to those keys would silently throw that work away; this
test fails instead, fast (any MD raises here), and checks that the committed LACO75 cells still give
the recorded `quick` result: a std that covers the measured log10 sigma(30 degC) = -2.82
(1.52e-3 S/cm, Dai et al., Nat. Energy 2023).
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest

from optimizer.cli import main

CELLS = Path(__file__).parents[2] / "campaigns" / "mlmd-validation-artifacts" / "mlmd"
OAL_CELLS = Path(__file__).parents[2] / "campaigns" / "mlmd-validation-oal-artifacts" / "mlmd"
LACO75 = [f"LiAlCl2.5O0.75-quick-7net-mf-0-s{seed}" for seed in (0, 1)]
MEASURED_LOG10_SIGMA = -2.82


def _no_md(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("ran MD for a cell or temperature that the validation has saved")


def test_the_committed_laco75_cells_are_read_back_and_cover_the_measurement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    for name in LACO75:  # the glass and the finished temperatures, not the finished outcome
        shutil.copytree(CELLS / name / "glass", tmp_path / "mlmd" / name / "glass", ignore=shutil.ignore_patterns(
            "partial"))
        for saved in (CELLS / name).glob("conductivity-*K.json"):
            shutil.copy(saved, tmp_path / "mlmd" / name)
    monkeypatch.setattr("oracles.mlmd.glass.build_glass_cell", _no_md)
    monkeypatch.setattr("oracles.mlmd.conductivity._one_temperature", _no_md)
    with caplog.at_level(logging.INFO, logger="oracles"):
        assert main(["evaluate", "mlmd", "LiAlCl2.5O0.75", "--preset", "quick", "--compute", "conductivity",
                     "--workdir", str(tmp_path), "--json"]) == 0
    assert caplog.text.count(" K read from ") == 8
    result = json.loads(capsys.readouterr().out)
    assert result["metadata"]["seeds"] == [0, 1] and result["fidelity"] == "quick"
    z = (result["values"]["log10_sigma_30C"] - MEASURED_LOG10_SIGMA) / result["std"]["log10_sigma_30C"]
    assert abs(z) <= 2.0


def test_compute_is_checked_by_the_oracle(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", "mlmd", "LiAlCl2.5O0.75", "--compute", "conductivity,viscosity"]) == 2
    assert "compute=['conductivity', 'viscosity']" in capsys.readouterr().err


def test_a_resumed_composition_that_cannot_converge_is_known_from_its_saved_temperatures() -> None:
    """LiAlCl3O0.5's cell s1 (benchmarks/results/mlmd.md section 6i): its 4 saved temperatures, read
    where they lie before any job is queued, stop the composition (`early_stop`)."""
    from dataclasses import replace

    from oracles import Composition
    from oracles.mlmd import PRESETS
    from oracles.mlmd.early_stop import Viability, saved_runs

    lo5, quick = Composition("Li", 1.0, 0.5), PRESETS["quick"]
    runs = saved_runs(OAL_CELLS, lo5, 1, preset=quick, preset_name="quick")
    assert sorted(r["diffusion"]["T_K"] for r in runs) == [550.0, 650.0, 750.0, 850.0]
    viability = Viability([(lo5, 0), (lo5, 1)], quick)
    viability.record_runs(lo5.formula, 1, runs)
    assert viability.stopped(lo5.formula)
    assert viability.cell_error(lo5.formula, 1).startswith("2 of 4 temperatures not diffusive (650, 750 K)")
    other = replace(quick, kinisi_samples=quick.kinisi_samples + 1)  # saved under other settings: not read
    assert saved_runs(OAL_CELLS, lo5, 1, preset=other, preset_name="quick") == []


def test_the_report_knows_a_composition_that_cannot_converge_before_all_its_cells_finish() -> None:
    """LiAlCl3O0.5 (benchmarks/results/mlmd.md section 6j): its cell s0 was stopped unfinished, so the
    report reads the verdict from the saved temperatures by the oracle's rule, as its campaign did."""
    from benchmarks.mlmd_validation import cannot_converge, saved_core_hours
    from oracles import Composition
    from oracles.mlmd import MLMDOracle

    oracle = MLMDOracle(preset="quick", compute=["conductivity"])
    reason = cannot_converge([CELLS, OAL_CELLS], Composition("Li", 1.0, 0.5), oracle, [0, 1])
    assert reason is not None
    assert "seed 1: 2 of 4 temperatures not diffusive (650, 750 K)" in reason and "seed 0: not finished" in reason
    assert cannot_converge([CELLS, OAL_CELLS], Composition("Li", 1.0, 0.75), oracle, [0, 1, 2]) is None
    cost = saved_core_hours([CELLS, OAL_CELLS], Composition("Li", 1.0, 0.5), oracle, 1)
    assert cost["glass"] > 0 and cost["conductivity"] > cost["glass"]  # four temperatures of about 0.5 h each

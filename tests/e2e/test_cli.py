"""The `viglas` command end to end, on the synthetic landscape (cheap, deterministic)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from optimizer.cli import main
from tests.campaign_helpers import write_campaign

ROOT = Path(__file__).resolve().parents[2]


def viglas(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "optimizer.cli", *args], capture_output=True, text=True, cwd=ROOT)


def test_validate_run_status_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_campaign(tmp_path))
    assert main(["validate", path]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["run", path]) == 0
    out = capsys.readouterr().out
    assert "batch 0:" in out and "8/8" in out and "best feasible" in out
    assert main(["status", path]) == 0
    assert "candidates: 8" in capsys.readouterr().out
    assert main(["export", path, "--csv", str(tmp_path / "out.csv")]) == 0
    frame = pd.read_csv(tmp_path / "out.csv")
    assert len(frame) == 8
    assert list(frame.columns[:8]) == ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state"]


def test_ask_csv_then_tell_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_campaign(tmp_path))
    template = tmp_path / "todo.csv"
    assert main(["ask", path, "-n", "3", "--csv", str(template)]) == 0
    frame = pd.read_csv(template)
    assert list(frame.columns[:10]) == ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula",
                                        "log10_sigma_30C [log10(S/cm)]", "tg_C [degC]", "oxidation_V [V vs M/M+]"]
    frame["log10_sigma_30C [log10(S/cm)]"], frame["tg_C [degC]"], frame["oxidation_V [V vs M/M+]"] = -3.0, -15.0, 3.95
    frame.to_csv(template, index=False)
    assert main(["tell", path, "--csv", str(template)]) == 0
    assert main(["tell", path, str(frame.id[0]), "tg_C=-16", "--replace"]) == 0
    capsys.readouterr()
    assert main(["status", path]) == 0
    assert "3 done" in capsys.readouterr().out


def test_errors_exit_nonzero_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nbogus: 1\n")
    result = viglas("validate", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "viglas: error:" in result.stderr
    path = str(write_campaign(tmp_path))
    result = viglas("tell", path, "12", "tg_C=abc")
    assert result.returncode == 2 and "'abc' is not a number" in result.stderr


def test_evaluate_rejects_unknown_kind() -> None:
    result = viglas("evaluate", "nonsense", "LiAlCl2.5O0.75", "--json")
    assert result.returncode == 2 and "is not one of" in result.stderr


def test_validate_every_example(tmp_path: Path) -> None:
    for path in sorted((ROOT / "campaigns").glob("*.yaml")):
        result = viglas("validate", str(path))
        assert result.returncode == 0, result.stderr
        assert "OK" in result.stdout


def test_validate_warns_about_a_hard_limit_on_the_md_tg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    md = [{"kind": "mlmd", "preset": "smoke"}, {"kind": "python", "target": "benchmarks.landscapes:SyntheticGlass"}]
    path = write_campaign(tmp_path, oracles=md[:1], objectives=[{"name": "log10_sigma_30C", "goal": "maximize"}],
                          constraints=["tg_C <= 0"])
    assert main(["validate", str(path)]) == 0
    assert "warning: constraint 'tg_C <= 0' is a hard limit on the ML-MD glass transition" in capsys.readouterr().out
    other = tmp_path / "with-lab"
    other.mkdir()
    lab = {"kind": "lab", "outputs": {"tg_C": "degC"}}
    path = write_campaign(other, oracles=[md[0], lab], objectives=[{"name": "log10_sigma_30C", "goal": "maximize"}],
                          constraints=["tg_C <= 0"])
    assert main(["validate", str(path)]) == 0
    assert "glass transition" not in capsys.readouterr().out  # the lab calibrates it


def test_validate_warns_when_only_ml_md_gives_the_conductivity(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    objectives = [{"name": "log10_sigma_30C", "goal": "maximize"}]
    md = {"kind": "mlmd", "preset": "smoke"}
    assert main(["validate", str(write_campaign(tmp_path, oracles=[md], objectives=objectives, constraints=[]))]) == 0
    assert "warning: log10_sigma_30C comes from ML-MD alone" in capsys.readouterr().out
    other = tmp_path / "with-lab"
    other.mkdir()
    lab = {"kind": "lab", "outputs": {"log10_sigma_30C": "log10(S/cm)"}}
    assert main(["validate", str(write_campaign(other, oracles=[md, lab], objectives=objectives, constraints=[]))]) == 0
    assert "warning" not in capsys.readouterr().out  # the lab calibrates it

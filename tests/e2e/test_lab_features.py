"""What labs ask of BO tools, end to end through the CLI on the synthetic landscape: failed syntheses,
withdrawn candidates, explained proposals and predictions, stopping advice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimizer import modelling
from optimizer.campaign import Campaign
from optimizer.cli import main
from tests.campaign_helpers import write_campaign

GP = {"strategy": "qlognehvi"}


def _out(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out


def test_a_lab_failure_is_stored_and_teaches_the_success_model(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_campaign(tmp_path, loop={"initial": 4, "batch_size": 2, "budget": 8}))
    assert main(["ask", path, "-n", "2"]) == 0
    first, second = (c.id for c in Campaign.from_yaml(path).pending())
    assert main(["tell", path, str(first), "--failed", "no glass formed (crystallised on quench)"]) == 0
    assert "recorded as failed" in _out(capsys)
    assert main(["tell", path, str(first), "--failed", "again"]) == 2  # only a pending candidate can fail
    campaign = Campaign.from_yaml(path)
    record = campaign.snapshot().record(first)
    assert record is not None and record.state == "failed"
    assert record.failures == (("manual", "no glass formed (crystallised on quench)"),)
    data = modelling.dataset(campaign.problem, campaign.snapshot().observations)
    assert data.X_failed.shape[0] == 1  # the success model sees where glass did not form
    frame = campaign.to_dataframe().set_index("id")
    assert "no glass formed" in frame.loc[first, "failure"] and frame.loc[second, "state"] == "pending"


def test_a_withdrawn_candidate_frees_its_slot_and_is_never_proposed_again(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_campaign(tmp_path, loop={"initial": 4, "batch_size": 2, "budget": 6}))
    assert main(["ask", path, "-n", "2"]) == 0
    campaign = Campaign.from_yaml(path)
    victim = campaign.pending()[0]
    assert main(["withdraw", path, str(victim.id), "--reason", "Li2S out of stock"]) == 0
    assert "withdrawn (Li2S out of stock)" in _out(capsys)
    assert main(["withdraw", path, str(victim.id), "--reason", "twice"]) == 2
    assert main(["run", path]) == 0
    campaign = Campaign.from_yaml(path)
    records = campaign.snapshot().records
    assert campaign.n_proposed() == 6 and len(records) == 7  # the slot went to another candidate
    assert [r.composition for r in records].count(victim.composition) == 1
    (withdrawn,) = [r for r in records if r.state == "withdrawn"]
    assert withdrawn.withdrawn_reason == "Li2S out of stock"
    assert all(o.candidate_id != victim.id for o in campaign.observations())  # not a failure to the models
    assert main(["tell", path, str(victim.id), "tg_C=-20"]) == 2  # nothing enters for it any more


def test_ask_explain_and_predict_show_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write_campaign(tmp_path, loop={"initial": 6, "batch_size": 2, "budget": 10}, **GP))
    assert main(["run", path, "--budget", "8"]) == 0
    template = tmp_path / "lab.xlsx"
    capsys.readouterr()
    assert main(["ask", path, "-n", "2", "--xlsx", str(template)]) == 0
    shown = _out(capsys)
    assert "P(feasible)" in shown and "±" in shown and ("expected improvement" in shown or "exploration" in shown)
    sheet = pd.read_excel(template)
    campaign = Campaign.from_yaml(path)
    for name, unit in campaign.units.items():
        assert sheet[f"predicted {name} [{unit}]"].notna().all()
        assert (sheet[f"predicted {name}_std [{unit}]"] > 0).all()
    assert sheet["predicted P(feasible)"].between(0, 1).all() and sheet["model: why"].str.len().gt(10).all()
    new = int(sheet["id"].iloc[-1])
    assert main(["explain", path, str(new)]) == 0
    text = _out(capsys)
    assert "why it was proposed:" in text and "predicted when proposed" in text and "nearest evaluated" in text
    assert main(["predict", path, "LiAlCl2.5O0.75", "M=Na,m_al=1,o_al=0.75,s_al=0"]) == 0
    text = _out(capsys)
    assert "LiAlCl2.5O0.75" in text and "NaAlCl2.5O0.75" in text and "P(feasible)" in text
    assert Campaign.from_yaml(path).n_proposed() == 10  # predict reserves nothing
    sheet.loc[0, "tg_C [degC]"] = -20.0  # the model's columns are read-only notes: tell ignores them
    sheet.to_excel(template, index=False)
    assert main(["tell", path, "--xlsx", str(template)]) == 0


def test_status_reports_the_expected_improvement(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    single = {"objectives": [{"name": "log10_sigma_30C", "goal": "maximize"}]}
    path = str(write_campaign(tmp_path, loop={"initial": 6, "batch_size": 2, "budget": 6}, **single))
    assert main(["run", path]) == 0
    capsys.readouterr()
    assert main(["status", path]) == 0
    out = _out(capsys)
    assert "expected improvement:" in out and "over the best feasible" in out
    gain = Campaign.from_yaml(path).expected_gain()
    assert gain is not None and gain.value >= 0 and gain.unit == "log10(S/cm)"


def test_stop_when_ends_run_early_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = {"initial": 4, "batch_size": 2, "budget": 40, "stop_when": {"no_improvement_batches": 1}}
    path = str(write_campaign(tmp_path, loop=rules))
    assert main(["run", path]) == 0
    out = _out(capsys)
    assert "stopped before the budget: no better feasible point in the last 1 batches" in out
    assert Campaign.from_yaml(path).n_proposed() < 40
    floor = {"initial": 6, "batch_size": 2, "budget": 40, "stop_when": {"expected_improvement_below": 1e6}}
    other = tmp_path / "floor"
    other.mkdir()
    path = str(write_campaign(other, loop=floor, **GP))
    assert main(["run", path]) == 0
    assert "below loop.stop_when.expected_improvement_below" in _out(capsys)
    assert Campaign.from_yaml(path).n_proposed() == 6  # nothing beyond the initial design

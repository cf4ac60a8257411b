"""A mixed campaign through the CLI: real ML-MD (smoke preset) for conductivity, the lab for Tg and the
measured conductivity, then the calibration view of simulation against lab."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from optimizer.campaign import Campaign
from optimizer.cli import main
from tests.campaign_helpers import write_campaign

pytestmark = pytest.mark.filterwarnings(
    # CHGNet and torch emit UserWarnings on model load and tensor conversion; the oracle's own tests check them
    "ignore::UserWarning"
)


def test_mlmd_smoke_plus_lab_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    oracles = [
        {"kind": "mlmd", "preset": "smoke", "compute": ["conductivity"], "seed": 1},
        {"kind": "lab", "cost": 20, "outputs": {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC"}},
    ]
    path = write_campaign(
        tmp_path, oracles=oracles, space={"M": ["Li"], "m_al": [0.9, 1.1], "o_al": [0.6, 0.9], "s_al": [0.0, 0.0]},
        objectives=[{"name": "log10_sigma_30C", "goal": "maximize"}], constraints=["tg_C <= 0"],
        loop={"initial": 1, "batch_size": 1, "budget": 2}, strategy="sobol",
    )
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "--threads", "1"]) == 0
    assert "1 candidate(s) wait for the lab" in capsys.readouterr().out
    template = tmp_path / "lab.csv"
    assert main(["ask", str(path), "-n", "0", "--csv", str(template)]) == 0
    sheet = pd.read_csv(template)
    sheet = sheet.rename(columns={"log10_sigma_30C [log10(S/cm)]": "log10_sigma_30C [mS/cm]",
                                  "tg_C [degC]": "tg_C [K]"})
    sheet["log10_sigma_30C [mS/cm]"] = [1.5]
    sheet["tg_C [K]"] = [256.0]
    sheet.to_csv(template, index=False)
    assert main(["tell", str(path), "--csv", str(template)]) == 0
    capsys.readouterr()
    assert main(["status", str(path), "--calibration"]) == 0
    out = capsys.readouterr().out
    assert "calibration of log10_sigma_30C [log10(S/cm)]: mlmd vs lab, 1 pair(s)" in out
    campaign = Campaign.from_yaml(path)
    (done,) = [o for o in campaign.observations() if not o.failed]
    assert done.values["log10_sigma_30C"] == pytest.approx(-2.824, abs=1e-3)  # the lab outranks the simulation
    mlmd = [r for r in campaign.store.results() if r.oracle == "mlmd"]
    assert {r.output for r in mlmd} == {"log10_sigma_30C", "ea_eV"} and all(r.fidelity == "smoke" for r in mlmd)
    assert "artifacts" in campaign.store.evaluation_metadata(done.candidate_id)["mlmd"]  # once per evaluation

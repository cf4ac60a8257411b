"""The lab path: unit conversion, templates, partial and historical rows, as-made compositions."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from optimizer.campaign import HISTORICAL, Campaign
from optimizer.cli import main
from optimizer.units import UnitError, converter, parse_header, std_converter
from tests.campaign_helpers import write_campaign

OXIDATION_ONLY = '''
from benchmarks.landscapes import SyntheticGlass
from oracles import Evaluation

class OxidationModel:
    name = "ox-model"
    outputs = {"oxidation_V": "V vs M/M+"}

    def evaluate(self, batch, /):
        return [Evaluation({"oxidation_V": SyntheticGlass.truth(c)["oxidation_V"]}) for c in batch]
'''
LAB = {"kind": "lab", "outputs": {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC"}}


def test_unit_conversions() -> None:
    assert converter("mS/cm", "log10(S/cm)", metal=None)(1.5) == pytest.approx(math.log10(1.5e-3))
    assert converter("S/cm", "log10(S/cm)", metal=None)(1e-6) == pytest.approx(-6.0)
    assert converter("K", "degC", metal=None)(256.15) == pytest.approx(-17.0)
    assert converter("V vs Li/Li+", "V vs M/M+", metal="Li")(3.85) == 3.85
    with pytest.raises(UnitError, match="for a Na glass"):
        converter("V vs Li/Li+", "V vs M/M+", metal="Na")
    assert std_converter("mS/cm", "log10(S/cm)", 1.5, metal=None)(0.15) == pytest.approx(0.1 / math.log(10))
    declared = {"tg_C": "degC"}
    assert parse_header("tg_C [K]", declared).unit == "K"
    assert parse_header("tg_C_std [°C]", declared).is_std
    with pytest.raises(UnitError, match="has no unit"):
        parse_header("tg_C", declared)
    with pytest.raises(UnitError, match="cannot convert S/cm"):
        parse_header("tg_C [S/cm]", declared)


def _lab_campaign(tmp_path: Path) -> Path:
    (tmp_path / "ox_model.py").write_text(OXIDATION_ONLY)
    return write_campaign(tmp_path, oracles=[{"kind": "python", "target": "ox_model:OxidationModel"}, LAB],
                          loop={"initial": 4, "batch_size": 4, "budget": 8})


def test_run_stops_for_the_lab_and_resumes_from_an_excel_file(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _lab_campaign(tmp_path)
    assert main(["run", str(path)]) == 0
    assert "4 candidate(s) wait for the lab" in capsys.readouterr().out
    template = tmp_path / "lab.xlsx"
    assert main(["ask", str(path), "-n", "0", "--xlsx", str(template)]) == 0
    sheet = pd.read_excel(template)
    assert len(sheet) == 4 and "log10_sigma_30C [log10(S/cm)]" in sheet.columns
    sheet = sheet.rename(columns={"log10_sigma_30C [log10(S/cm)]": "log10_sigma_30C [mS/cm]",
                                  "tg_C [degC]": "tg_C [K]"})
    sheet["log10_sigma_30C [mS/cm]"] = [1.5, 0.2, 0.01, None]  # the last row: conductivity not measured yet
    sheet["tg_C [K]"] = [256.15, 250.0, 260.0, 270.0]
    as_made = f"{sheet['M'].iloc[0]}AlCl2.4O0.8"  # the analysis keeps the candidate's own metal
    sheet["analysed_formula"] = [as_made, None, None, None]
    sheet.loc[len(sheet)] = {"formula": "NaAlCl2.5O0.75", "tg_C [K]": 247.15}  # a literature point, never proposed
    sheet.to_excel(template, index=False)
    assert main(["tell", str(path), "--xlsx", str(template)]) == 0
    campaign = Campaign.from_yaml(path)
    frame = campaign.to_dataframe().set_index("id")
    first = int(sheet["id"].iloc[0])
    assert frame.loc[first, "log10_sigma_30C"] == pytest.approx(math.log10(1.5e-3))
    assert frame.loc[first, "tg_C"] == pytest.approx(-17.0)
    assert (frame.state == "done").sum() == 3 and (frame.state == "pending").sum() == 2
    historical = frame[frame.source == HISTORICAL]
    assert list(historical.formula) == ["NaAlCl2.5O0.75"] and historical.tg_C.iloc[0] == pytest.approx(-26.0)
    observed = {o.candidate_id: o.composition.formula for o in campaign.observations()}
    assert observed[first] == as_made  # the model sees the as-made composition
    assert campaign.n_proposed() == 4  # historical points do not use the budget
    campaign.close()
    assert main(["run", str(path)]) == 0
    assert "wait for the lab" in capsys.readouterr().out
    assert Campaign.from_yaml(path).n_proposed() == 8


def test_bad_lab_file_changes_nothing(tmp_path: Path) -> None:
    path = _lab_campaign(tmp_path)
    campaign = Campaign.from_yaml(path)
    campaign.run()
    ids = [c.id for c in campaign.waiting_for_lab()]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"id,tg_C [degC],analysed_formula\n{ids[0]},-10,\n,-20,\n")
    before = len(campaign.store.results(include_superseded=True)), len(campaign.store.candidates())
    with pytest.raises(ValueError, match="row 3: no id and no composition"):
        campaign.tell_file(bad)
    assert (len(campaign.store.results(include_superseded=True)), len(campaign.store.candidates())) == before


class RouteHalfToLab:
    """A test strategy that sends every other proposal to the lab (Sobol points)."""

    name = "route-half"

    def __init__(self, problem, *, seed: int) -> None:  # type: ignore[no-untyped-def]
        self.problem, self.seed = problem, seed

    def propose(self, n, observations, pending):  # type: ignore[no-untyped-def]
        from optimizer.strategies import Proposal

        comps = self.problem.space.sobol(n, seed=self.seed + 1, skip=len(observations) + len(pending))
        return [Proposal(c, frozenset({"synthetic-glass", "lab"} if i % 2 else {"synthetic-glass"}))
                for i, c in enumerate(comps)]


def test_simulation_and_lab_values_coexist_and_routing_decides_completion(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from optimizer import strategies

    monkeypatch.setitem(strategies.STRATEGIES, "route-half", "tests.optimizer.test_lab:RouteHalfToLab")
    lab = {**LAB, "cost": 20}
    path = write_campaign(tmp_path, oracles=[BASE_ORACLE, lab], strategy="route-half",
                          loop={"initial": 0, "batch_size": 4, "budget": 4})
    campaign = Campaign.from_yaml(path)
    campaign.run()
    states = {c.id: c.state for c in campaign.store.candidates()}
    to_lab = {cid for cid, oracles in campaign.store.assignments().items() if "lab" in oracles}
    waiting = [c.id for c in campaign.waiting_for_lab()]
    assert len(to_lab) == 2 and set(waiting) == {i for i in to_lab if states[i] != "failed"}
    assert all(states[i] == "pending" for i in waiting)  # the simulation's values do not complete them
    assert all(states[i] != "pending" for i in states if i not in to_lab)  # simulation-only: complete
    assert waiting, "both lab candidates failed in simulation; pick another seed"
    campaign.tell(waiting[0], {"log10_sigma_30C": -2.5, "tg_C": -30.0})
    observed = {o.candidate_id: o for o in campaign.observations()}[waiting[0]]
    assert observed.values["log10_sigma_30C"] == -2.5  # the lab outranks the simulation
    assert set(observed.sources) == {"synthetic-glass", "lab"}
    assert observed.sources["synthetic-glass"]["log10_sigma_30C"][0] != -2.5


BASE_ORACLE = {"kind": "python", "target": "benchmarks.landscapes:SyntheticGlass"}

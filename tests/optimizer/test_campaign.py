from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from optimizer.campaign import Campaign, CampaignChangedError
from optimizer.tell import TellError
from tests.campaign_helpers import write_campaign

FLAKY_ORACLE = '''
import math
from oracles import Evaluation, Failure

class Flaky:
    name = "flaky"
    outputs = {"log10_sigma_30C": "log10(S/cm)", "tg_C": "degC", "oxidation_V": "V vs M/M+"}

    def evaluate(self, batch, /):
        out = []
        for i, comp in enumerate(batch):
            if comp.o_al < 0.25:
                raise RuntimeError("MD exploded")
            if comp.o_al > 0.8:
                out.append(Evaluation({"log10_sigma_30C": math.nan, "tg_C": 0.0, "oxidation_V": 4.0}))
            elif comp.M == "Na" and comp.o_al > 0.6:
                out.append(Evaluation({"tg_C": 0.0, "oxidation_V": 4.0, "bogus": 1.0}))
            else:
                out.append(Evaluation({"log10_sigma_30C": -3.0, "tg_C": -10.0, "oxidation_V": 4.0},
                                      std={"log10_sigma_30C": 0.1}))
        return out
'''


def test_run_reaches_budget_and_records_everything(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    assert campaign.run() == 8
    frame = campaign.to_dataframe()
    assert len(frame) == 8 and set(frame.state) <= {"done", "failed"}
    assert list(frame.columns[:8]) == ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula", "state"]
    assert {"log10_sigma_30C", "tg_C", "oxidation_V"} <= set(frame.columns)
    done = frame[frame.state == "done"]
    assert done["log10_sigma_30C"].notna().all() and (done["log10_sigma_30C_std"] == 0.02).all()
    failed = frame[frame.state == "failed"]
    assert failed["failure"].str.contains("no glass forms").all()
    assert campaign.run() == 0  # budget reached: nothing more
    assert campaign.run(budget=10) == 2


def test_misbehaving_oracle_fails_candidates_not_the_campaign(tmp_path: Path) -> None:
    (tmp_path / "flaky_oracle.py").write_text(FLAKY_ORACLE)
    path = write_campaign(tmp_path, oracles=[{"kind": "python", "target": "flaky_oracle:Flaky"}],
                          loop={"initial": 12, "batch_size": 4, "budget": 12})
    campaign = Campaign.from_yaml(path)
    campaign.run()
    frame = campaign.to_dataframe()
    assert len(frame) == 12
    reasons = " ".join(frame.failure.dropna())
    for comp_o, state in zip(frame.o_al, frame.state):
        if comp_o < 0.25 or comp_o > 0.8:
            assert state == "failed"
    assert "MD exploded" in reasons and "non-finite" in reasons


def test_ask_reserves_distinct_candidates_and_tell_completes_them(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    first, second = campaign.ask(2), campaign.ask(2)
    comps = [c.composition for c in first + second]
    assert len(set(comps)) == 4 and all(c.state == "pending" for c in first + second)
    cand = campaign.tell(first[0].id, {"log10_sigma_30C": -3.1, "tg_C": -20.0})
    assert cand.state == "pending"  # oxidation_V still missing
    cand = campaign.tell(first[0].id, {"oxidation_V": 3.9}, std={"oxidation_V": 0.05})
    assert cand.state == "done"
    with pytest.raises(ValueError, match="already has tg_C from manual; use --replace"):
        campaign.tell(first[0].id, {"tg_C": -21.0})
    campaign.tell(first[0].id, {"tg_C": -21.0}, replace=True)
    history = [r for r in campaign.store.results(include_superseded=True) if r.output == "tg_C"]
    assert [(r.value, r.superseded) for r in history] == [(-20.0, True), (-21.0, False)]
    with pytest.raises(TellError, match="unknown output 'density'"):
        campaign.tell(first[1].id, {"density": 2.0})
    with pytest.raises(KeyError, match="no candidate with id 999"):
        campaign.tell(999, {"tg_C": 1.0})


def test_run_evaluates_candidates_asked_earlier(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    asked = campaign.ask(3)
    campaign.run()
    states = {c.id: c.state for c in campaign.store.candidates()}
    assert all(states[c.id] != "pending" for c in asked) and len(states) == 8


def test_csv_with_a_bad_row_is_rejected_whole(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    a, b = campaign.ask(2)
    header = "id,log10_sigma_30C [log10(S/cm)],tg_C [degC],oxidation_V [V vs M/M+]"
    other = "Na" if a.composition.M == "Li" else "Li"
    good = tmp_path / "good.csv"
    good.write_text(f"{header}\n{a.id},-3,-10,3.9\n{b.id},-3.5,,\n")
    assert campaign.tell_file(good) == 2
    cases = {
        "unknown id": (f"id,tg_C [degC]\n{a.id},1\n777,2\n", "row 3, column 'id': no candidate with id 777"),
        "not a number": (f"id,tg_C [degC]\n{b.id},cold\n", "row 2, column 'tg_C \\[degC\\]': 'cold' is not a number"),
        "nan": (f"id,tg_C [degC]\n{b.id},nan\n", "not a finite number"),
        "impossible conductivity": (f"id,log10_sigma_30C [log10(S/cm)]\n{b.id},5\n", "not physically possible"),
        "negative conductivity": (f"id,log10_sigma_30C [S/cm]\n{b.id},-0.1\n", "must be positive"),
        "unknown column": (f"id,colour [degC]\n{b.id},1\n", "'colour' is not an output"),
        "missing unit": (f"id,tg_C\n{b.id},1\n", "has no unit; write e.g. 'tg_C \\[degC\\]'"),
        "ambiguous unit": (f"id,tg_C [C]\n{b.id},1\n", "ambiguous"),
        "wrong reference": (f"id,oxidation_V [V vs {other}/{other}+]\n{a.id},3.9\n", f"for a {a.composition.M} glass"),
    }
    before = len(campaign.store.results(include_superseded=True))
    for text, message in cases.values():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(TellError, match=message):
            campaign.tell_file(bad, replace=True)
    assert len(campaign.store.results(include_superseded=True)) == before


def test_changed_campaign_is_refused_unless_forced(tmp_path: Path) -> None:
    path = write_campaign(tmp_path)
    Campaign.from_yaml(path).run(budget=2)
    write_campaign(tmp_path, seed=5)
    with pytest.raises(CampaignChangedError, match="--force"):
        Campaign.from_yaml(path).run()
    forced = Campaign.from_yaml(path, force=True)
    forced.run(budget=4)
    assert [h["forced"] for h in forced.store.config_history()] == [0, 1]


def test_store_is_wal_and_survives_reopen(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    campaign.run(budget=4)
    campaign.close()
    with sqlite3.connect(tmp_path / "t.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM candidates").fetchone()[0] == 4

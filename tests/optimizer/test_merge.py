"""One merge of sources: the optimiser, the export, the report and the dashboard show the same value and std."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.campaign import Campaign
from optimizer.dashboard.records import candidate_records
from optimizer.merge import MANUAL, SourcedValue, merge, trust_ranking
from optimizer.problem import OracleInfo
from oracles import Evaluation
from tests.campaign_helpers import write_campaign

ORACLES = (OracleInfo("cheap", 1.0, ("x",)), OracleInfo("costly", 10.0, ("x",)), OracleInfo("lab", 5.0, ("x",), True))


@given(st.permutations(["cheap", "costly", "lab", "unknown"]), st.booleans())
def test_the_most_trusted_source_gives_value_and_std_whatever_the_order(order: list[str], lab_std: bool) -> None:
    values = {"cheap": (1.0, 0.1), "costly": (2.0, 0.2), "lab": (3.0, 0.3 if lab_std else None), "unknown": (4.0, 0.4)}
    sources = {label: {"x": values[label]} for label in order}
    merged = merge(sources, trust_ranking(ORACLES))
    assert merged["x"] == SourcedValue(3.0, 0.3 if lab_std else None, "lab")  # the std never comes from elsewhere


def test_ranking_puts_hand_entered_values_first_then_cost() -> None:
    rank = trust_ranking(ORACLES)
    assert rank(MANUAL) == rank("lab") > rank("costly") > rank("cheap") > rank("never-heard-of")


LAB = {"kind": "lab", "name": "lab", "cost": 20, "outputs": {"log10_sigma_30C": "log10(S/cm)"}}


@pytest.mark.parametrize("lab_first", [True, False])
def test_every_reader_shows_the_value_the_optimiser_uses(tmp_path: Path, lab_first: bool) -> None:
    """The lab enters -2.0 (std 0.1), the simulation answers -3.55 (std 0.4), in either order."""
    oracles = [{"kind": "python", "target": "benchmarks.landscapes:SyntheticGlass"}, LAB]
    campaign = Campaign.from_yaml(write_campaign(tmp_path, oracles=oracles))
    (cand,) = campaign.ask(1)
    simulation = next(s for s in campaign.oracles if not s.manual)
    answer = Evaluation({"log10_sigma_30C": -3.55, "tg_C": -20.0, "oxidation_V": 4.0},
                        std={"log10_sigma_30C": 0.4})
    steps = [lambda: campaign.tell(cand.id, {"log10_sigma_30C": -2.0}, std={"log10_sigma_30C": 0.1}),
             lambda: campaign.record(cand, simulation, answer)]
    for step in steps if lab_first else steps[::-1]:
        step()
    snapshot = campaign.snapshot()
    (obs,) = snapshot.observations
    frame = campaign.to_dataframe().set_index("id")
    (record,) = candidate_records(snapshot)
    seen = {
        "optimiser": (obs.values["log10_sigma_30C"], obs.std["log10_sigma_30C"]),
        "export": (frame.loc[cand.id, "log10_sigma_30C"], frame.loc[cand.id, "log10_sigma_30C_std"]),
        "dashboard": (record["values"]["log10_sigma_30C"], record["std"]["log10_sigma_30C"]),
    }
    assert set(seen.values()) == {(-2.0, 0.1)}, seen
    assert frame.loc[cand.id, "log10_sigma_30C_source"] == "lab" and record["value_source"]["tg_C"] == "synthetic-glass"
    assert obs.sources["synthetic-glass"]["log10_sigma_30C"] == (-3.55, 0.4)  # every source stays visible
    campaign.close()

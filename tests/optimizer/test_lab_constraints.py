"""The lab's own composition constraints (``space.constraints``) and one furnace run per batch
(``loop.same_within_batch: [M]``), through real campaigns for every strategy, the lab's ask, the central
refusal in `optimizer.proposing`, the asynchronous loop, and `viglas validate`."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterator, Sequence

import pytest

from optimizer.campaign import Campaign
from optimizer.config import ConfigError
from optimizer.executors.async_loop import run_async
from optimizer.executors.tasks import oracle_specs
from optimizer.oracle_factory import Runtime
from optimizer.problem import Observation
from optimizer.steps import CampaignRun
from optimizer.store import INITIAL, LISTED
from optimizer.strategies import FREE, STRATEGIES, BatchRule, Proposal, RandomStrategy
from optimizer.strategies.gp import GPStrategy
from oracles import Composition
from surrogates.engine import EngineSettings
from surrogates.optimize import OptimizeSettings
from tests.campaign_helpers import BASE, write_campaign

FAST = EngineSettings(mc_samples=16, optimize=OptimizeSettings(raw_samples=64, local_samples=16, refine_steps=1))
#: About 15 % of the box: every strategy would step outside often if it did not honour them.
CONSTRAINTS = ["o_al + s_al <= 0.6", "m_al >= 0.9", "s_al <= 0.5 o_al"]
LAB_SPACE = {**BASE["space"], "constraints": CONSTRAINTS}
REFUSED = "a space-filling point replaces it"


@pytest.fixture(autouse=True)
def fast_gp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GPStrategy, "settings", FAST)


def batches(campaign: Campaign) -> dict[int, list[Composition]]:
    out: dict[int, list[Composition]] = defaultdict(list)
    for record in campaign.snapshot().records:
        assert record.batch is not None
        out[record.batch].append(record.composition)
    return dict(out)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_no_strategy_proposes_outside_the_constraints(tmp_path: Path, name: str,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path, strategy=name, space=LAB_SPACE,
                                                 loop={"initial": 4, "batch_size": 3, "budget": 10}))
    with caplog.at_level(logging.WARNING, logger="optimizer.proposing"):
        campaign.run()
    records = campaign.snapshot().records
    assert len(records) == 10 and {r.source for r in records} == {INITIAL, name}
    space = campaign.problem.space
    assert [space.violation(r.composition) for r in records] == [None] * 10
    assert REFUSED not in caplog.text  # the strategy itself kept inside, not only the central check


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_batch_keeps_to_one_metal(tmp_path: Path, name: str, caplog: pytest.LogCaptureFixture) -> None:
    campaign = Campaign.from_yaml(write_campaign(
        tmp_path, strategy=name, space=LAB_SPACE,
        loop={"initial": 4, "batch_size": 3, "budget": 10, "same_within_batch": ["M"]}))
    with caplog.at_level(logging.WARNING, logger="optimizer.proposing"):
        campaign.run()
    found = batches(campaign)
    assert sum(map(len, found.values())) == 10
    assert {b: len({c.M for c in comps}) for b, comps in found.items()} == {b: 1 for b in found}
    first = [comps[0].M for _, comps in sorted(found.items())]
    assert first[:2] == ["Li", "Na"]  # the initial design alternates metals batch by batch
    assert all(campaign.problem.space.contains(c) for comps in found.values() for c in comps)
    assert REFUSED not in caplog.text


def test_the_initial_design_takes_each_metal_from_its_own_sobol_stream(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(
        tmp_path, space=LAB_SPACE, loop={"initial": 6, "batch_size": 2, "budget": 6, "same_within_batch": ["M"]}))
    campaign.run()
    space = campaign.problem.space
    design = [r.composition for r in campaign.snapshot().records]
    assert [c.M for c in design] == ["Li", "Li", "Na", "Na", "Li", "Li"]
    assert [c for c in design if c.M == "Li"] == space.sobol(4, seed=0, metal="Li")
    assert [c for c in design if c.M == "Na"] == space.sobol(2, seed=0, metal="Na")


def test_a_listed_candidate_of_the_other_metal_waits_for_its_batch(tmp_path: Path) -> None:
    listed = ["LiAlCl3.6O0.2", "NaAlCl3.6O0.2", "Li1.2AlCl3.6O0.3"]
    campaign = Campaign.from_yaml(write_campaign(
        tmp_path, candidates=listed, loop={"initial": 0, "batch_size": 2, "budget": 6, "same_within_batch": ["M"]}))
    first, second = campaign.ask(), campaign.ask()
    assert [c.composition.formula for c in first] == ["LiAlCl3.6O0.2", "Li1.2AlCl3.6O0.3"]
    assert second[0].composition.formula == "NaAlCl3.6O0.2" and second[0].source == LISTED
    assert {c.composition.M for c in second} == {"Na"}


class MixedMetals(RandomStrategy):
    """A strategy that ignores the batch rule and the constraints: the central check must catch it."""

    def propose(self, n: int, observations: Sequence[Observation], pending: Sequence[Composition], *,
                batch: BatchRule = FREE) -> list[Proposal]:
        wrong = [Composition("Li", 1.0, 0.3, 0.1), Composition("Na", 1.0, 0.3, 0.1), Composition("Li", 1.0, 0.9, 0.1)]
        return [Proposal(c) for c in wrong[:n]]


def test_a_proposal_of_the_other_metal_or_outside_the_constraints_is_refused_and_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(RandomStrategy, "propose", MixedMetals.propose)
    campaign = Campaign.from_yaml(write_campaign(
        tmp_path, strategy="random", space=LAB_SPACE,
        loop={"initial": 0, "batch_size": 3, "budget": 6, "same_within_batch": ["M"]}))
    with caplog.at_level(logging.WARNING, logger="optimizer.proposing"):
        batch = campaign.ask()
    assert [c.composition.M for c in batch] == ["Li"] * 3
    assert batch[0].composition == Composition("Li", 1.0, 0.3, 0.1)
    assert all(campaign.problem.space.contains(c.composition) for c in batch)
    assert "proposed NaAlCl3.2O0.3S0.1, but this batch is of Li" in caplog.text
    assert "violates the constraint 'o_al + s_al <= 0.6'" in caplog.text


@pytest.fixture(scope="module")
def thread_client() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0") as c, \
            distributed.Client(c) as client:
        yield client


def test_the_asynchronous_loop_reserves_whole_single_metal_batches(tmp_path: Path, thread_client: Any) -> None:
    campaign = Campaign.from_yaml(write_campaign(
        tmp_path, space=LAB_SPACE, loop={"initial": 2, "batch_size": 3, "budget": 9, "same_within_batch": ["M"]}))
    specs = oracle_specs(campaign.config.oracles, name="t", base_dir=tmp_path, runtime=Runtime(threads=1))
    run_async(CampaignRun(campaign, 9), thread_client, specs=specs)
    found = batches(campaign)
    assert sorted(map(len, found.values())) == [3, 3, 3]  # proposed together, not one at a time
    assert all(len({c.M for c in comps}) == 1 for comps in found.values())


# --- validation -------------------------------------------------------------------------------------------
DOC = """name: x
store: x.sqlite
space:
  M: [Li, Na]
  m_al: [0.5, 1.5]
  o_al: [0.0, 1.0]
  constraints:
    - "o_al <= 0.9"
    - "m_al + o_al >= 1.2"
objectives:
  - {name: tg_C, goal: minimize}
oracles:
  - {kind: python, target: "benchmarks.landscapes:SyntheticGlass"}
strategy: sobol
"""


@pytest.mark.parametrize(("edit", "message"), [
    (('"m_al + o_al >= 1.2"', '"m_al + o_al >= 2.6"'),
     r"x.yaml:9: space.constraints\[1\]: no composition satisfies the constraint 'm_al \+ o_al >= 2.6' together "
     r"with the bounds, min_cl_al and the constraints before it"),
    (('"o_al <= 0.9"', '"o_al < 0.9"'), r"x.yaml:8: space.constraints\[0\]: constraint 'o_al < 0.9' needs exactly one"),
    (('"m_al + o_al >= 1.2"', '"m_al + cl_al >= 1.2"'),
     r"x.yaml:9: space.constraints\[1\]: .*unknown variable 'cl_al'; Cl/Al is fixed by charge balance"),
    (('"o_al <= 0.9"', "0.9"), r"x.yaml:8: space.constraints\[0\]: Input should be a valid string"),
    (("strategy: sobol", "candidates: [LiAlCl3.7O0.15]\nstrategy: sobol"),
     r"x.yaml:14: candidates\[0\]: LiAlCl3.7O0.15: violates the constraint 'm_al \+ o_al >= 1.2'"),
    (('"m_al + o_al >= 1.2"', '"m_al - 2 o_al >= 1.51"'),  # the bounds allow at most 1.5
     r"x.yaml:9: space.constraints\[1\]: no composition satisfies the constraint 'm_al - 2 o_al >= 1.51'"),
])
def test_bad_constraints_are_named_with_file_and_line(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC.replace(*edit))
    with pytest.raises(ConfigError, match=message):
        Campaign.from_yaml(path).validate()


def test_good_constraints_validate_and_change_the_campaign_hash(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(DOC)
    campaign = Campaign.from_yaml(path)
    campaign.validate()
    assert [str(c) for c in campaign.problem.space.constraints] == ["o_al <= 0.9", "m_al + o_al >= 1.2"]
    path.write_text(DOC.replace('"o_al <= 0.9"', '"o_al <= 0.8"'))
    assert Campaign.from_yaml(path).config.hash() != campaign.config.hash()

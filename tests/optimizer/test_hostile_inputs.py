"""Hostile campaign files and oracle results: one clear line or a correct record, never a traceback."""

from __future__ import annotations

import math
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.campaign import Campaign
from optimizer.config import ConfigError, parse_config
from optimizer.store import StoreError
from oracles import Composition, Evaluation, Failure
from oracles.guard import MAX_METADATA_BYTES, call_oracle, check_result
from tests.campaign_helpers import BASE, write_campaign

GOOD = yaml.safe_dump(BASE, sort_keys=False)


@pytest.mark.parametrize("text, message", [
    (GOOD + "seed: 3\n", r"key 'seed' appears twice"),
    (GOOD.replace("budget: 8", "budget: true"), r"loop.budget: .*true is not a number"),
    (GOOD.replace("initial: 4", "initial: false"), r"false is not a number"),
    ("a: &x [1, 2]\nb: *x\n", r":1: anchors and aliases"),
    ("name: [" * 5000 + "]" * 5000 + "\n", r"nested more than 32 levels"),
    ("? [a, b]\n: 1\n", r"a key must be a plain name"),
])
def test_hostile_yaml_is_one_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_config(text, source="c.yaml")
    assert "\n" not in str(caught.value)


def test_billion_laughs_is_refused_before_expanding() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(ConfigError, match="anchors and aliases"):
        parse_config("\n".join(lines) + "\n", source="bomb.yaml")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_campaign_or_one_config_error(text: str) -> None:
    try:
        parse_config(text, source="fuzz.yaml")
    except ConfigError as err:
        assert "\n" not in str(err).strip()


class _Oracle:
    name = "fuzzed"
    outputs = {"tg_C": "degC", "log10_sigma_30C": "log10(S/cm)"}


class _Circular(dict):  # type: ignore[type-arg]
    pass


def _circular() -> dict[str, Any]:
    data: dict[str, Any] = {}
    data["self"] = data
    return data


NUMBERS = st.one_of(st.floats(), st.integers(), st.just(np.float32(-20.5)), st.just(np.int64(-3)),
                    st.just(np.array(-3.0)), st.text(max_size=3), st.none(), st.booleans())
RESULTS = st.one_of(
    st.builds(Evaluation, st.dictionaries(st.sampled_from(["tg_C", "log10_sigma_30C", "other"]), NUMBERS),
              st.one_of(st.none(), st.dictionaries(st.sampled_from(["tg_C", "x"]), NUMBERS), st.just([1.0])),
              st.one_of(st.just({}), st.just(_circular()), st.just({"big": "x" * (MAX_METADATA_BYTES + 10)}))),
    st.builds(Evaluation, st.one_of(st.none(), st.just([1.0]), st.just("tg_C"))),
    st.builds(Failure, st.one_of(st.none(), st.text(max_size=5), st.just(3))),
    st.none(), st.integers(), st.text(max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(RESULTS)
def test_any_oracle_result_becomes_a_clean_evaluation_or_failure(result: object) -> None:
    checked = check_result(_Oracle(), result)  # type: ignore[arg-type]
    if isinstance(checked, Failure):
        assert isinstance(checked.reason, str) and checked.reason.strip()
        return
    assert isinstance(checked, Evaluation)
    assert all(type(v) is float and math.isfinite(v) for v in checked.values.values())
    assert all(type(v) is float and v >= 0 for v in (checked.std or {}).values())
    import json

    assert len(json.dumps(checked.metadata)) <= MAX_METADATA_BYTES


NUMPY_ORACLE = """
import numpy as np
from benchmarks.landscapes import SyntheticGlass

class NumpyGlass(SyntheticGlass):
    name = "numpy-glass"

    def evaluate(self, batch, /):
        out = []
        for result in super().evaluate(batch):
            if hasattr(result, "values"):
                result = type(result)({k: np.float32(v) for k, v in result.values.items()},
                                      std={k: np.float64(0.1) for k in result.values}, metadata={"n": np.int64(3)})
            out.append(result)
        return out
"""


def test_an_oracle_returning_numpy_numbers_completes_its_candidates(tmp_path: Path) -> None:
    (tmp_path / "numpy_oracle.py").write_text(NUMPY_ORACLE)
    campaign = Campaign.from_yaml(write_campaign(tmp_path, oracles=[
        {"kind": "python", "target": "numpy_oracle:NumpyGlass"}]))
    campaign.run()
    snapshot = campaign.snapshot()
    done = snapshot.in_state("done")
    assert len(snapshot.records) == 8 and done
    assert all("non-finite" not in (r.failure or "") for r in snapshot.records)
    assert done[0].values["tg_C"].std == pytest.approx(0.1)


def test_an_implausible_oracle_value_fails_its_candidate(tmp_path: Path) -> None:
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    (cand,) = campaign.ask(1)
    slot = campaign.automated[0]
    campaign.record(cand, slot, Evaluation({"tg_C": -1e6, "log10_sigma_30C": -3.0, "oxidation_V": 4.0}))
    record = campaign.snapshot().record(cand.id)
    assert record is not None and record.state == "failed" and "not physically possible" in (record.failure or "")


def test_a_store_locked_by_another_program_is_one_line_and_nothing_is_half_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import optimizer.core
    import optimizer.store.store

    monkeypatch.setattr(optimizer.store.store, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(optimizer.core, "RECORD_PATIENCE", 2)
    campaign = Campaign.from_yaml(write_campaign(tmp_path))
    (cand,) = campaign.ask(1)
    slot = campaign.automated[0]
    with closing(sqlite3.connect(campaign.store_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        with pytest.raises(StoreError, match="stayed locked by another program"):
            campaign.tell(cand.id, {"tg_C": -20.0})
        with pytest.raises(StoreError, match=f"for candidate {cand.id} could not be stored"):
            campaign.record(cand, slot, Evaluation({"tg_C": -20.0}))
        other.execute("ROLLBACK")
    assert campaign.store.results() == []
    campaign.tell(cand.id, {"tg_C": -20.0})  # and once the lock is gone, it works
    assert [r.value for r in campaign.store.results()] == [-20.0]


def test_a_failing_batch_call_is_retried_per_candidate() -> None:
    class Picky(_Oracle):
        def evaluate(self, batch: list[Composition], /) -> list[Evaluation]:
            if len(batch) > 1 or batch[0].o_al < 0.5:
                raise RuntimeError("no")
            return [Evaluation({"tg_C": np.float32(-3.0)})]

    results = call_oracle(Picky(), [Composition("Li", 1.0, 0.2), Composition("Li", 1.0, 0.75)])  # type: ignore[arg-type]
    assert isinstance(results[0], Failure) and isinstance(results[1], Evaluation)
    assert results[1].values == {"tg_C": -3.0}

from __future__ import annotations

import math
from typing import Sequence

import pytest

from oracles import Composition, Evaluation, Failure
from oracles.guard import call_oracle
from oracles.testing import OracleConformanceError, check_oracle

BATCH = [Composition("Li", 1.0, 0.75, 0.0), Composition("Li", 1.0, 0.5, 0.0), Composition("Na", 1.0, 0.5, 0.1)]


class Scripted:
    """An oracle whose answer per candidate is chosen by the test."""

    name = "scripted"
    outputs = {"y": "1"}

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        if self.behaviour == "short":
            return [Evaluation({"y": 1.0})] * (len(batch) - 1)
        out: list[Evaluation | Failure] = []
        for comp in batch:
            if comp.o_al == 0.5 and self.behaviour == "raise":
                raise RuntimeError("diverged")
            value = math.nan if (comp.o_al == 0.5 and self.behaviour == "nan") else comp.o_al
            name = "z" if (comp.o_al == 0.5 and self.behaviour == "undeclared") else "y"
            out.append(Evaluation({name: value}))
        return out


def test_good_oracle_passes_through() -> None:
    results = call_oracle(Scripted("ok"), BATCH)
    assert [r.values["y"] for r in results if isinstance(r, Evaluation)] == [0.75, 0.5, 0.5]


def test_raise_on_one_candidate_fails_only_that_one() -> None:
    results = call_oracle(Scripted("raise"), BATCH)
    assert isinstance(results[0], Evaluation)
    assert isinstance(results[1], Failure) and "diverged" in results[1].reason
    assert isinstance(results[2], Failure)


@pytest.mark.parametrize(("behaviour", "text"), [("nan", "non-finite"), ("undeclared", "undeclared")])
def test_bad_values_become_failures(behaviour: str, text: str) -> None:
    results = call_oracle(Scripted(behaviour), BATCH)
    assert isinstance(results[0], Evaluation)
    assert isinstance(results[1], Failure) and text in results[1].reason


def test_wrong_count_fails_the_batch() -> None:
    results = call_oracle(Scripted("short"), BATCH)
    assert all(isinstance(r, Failure) and "2 results for 3" in r.reason for r in results)


def test_conformance_check_accepts_good_and_rejects_bad() -> None:
    check_oracle(Scripted("ok"))
    with pytest.raises(OracleConformanceError, match="2 results"):
        check_oracle(Scripted("short"), BATCH)
    with pytest.raises(OracleConformanceError, match="does not implement"):
        check_oracle(object())


def test_synthetic_landscapes_conform() -> None:
    from benchmarks.landscapes import DTLZ2Glass, SyntheticGlass

    check_oracle(SyntheticGlass(noise=0.05))
    check_oracle(DTLZ2Glass())
    laco = SyntheticGlass.truth(Composition("Li", 1.0, 0.75, 0.0))
    assert laco["log10_sigma_30C"] == pytest.approx(-2.8, abs=0.05)
    assert laco["oxidation_V"] == pytest.approx(3.9, abs=0.05)

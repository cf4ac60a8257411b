"""The hull oracle end to end with CHGNet: conformance, caching and the torch-free import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oracles import Composition, Evaluation
from oracles.hull import HullOracle
from oracles.hull.cache import CACHE_FILE
from oracles.testing import check_oracle


def test_import_does_not_load_torch() -> None:
    code = "import sys, oracles.hull; assert 'torch' not in sys.modules and 'chgnet' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_constructor_is_cheap(tmp_path: Path) -> None:
    oracle = HullOracle(preset="smoke", workdir=tmp_path, threads=1)
    assert oracle._refs is None and oracle._calc is None
    assert not (tmp_path / CACHE_FILE).exists()


def test_smoke_oracle_conforms_and_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = HullOracle(preset="smoke", workdir=tmp_path, threads=1)
    check_oracle(oracle)
    comp = Composition("Li", 1.0, 0.75, 0.0)
    (first,) = oracle.evaluate([comp])
    assert isinstance(first, Evaluation) and first.fidelity == "smoke"
    assert set(first.values) == {"e_hull_eV_atom", "oxidation_V", "reduction_V", "oxidation_metastable_V"}
    assert first.values["e_hull_eV_atom"] > 0  # a random-packed model lies above the crystalline hull
    assert first.metadata["model"]["formula"] == "LiAlCl2.5O0.75"
    assert "random-packed" in first.metadata["warnings"][0]  # the CLI prints it as "not converged"
    assert (tmp_path / CACHE_FILE).exists()

    # A fresh oracle on the same workdir answers from the cache file without building anything.
    def no_relax(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed a cached composition")

    monkeypatch.setattr("oracles.hull.candidate.relax_candidate", no_relax)
    again = HullOracle(preset="smoke", workdir=tmp_path, threads=1).evaluate([comp])[0]
    assert again == first


@pytest.mark.slow
def test_packing_preset_evaluates_a_sulfur_glass(tmp_path: Path) -> None:
    """The packing preset end to end on a Na S-glass (its wall time is a benchmark: benchmarks/results/hull.md)."""
    oracle = HullOracle(preset="packing", workdir=tmp_path, threads=2)
    (result,) = oracle.evaluate([Composition("Na", 1.0, 0.5, 0.1)])
    assert isinstance(result, Evaluation), result
    assert result.values["oxidation_V"] > result.values["reduction_V"] and result.values["e_hull_eV_atom"] > 0

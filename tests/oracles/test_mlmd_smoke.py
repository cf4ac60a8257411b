"""ML-MD oracle end to end on the `smoke` preset: real CHGNet MD on a ~20-atom cell, plus failure paths.

One real evaluation (module-scoped) serves both the conformance check and the result checks, so
the CI cost stays at one smoke run (~15-35 s on a loaded 2-core machine).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from oracles import Composition, Evaluation, Failure
from oracles.mlmd import MLMDOracle
from oracles.testing import check_oracle

LI_GLASS = Composition("Li", 1.0, 0.75, 0.0)


class RecordingOracle(MLMDOracle):
    """Keeps the last results so the conformance check's evaluation can be inspected too."""

    last: list[Evaluation | Failure]

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        self.last = super().evaluate(batch)
        return self.last


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[RecordingOracle, Evaluation]:
    oracle = RecordingOracle(preset="smoke", workdir=tmp_path_factory.mktemp("mlmd"), threads=1)
    check_oracle(oracle, probes=(LI_GLASS,))
    (result,) = oracle.last
    assert isinstance(result, Evaluation), result
    return oracle, result


def test_smoke_returns_finite_values_with_std(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    assert set(result.values) == {"log10_sigma_30C", "ea_eV", "tg_C"}
    assert result.std is not None
    for name, value in result.values.items():
        assert math.isfinite(value) and math.isfinite(result.std[name]) and result.std[name] > 0
    assert result.fidelity == "smoke"
    assert -15 < result.values["log10_sigma_30C"] < 3


def test_smoke_metadata_is_json_and_flags_unconverged_run(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    meta = json.loads(json.dumps(result.metadata))
    assert meta["conductivity"]["temperatures_K"] == [700.0, 900.0]
    assert len(meta["conductivity"]["hop_counts"]) == 2
    assert meta["simulated_ps"] > 0 and meta["density_g_cm3"] > 1.5
    assert meta["warnings"]  # 0.1 ps runs are not diffusive; the oracle must say so
    assert "chgnet" in meta["potential"]


def test_smoke_artifacts_exist_with_matching_hashes(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    artifacts = result.metadata["artifacts"]
    assert {"initial", "equilibrated_300K", "production_700K", "production_900K", "tg_cooling"} <= set(artifacts)
    for record in artifacts.values():
        path = Path(record["path"])
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    from ase.io import read

    frames = read(artifacts["production_700K"]["path"], index=":")
    assert len(frames) == artifacts["production_700K"]["frames"] > 10


def test_overlapping_atoms_are_a_failure_not_a_crash(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    oracle, _ = smoke
    atoms = Atoms("LiAlCl4", positions=np.random.default_rng(0).uniform(0, 6, (6, 3)), cell=[6] * 3, pbc=True)
    atoms.positions[1] = atoms.positions[0] + [0.2, 0, 0]
    result = oracle.evaluate_structure(atoms, label="broken", M="Li")
    assert isinstance(result, Failure) and "physical minimum" in result.reason


class _ToyCalculator(Calculator):
    """A cheap stand-in potential: ``mode`` 'free' (no forces), 'kick' (huge random forces) or 'nan'."""

    implemented_properties = ("energy", "forces", "stress")

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        self.rng = np.random.default_rng(0)

    def calculate(
        self, atoms: Atoms | None = None, properties: object = None, system_changes: object = all_changes
    ) -> None:
        super().calculate(atoms, ["energy"], all_changes)
        assert self.atoms is not None
        n = len(self.atoms)
        forces = self.rng.normal(0.0, 50.0, (n, 3)) if self.mode == "kick" else np.zeros((n, 3))
        energy = math.nan if self.mode == "nan" else 0.0
        self.results = {"energy": energy, "free_energy": energy, "forces": forces, "stress": np.zeros(6)}


@pytest.mark.parametrize(("mode", "reason"), [("kick", "ran away"), ("nan", "non-finite")])
def test_unphysical_runs_become_failures(tmp_path: Path, mode: str, reason: str) -> None:
    oracle = MLMDOracle(preset="smoke", workdir=tmp_path, calculator=_ToyCalculator(mode), relax_max_steps=0)
    (result,) = oracle.evaluate([LI_GLASS])
    assert isinstance(result, Failure) and reason in result.reason


@pytest.mark.slow
def test_conformance_on_default_probes(tmp_path: Path) -> None:
    check_oracle(MLMDOracle(preset="smoke", workdir=tmp_path, threads=1))


@pytest.mark.slow
def test_crystal_reference_through_the_oracle(tmp_path: Path) -> None:
    oracle = MLMDOracle(preset="smoke", workdir=tmp_path, threads=1, structure="crystal", target_atoms=24)
    result, failure = oracle.evaluate([Composition("Li", 1.0, 0.0), LI_GLASS])
    assert isinstance(result, Evaluation) and "tg_C" not in result.values
    assert isinstance(failure, Failure) and "LiAlCl4" in failure.reason

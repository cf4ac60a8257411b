"""ML-MD oracle end to end on the `smoke` preset: real CHGNet MD on a ~20-atom cell, plus failure paths.

One real evaluation (module-scoped, two 21-atom cells) serves both the conformance check and the
result checks, so the CI cost stays at one smoke run (~40-100 s on a loaded 2-core machine).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from oracles import Composition, Evaluation, Failure
from oracles.mlmd import MLMDOracle
from oracles.mlmd.assemble import UNCONVERGED_STD
from oracles.testing import DEFAULT_PROBES, check_oracle

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


def test_smoke_returns_values_whose_std_says_not_converged(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    assert set(result.values) == {"log10_sigma_30C", "ea_eV", "tg_C"}
    assert result.std is not None
    for name, value in result.values.items():
        assert math.isfinite(value) and result.std[name] >= UNCONVERGED_STD[name]
    assert result.fidelity == "smoke"
    assert not result.metadata["converged"]
    assert any(w.startswith("not converged:") for w in result.metadata["warnings"])


def test_smoke_metadata_carries_density_pressure_and_per_temperature_diffusion(
        smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    meta = json.loads(json.dumps(result.metadata))
    assert "chgnet" in meta["potential"] and meta["seeds"] == [0, 1]
    assert 0.5 < meta["density_g_cm3"] < 4.0 and meta["density_sd_g_cm3"] >= 0
    assert set(meta["pressure_GPa"]) == {"mean", "sd"}
    per_T = meta["conductivity"]["per_temperature"]
    assert set(per_T) == {"700", "900"}
    for row in per_T.values():
        assert len(row["diffusive"]) == 2 and all(isinstance(d, bool) for d in row["diffusive"])
        assert all(msd >= 0 for msd in row["msd_A2"])
        assert all(0.0 <= f <= 1.0 for f in row["empty_fraction"]) and all(r > 0 for r in row["largest_empty_sphere_A"])
    assert {"al_cn_O", "al_cn_Cl", "o_bridging_fraction"} <= set(meta["network"])
    assert meta["conductivity"]["nve_drift"][0]["timestep_fs"] == 2.0
    assert len(meta["tg"]["cells"]) == 2
    assert meta["cpu_core_hours"] > 0  # the CPU time of the glass, the temperatures and Tg of both cells


def test_smoke_artifacts_exist_with_matching_hashes(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    _, result = smoke
    artifacts = result.metadata["artifacts"]["0"]
    assert {"glass_cell", "melt_cell", "production_700K", "production_900K", "tg_cooling"} <= set(artifacts)
    for record in artifacts.values():
        path = Path(record["path"])
        assert path.is_file()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["sha256"]
    from ase.io import read

    frames = read(artifacts["production_700K"]["path"], index=":")
    assert len(frames) == artifacts["production_700K"]["frames"] > 10


def test_glass_cells_are_reused_not_recomputed(smoke: tuple[RecordingOracle, Evaluation]) -> None:
    oracle, result = smoke
    from oracles.mlmd.glass import make_glass_cells

    cells = make_glass_cells(LI_GLASS, calculator=_ToyCalculator("nan"), preset=oracle.params, seeds=[0, 1],
                             workdir=oracle.workdir, preset_name="smoke")  # a NaN potential would fail any MD
    assert [c.density_g_cm3 for c in cells] == [c["density_g_cm3"] for c in result.metadata["cells"]]


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
    assert isinstance(result, Failure) and reason in result.reason and "every cell failed" in result.reason


@pytest.mark.slow
def test_conformance_on_default_probes_with_cells_in_two_processes(tmp_path: Path,
                                                                     capfd: pytest.CaptureFixture[str]) -> None:
    logging.getLogger("oracles").setLevel(logging.INFO)
    try:
        oracle = RecordingOracle(preset="smoke", workdir=tmp_path, threads=2, compute=["conductivity"])
        check_oracle(oracle)
    finally:
        logging.getLogger("oracles").setLevel(logging.NOTSET)
    assert all(isinstance(r, Evaluation) and r.metadata["seeds"] == [0, 1] for r in oracle.last)
    # the cells' processes report their progress as the caller logs (hours of MD must not run silent)
    log = capfd.readouterr().err
    assert "INFO oracles.mlmd.dynamics: LiAlCl2.5O0.75 s1: NVT melt" in log
    # the batch shares the processes: the second composition's glass cells start before the first's temperatures
    first, second = (probe.formula for probe in DEFAULT_PROBES)
    temperatures = [log.find(f"{first} s{seed}: NPT {T:.0f} K") for seed in (0, 1)
                    for T in oracle.params.temperatures_K]
    assert min(i for i in temperatures if i >= 0) > log.find(f"{second} s0: NVT melt") >= 0


@pytest.mark.slow
def test_temperatures_side_by_side_give_what_one_process_gives(tmp_path: Path,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """4 processes for 2 cells x 2 temperatures (one torch thread each) against one process on one thread.

    The same glass cells and NPT densities; CHGNet's forces in a fresh process differ from a reused
    calculator's in the last bits, which the chaotic MD grows over the production (measured: D by
    0.4-1.9 %), so the values agree within their error bars, not bit for bit (that, with a potential
    that repeats its forces exactly, is `test_mlmd_partial`).
    """
    def evaluate(threads: int, workdir: Path) -> Evaluation:
        oracle = MLMDOracle(preset="smoke", workdir=workdir, threads=threads, compute=["conductivity"])
        (result,) = oracle.evaluate([LI_GLASS])
        assert isinstance(result, Evaluation)
        return result

    with caplog.at_level(logging.INFO, logger="oracles"):
        side_by_side = evaluate(4, tmp_path / "side-by-side")
    assert "2 cells x 2 temperatures in 4 processes x 1 torch threads" in caplog.text
    one = evaluate(1, tmp_path / "one")
    assert [c["density_g_cm3"] for c in side_by_side.metadata["cells"]] == [
        c["density_g_cm3"] for c in one.metadata["cells"]]  # the same glass cells
    a, b = (r.metadata["conductivity"]["per_temperature"] for r in (side_by_side, one))
    assert a.keys() == b.keys()
    for T in a:
        assert a[T]["density_g_cm3"] == pytest.approx(b[T]["density_g_cm3"], rel=1e-9)
        for d_a, d_b, sd in zip(a[T]["D_cm2_s"], b[T]["D_cm2_s"], a[T]["ln_D_std"]):
            assert abs(math.log(d_a / d_b)) < sd
    for name, value in one.values.items():
        assert abs(side_by_side.values[name] - value) < one.std[name]


@pytest.mark.slow
def test_a_composition_that_can_no_longer_converge_runs_no_more_temperatures(tmp_path: Path) -> None:
    """3 temperatures, none diffusive (a 100 A hop), both cells needed: once one cell has a temperature
    that is not diffusive, it cannot have the 3 diffusive ones a conductivity needs, and the queued
    temperatures are dropped. Without the early stop all 6 run."""
    oracle = MLMDOracle(preset="smoke", workdir=tmp_path, threads=2, compute=["conductivity"], fail_unconverged=True,
                        temperatures_K=(700.0, 800.0, 900.0), hop_length_A=100.0)
    (result,) = oracle.evaluate([LI_GLASS])
    assert isinstance(result, Failure)
    assert "1 of 3 temperatures not diffusive (700 K), so at most 2 can be (3 needed)" in result.reason
    saved = sorted(p.name for p in tmp_path.glob("*/conductivity-*K.json"))
    assert saved and set(saved) <= {"conductivity-700K.json"}  # the coldest ran first; nothing after the stop

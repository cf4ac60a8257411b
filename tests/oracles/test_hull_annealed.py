"""Hull glass energies from annealed ML-MD cells: presets, the mean +- standard error, and cells shared in a campaign.

The campaign test makes real CHGNet smoke cells (~20 atoms, tens of MD steps): one cell through the
ML-MD oracle's parameters and folder, one through the hull, each then read back by the other.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from pymatgen.entries.computed_entries import ComputedStructureEntry

from optimizer.config import CampaignConfig, ConfigError
from optimizer.oracle_factory import Runtime, build_oracles
from oracles import Composition, Evaluation, Failure, OracleSetupError
from oracles.hull import HullOracle
from oracles.hull.annealed import AnnealedCell, AnnealedModel
from oracles.hull.glass import annealed_glass_result
from oracles.hull.presets import resolve_preset
from tests.campaign_helpers import BASE

LI_GLASS = Composition("Li", 1.0, 0.75, 0.0)
LIALCL4 = Composition("Li", 1.0, 0.0, 0.0)


# -- setup ------------------------------------------------------------------------------------------
def test_annealed_presets_use_the_mlmd_glass_protocol_on_the_hull_potential() -> None:
    oracle = HullOracle(preset="annealed", potential="chgnet", seed=4)
    source = oracle.glass_cells
    assert source is not None and source.params.potential == "chgnet" and source.seeds == [4, 5, 6]
    assert source.protocol() == ("quick", source.params.glass_key())
    assert HullOracle(preset="packing", potential="chgnet").glass_cells is None
    assert HullOracle(potential="chgnet").glass_cells is not None  # the default glass model is annealed cells


@pytest.mark.parametrize(("options", "message"), [
    ({"preset": "annealed", "cells": 2}, "at least 3 independent annealed cells"),
    ({"preset": "annealed", "target_atoms": 40}, "do not apply to glass_model='melt_quench'"),
    ({"preset": "packing", "cells": 5}, "do not apply to glass_model='packing'"),
    ({"preset": "annealed", "md_preset": "slow"}, "md_preset='slow'"),
    ({"preset": "annealed", "md_options": {"potential": "7net-0"}}, "made with the hull's potential"),
    ({"preset": "annealed", "md_options": {"melt_steps": -1}}, "melt_steps"),
    ({"preset": "packing", "md_options": {"melt_steps": 10}}, "annealed glass models only"),
    ({"preset": "packing", "glass_cells_from": "mlmd"}, "annealed glass models only"),
    ({"preset": "default", "glass_model": "crystal"}, "glass_model='crystal'"),
])
def test_bad_annealed_options_are_refused_at_setup(options: dict[str, Any], message: str) -> None:
    with pytest.raises(OracleSetupError, match=message):
        HullOracle(potential="chgnet", **options)


def test_an_annealed_oracle_is_built_without_loading_torch() -> None:
    import subprocess
    import sys

    code = ("import sys; from oracles.hull import HullOracle; HullOracle(preset='annealed', potential='chgnet'); "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_smoke_md_preset_may_use_fewer_cells() -> None:
    assert resolve_preset("annealed-smoke", {"cells": 1}).cells == 1


# -- the value and its uncertainty ------------------------------------------------------------------
def _fake_model(oracle: HullOracle, excess_eV_atom: list[float]) -> AnnealedModel:
    """Cells of crystalline LiAlCl4's own structure with ``excess`` eV/atom added to its raw energy."""
    crystal = next(e for e in oracle.reference_set().entries if e.composition.reduced_formula == "LiAlCl4")
    assert isinstance(crystal, ComputedStructureEntry)
    n = crystal.composition.num_atoms
    cells = []
    for seed, excess in enumerate(excess_eV_atom):
        entry = ComputedStructureEntry(crystal.structure, crystal.uncorrected_energy + excess * n,
                                       parameters={"potential": "chgnet"})
        cells.append(AnnealedCell(seed=seed, formula="LiAlCl4", n_atoms=int(n), energy_eV_atom=entry.energy_per_atom,
                                  density_g_cm3=2.0, md_density_g_cm3=2.0, settled=seed != 1,
                                  relax_converged=True, reused=False, folder="", entry=entry))
    return AnnealedModel(tuple(cells), "quick", "chgnet", 0.0)


def test_value_is_the_mean_over_cells_and_std_the_standard_error_of_that_mean() -> None:
    oracle = HullOracle(preset="annealed", potential="chgnet")
    pd = oracle.diagram_for({"Li"})
    result = annealed_glass_result(LIALCL4, pd, model=lambda: _fake_model(oracle, [0.01, 0.02, 0.045]),
                                   put_on_scale=oracle._put_on_scale, provenance={}, fidelity="annealed")
    assert isinstance(result, Evaluation) and result.std is not None
    assert result.values["e_hull_eV_atom"] == pytest.approx(0.025, abs=2e-5)  # LiAlCl4 lies on the hull
    sd = math.sqrt(((0.01 - 0.025) ** 2 + (0.02 - 0.025) ** 2 + (0.045 - 0.025) ** 2) / 2)
    assert result.metadata["model"]["e_hull_sd_eV_atom"] == pytest.approx(sd, abs=2e-5)
    assert result.std["e_hull_eV_atom"] == pytest.approx(sd / math.sqrt(3), abs=2e-5)
    assert [c["e_hull_eV_atom"] for c in result.metadata["model"]["cells"]] == pytest.approx([0.01, 0.02, 0.045],
                                                                                             abs=2e-5)
    assert result.values["oxidation_metastable_V"] < result.values["oxidation_V"]
    assert "oxidation_metastable_V" in result.std
    assert result.metadata["warnings"] == ["not converged: seed 1: the melt's density or Al-O-Al network still "
                                           "changed during the anneal"]


def test_an_unphysical_md_run_is_a_failure_naming_it() -> None:
    from oracles.mlmd.guards import MDGuardError

    oracle = HullOracle(preset="annealed", potential="chgnet")

    def broken() -> AnnealedModel:
        raise MDGuardError("LiAlCl4 s0: NVT melt 1500 K: non-finite energy")

    result = annealed_glass_result(LIALCL4, oracle.diagram_for({"Li"}), model=broken,
                                   put_on_scale=oracle._put_on_scale, provenance={}, fidelity="annealed")
    assert isinstance(result, Failure) and "non-finite energy" in result.reason


# -- cells shared between the ML-MD and hull oracles of one campaign --------------------------------
def _campaign(tmp_path: Path, hull: dict[str, Any], mlmd: dict[str, Any] | None = None) -> list[Any]:
    oracles = [{"kind": "mlmd", "preset": "smoke", **(mlmd or {})}, {"kind": "hull", "potential": "chgnet", **hull}]
    config = CampaignConfig.model_validate({**BASE, "oracles": oracles})
    return [slot.oracle for slot in build_oracles(config, base_dir=tmp_path, runtime=Runtime(threads=1))]


def test_a_campaign_hull_shares_the_mlmd_oracles_cells_when_the_protocols_match(tmp_path: Path) -> None:
    mlmd, hull = _campaign(tmp_path, {"preset": "annealed-smoke"})
    assert hull.glass_cells.folder == mlmd.workdir == tmp_path / "t-artifacts" / "mlmd"
    _, own = _campaign(tmp_path, {"preset": "annealed-smoke", "glass_cells_from": "own"})
    assert own.glass_cells.folder == tmp_path / "t-artifacts" / "hull"
    _, other = _campaign(tmp_path, {"preset": "annealed-smoke"}, {"melt_steps": 20})  # auto: no sharing
    assert other.glass_cells.folder == tmp_path / "t-artifacts" / "hull"


def test_the_default_quick_and_annealed_presets_share_without_being_told(tmp_path: Path) -> None:
    oracles = [{"kind": "mlmd", "preset": "quick"}, {"kind": "hull", "preset": "annealed"}]
    config = CampaignConfig.model_validate({**BASE, "oracles": oracles})
    mlmd, hull = [slot.oracle for slot in build_oracles(config, base_dir=tmp_path)]
    assert hull.glass_cells.folder == mlmd.workdir and hull.glass_cells.params.potential == mlmd.params.potential


@pytest.mark.parametrize(("hull", "mlmd", "message"), [
    ({"preset": "annealed-smoke", "glass_cells_from": "mlmd"}, {"melt_steps": 20}, "melt_steps: 15 vs 20"),
    ({"preset": "annealed", "glass_cells_from": "mlmd"}, {}, "md_preset is 'quick'"),
    ({"preset": "annealed-smoke", "glass_cells_from": "md"}, {}, "names no ML-MD oracle"),
])
def test_a_named_source_that_cannot_share_is_a_config_error(tmp_path: Path, hull: dict[str, Any],
                                                            mlmd: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _campaign(tmp_path, hull, mlmd)


def test_cells_made_by_either_oracle_are_reused_by_the_other(tmp_path: Path) -> None:
    from oracles.atomistic.potential import load_calculator, torch_threads
    from oracles.mlmd.glass import glass_folder, make_glass_cells

    mlmd, hull = _campaign(tmp_path, {"preset": "annealed-smoke", "cells": 2})
    # cell 0 as the ML-MD oracle makes it: its parameters, its folder, its preset name
    calc, info = load_calculator("chgnet")
    with torch_threads(1):
        (made,) = make_glass_cells(LI_GLASS, calculator=calc, preset=mlmd.params, seeds=[0], workdir=mlmd.workdir,
                                   preset_name=mlmd.preset_name, potential_label=info.label())
    record0 = Path(glass_folder(mlmd.workdir, LI_GLASS.formula, "smoke", "chgnet", 0)) / "glass.json"
    record1 = record0.parents[1].with_name(record0.parents[1].name[:-1] + "1") / "glass" / "glass.json"
    stamp = record0.stat().st_mtime_ns
    assert not record1.exists()

    (result,) = hull.evaluate([LI_GLASS])
    assert isinstance(result, Evaluation), result
    cells = result.metadata["model"]["cells"]
    assert [c["reused"] for c in cells] == [True, False]
    assert cells[0]["md_density_g_cm3"] == pytest.approx(made.density_g_cm3, abs=1e-4)
    assert record0.stat().st_mtime_ns == stamp  # read, not rewritten
    assert record1.is_file()  # the hull's own cell, filed where the ML-MD oracle looks
    assert result.std is not None and result.std["e_hull_eV_atom"] >= 0
    assert result.metadata["model"]["md_preset"] == "smoke" and "chgnet" in result.metadata["model"]["potential"]

    # and the ML-MD oracle's builder reads the hull's cell back: no MD runs (a NaN potential would fail any)
    class Poison(type(calc)):  # type: ignore[misc]
        def calculate(self, *args: object, **kwargs: object) -> None:
            raise AssertionError("recomputed a cell that was on disk")

    again = make_glass_cells(LI_GLASS, calculator=Poison.__new__(Poison), preset=mlmd.params, seeds=[0, 1],
                             workdir=mlmd.workdir, preset_name=mlmd.preset_name)
    assert [c.density_g_cm3 for c in again] == pytest.approx([c["md_density_g_cm3"] for c in cells], abs=1e-4)

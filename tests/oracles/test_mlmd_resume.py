"""A killed conductivity stage resumes at the temperature it was on: finished temperatures are read back."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator, all_changes

from oracles import Composition
from oracles.mlmd.artifacts import ArtifactWriter
from oracles.mlmd.conductivity import run_temperatures
from oracles.mlmd.glass import GlassCell, make_glass_cell
from oracles.mlmd.presets import resolve_preset

LI_GLASS = Composition("Li", 1.0, 0.75)
PRESET = resolve_preset("smoke", {"relax_max_steps": 0})


class Harmonic(Calculator):
    """Each atom tied to where it started by a weak spring: cheap, finite, stable MD. Counts its calls."""

    implemented_properties = ("energy", "forces", "stress")

    def __init__(self, *, poisoned: bool = False) -> None:
        super().__init__()
        self.poisoned = poisoned
        self.calls = 0
        self.home: np.ndarray | None = None

    def calculate(self, atoms: Atoms | None = None, properties: object = None,
                  system_changes: object = all_changes) -> None:
        if self.poisoned:
            raise AssertionError("ran MD for a temperature that was saved")
        super().calculate(atoms, ["energy"], all_changes)
        assert self.atoms is not None
        self.calls += 1
        positions = self.atoms.get_positions()
        if self.home is None or len(self.home) != len(positions):
            self.home = positions.copy()
        shift = positions - self.home
        self.results = {"energy": float(0.5 * (shift ** 2).sum()), "forces": -1.0 * shift, "stress": np.zeros(6)}


@pytest.fixture(scope="module")
def glass(tmp_path_factory: pytest.TempPathFactory) -> GlassCell:
    return make_glass_cell(LI_GLASS, calculator=Harmonic(), preset=PRESET, seed=0,
                           workdir=tmp_path_factory.mktemp("glass"), preset_name="smoke")


def _run(glass: GlassCell, folder: Path, calculator: Calculator, key: dict[str, Any]) -> list[dict[str, Any]]:
    folder.mkdir(exist_ok=True)
    runs, drift, _ = run_temperatures(glass, calculator=calculator, preset=PRESET, species="Li", entropy=(0, 1, 7),
                                      writer=ArtifactWriter(folder), seed=0, checkpoints=folder, checkpoint_key=key)
    assert drift is not None  # the hottest temperature's NVE check comes back with it, saved or not
    assert all(r.cpu_s > 0 and r.wall_s > 0 for r in runs)  # a saved temperature keeps what it cost
    return [{k: v for k, v in asdict(r).items() if k not in ("wall_s", "cpu_s")} for r in runs]


def test_saved_temperatures_are_read_back_without_md(glass: GlassCell, tmp_path: Path) -> None:
    key = {"preset": "smoke", "glass_sha256": "a"}
    first = _run(glass, tmp_path, Harmonic(), key)
    assert sorted(p.name for p in tmp_path.glob("conductivity-*K.json")) == ["conductivity-700K.json",
                                                                          "conductivity-900K.json"]
    first_cost = json.loads((tmp_path / "conductivity-900K.json").read_text())["run"]["cpu_s"]
    assert _run(glass, tmp_path, Harmonic(poisoned=True), key) == first
    assert json.loads((tmp_path / "conductivity-900K.json").read_text())["run"]["cpu_s"] == first_cost


def test_only_the_missing_temperature_runs_and_gives_what_an_unbroken_run_gave(glass: GlassCell,
                                                                                tmp_path: Path) -> None:
    key = {"preset": "smoke", "glass_sha256": "a"}
    unbroken = _run(glass, tmp_path / "unbroken", Harmonic(), key)
    (tmp_path / "unbroken" / "conductivity-700K.json").unlink()  # killed during 700 K (the second, colder one)
    calculator = Harmonic()
    resumed = _run(glass, tmp_path / "unbroken", calculator, key)
    assert calculator.calls > 0
    assert resumed == unbroken  # each temperature has its own random stream: same numbers either way


def test_a_checkpoint_made_under_other_settings_or_damaged_is_run_again(glass: GlassCell, tmp_path: Path) -> None:
    _run(glass, tmp_path, Harmonic(), {"preset": "smoke", "glass_sha256": "a"})
    (tmp_path / "conductivity-900K.json").write_text("{not json", encoding="utf-8")
    calculator = Harmonic()
    _run(glass, tmp_path, calculator, {"preset": "smoke", "glass_sha256": "a"})
    assert calculator.calls > 0
    again = Harmonic()
    _run(glass, tmp_path, again, {"preset": "smoke", "glass_sha256": "another glass"})
    assert again.calls > 0
    assert json.loads((tmp_path / "conductivity-700K.json").read_text())["key"]["glass_sha256"] == "another glass"


def test_a_cell_is_the_same_cell_whatever_the_number_of_cells(tmp_path: Path) -> None:
    """A cell finished for a 3-cell campaign is read back by a 2-cell evaluation; another protocol is not."""
    from dataclasses import replace

    from oracles.mlmd.workflow import run_seed

    def run(preset: Any, calculator: Calculator) -> Any:
        return run_seed(LI_GLASS, calculator=calculator, preset=preset, seed=0, workdir=tmp_path, preset_name="smoke",
                        compute=frozenset({"conductivity"}), potential_label="harmonic")

    preset = replace(PRESET, min_distance_fraction=0.05)  # the weak springs let atoms meet in the melt
    made = run(replace(preset, seeds=3, notes="for the campaign"), Harmonic())
    assert made.error is None
    again = run(replace(preset, seeds=2), Harmonic(poisoned=True))
    assert again.to_json() == json.loads(json.dumps(made.to_json()))  # as saved: tuples read back as lists
    other = run(replace(preset, seeds=2, kinisi_samples=preset.kinisi_samples + 1), Harmonic(poisoned=True))
    assert other.error is not None and "ran MD" in other.error


def test_each_temperature_records_the_empty_space_of_its_production(glass: GlassCell, tmp_path: Path) -> None:
    from ase.io import read

    from oracles.mlmd.empty_space import empty_space

    runs = _run(glass, tmp_path, Harmonic(), {"preset": "smoke", "glass_sha256": "a"})
    for run in runs:
        assert 0.0 <= run["empty_fraction"] <= 1.0 and run["largest_empty_sphere_A"] > 0.0
    # the mean over the production's frames, not one frame: the first frame alone gives another value
    frames = read(tmp_path / "production_900K.extxyz", index=":")
    assert isinstance(frames, list)
    hottest = next(r for r in runs if r["diffusion"]["T_K"] == 900)
    assert hottest["largest_empty_sphere_A"] != empty_space(frames[0]).largest_sphere_A


def test_a_temperature_saved_before_empty_space_was_measured_is_read_back_without_it(glass: GlassCell,
                                                                                    tmp_path: Path) -> None:
    key = {"preset": "smoke", "glass_sha256": "a"}
    _run(glass, tmp_path, Harmonic(), key)
    for path in tmp_path.glob("conductivity-*K.json"):  # as the validation's cells saved them until 2026-11-29
        record = json.loads(path.read_text())
        del record["run"]["empty_fraction"], record["run"]["largest_empty_sphere_A"]
        path.write_text(json.dumps(record))
    old = _run(glass, tmp_path, Harmonic(poisoned=True), key)
    assert all(r["empty_fraction"] is None and r["largest_empty_sphere_A"] is None for r in old)

"""A run killed inside a temperature resumes at the last saved production chunk and gives the numbers
an unbroken run gives (real MD and kinisi on a cheap harmonic potential)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ase.calculators.calculator import Calculator

from benchmarks.mlmd_validation import cell_progress
from oracles.mlmd import production
from oracles.mlmd.artifacts import ArtifactWriter
from oracles.mlmd.conductivity import run_temperatures
from oracles.mlmd.glass import GlassCell, glass_folder, make_glass_cell, save_glass_cell

from .spring_md import KEY, LI_GLASS, PRESET, Killed, Spring

pytestmark = pytest.mark.usefixtures("small_chunks")


def _run(glass: GlassCell, folder: Path, calculator: Calculator, key: dict[str, Any] = KEY) -> dict[str, Any]:
    folder.mkdir(exist_ok=True)
    writer = ArtifactWriter(folder)
    runs, drift, ps = run_temperatures(glass, calculator=calculator, preset=PRESET, species="Li", entropy=(0, 1, 7),
                                       writer=writer, seed=0, checkpoints=folder, checkpoint_key=key)
    return {"runs": [{k: v for k, v in asdict(r).items() if k not in ("wall_s", "cpu_s")} for r in runs],
            "drift": drift, "ps": ps,
            "trajectories": {name: record["sha256"] for name, record in writer.records.items()},
            "cpu_s": [r.cpu_s for r in runs]}


def _spring(glass: GlassCell, kill_after: int | None = None) -> Spring:
    return Spring(glass.atoms.get_positions(), kill_after)


def test_a_run_killed_mid_production_resumes_there_with_the_unbroken_numbers(glass: GlassCell,
                                                                             tmp_path: Path) -> None:
    whole = _spring(glass)
    unbroken = _run(glass, tmp_path / "unbroken", whole)
    assert all(run["extensions"] == 1 for run in unbroken["runs"])  # the extension is part of what is checked
    assert not list((tmp_path / "unbroken").glob("*.partial"))  # a finished temperature leaves no partial state

    # filed where the validation's report looks for it, next to its glass
    folder = glass_folder(tmp_path / "killed", LI_GLASS.formula, "smoke", PRESET.potential, 0)
    save_glass_cell(dataclasses.replace(glass, folder=str(folder)), PRESET)
    folder = folder.parent
    # 900 K first: 6 NPT + 5 NVT + 6 NVE steps, then production; killed 45 steps into it (after its 4th chunk)
    with pytest.raises(Killed):
        _run(glass, folder, _spring(glass, kill_after=17 + 45 + 3))
    state = json.loads((folder / "conductivity-900K.partial" / "state.json").read_text())
    assert state["record"]["steps_done"] == 40 and len(state["record"]["chunks"]) == 4
    assert (cell_progress([tmp_path / "killed"], LI_GLASS, "smoke", PRESET.potential, 0)
            == "glass made; 900K under way: production step 40 of 60")

    again = _spring(glass)
    resumed = _run(glass, folder, again)
    assert resumed["runs"] == unbroken["runs"]
    assert resumed["drift"] == unbroken["drift"] and resumed["ps"] == pytest.approx(unbroken["ps"])
    assert resumed["trajectories"] == unbroken["trajectories"]  # the same frames, bit for bit
    assert again.calls < whole.calls - 40  # the saved chunks and the equilibration were not run again
    assert resumed["cpu_s"][0] > 0 and not list(folder.glob("*.partial"))


def test_a_kill_during_the_extension_resumes_in_the_extension(glass: GlassCell, tmp_path: Path) -> None:
    unbroken = _run(glass, tmp_path / "unbroken", _spring(glass))
    folder = tmp_path / "killed"
    with pytest.raises(Killed):
        _run(glass, folder, _spring(glass, kill_after=17 + 75 + 3))
    progress = json.loads((folder / "conductivity-900K.partial" / "state.json").read_text())["record"]
    assert progress["extensions"] == 1 and progress["target_steps"] == 100 and progress["steps_done"] == 70
    assert _run(glass, folder, _spring(glass))["runs"] == unbroken["runs"]


def test_partial_state_from_other_settings_or_damaged_is_started_over(glass: GlassCell, tmp_path: Path) -> None:
    unbroken = _run(glass, tmp_path / "unbroken", _spring(glass))
    for damage in ("other key", "missing chunk", "garbled state", "garbled chunk", "empty state file"):
        folder = tmp_path / damage.replace(" ", "-")
        with pytest.raises(Killed):
            _run(glass, folder, _spring(glass, kill_after=17 + 45 + 3))
        partial = folder / "conductivity-900K.partial"
        key = KEY
        if damage == "other key":
            key = {**KEY, "glass_sha256": "another glass"}
        elif damage == "missing chunk":
            (partial / "frames-002.npz").unlink()
        elif damage == "garbled chunk":
            (partial / "frames-001.npz").write_bytes(b"PK\x03\x04 not a zip file")
        elif damage == "empty state file":
            md = json.loads((partial / "state.json").read_text())["md"]
            (partial / md).write_bytes(b"")
        else:
            (partial / "state.json").write_text("{not json", encoding="utf-8")
        calculator = _spring(glass)
        result = _run(glass, folder, calculator, key)
        assert calculator.calls > 100  # the whole first temperature ran again
        assert result["runs"] == unbroken["runs"]  # from its own random stream, so to the same numbers


def test_cutting_the_production_into_chunks_changes_nothing(glass: GlassCell, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    chunked = _run(glass, tmp_path / "chunked", _spring(glass))
    monkeypatch.setattr(production, "CHUNK_STEPS", 10_000)  # the production and its extension in one piece each
    whole = _run(glass, tmp_path / "whole", _spring(glass))
    assert chunked["runs"] == whole["runs"] and chunked["trajectories"] == whole["trajectories"]
    assert [run["production_ps"] for run in whole["runs"]] == [0.2, 0.2]  # 100 steps of 2 fs, extension included


def _glass_files(folder: Path) -> dict[str, Any]:
    record = json.loads((folder / "glass.json").read_text())
    for varies in ("cpu_s", "wall_s", "folder"):
        record.pop(varies)
    return {"record": record, **{name: (folder / name).read_bytes() for name in ("glass.extxyz", "melt.extxyz")}}


def test_a_glass_cell_killed_after_its_anneal_resumes_there_and_comes_out_the_same(tmp_path: Path) -> None:
    from oracles.atomistic.structures import build_amorphous

    packing = build_amorphous(LI_GLASS, target_atoms=PRESET.target_atoms, rng=np.random.default_rng([0, 1]))
    home = packing.get_positions()  # where the glass protocol's own packing puts the atoms
    whole = Spring(home)
    make_glass_cell(LI_GLASS, calculator=whole, preset=PRESET, seed=0, workdir=tmp_path / "unbroken",
                    preset_name="smoke")
    unbroken = _glass_files(glass_folder(tmp_path / "unbroken", LI_GLASS.formula, "smoke", PRESET.potential, 0))

    workdir = tmp_path / "killed"
    folder = glass_folder(workdir, LI_GLASS.formula, "smoke", PRESET.potential, 0)
    with pytest.raises(Killed):  # melt 15 + anneal 10 steps, then killed in the quench
        make_glass_cell(LI_GLASS, calculator=Spring(home, kill_after=whole.calls - 8), preset=PRESET, seed=0,
                        workdir=workdir, preset_name="smoke")
    assert json.loads((folder / "partial" / "state.json").read_text())["record"]["stages_done"] >= 2
    assert cell_progress([workdir], LI_GLASS, "smoke", PRESET.potential, 0).startswith("glass under way: ")
    again = Spring(home)
    cell = make_glass_cell(LI_GLASS, calculator=again, preset=PRESET, seed=0, workdir=workdir, preset_name="smoke")
    assert _glass_files(folder) == unbroken
    assert again.calls < whole.calls - 25  # neither the melt nor the anneal ran again
    assert cell.cpu_s > 0 and not (folder / "partial").exists()


def test_a_tg_cooling_killed_between_holds_resumes_at_the_next_hold(glass: GlassCell, tmp_path: Path) -> None:
    from oracles.mlmd.saved_md import SavedMD
    from oracles.mlmd.tg import glass_transition

    def cool(calculator: Spring, folder: Path) -> tuple[dict[str, Any], str]:
        folder.mkdir(exist_ok=True)
        writer = ArtifactWriter(folder)
        result = glass_transition(glass, calculator=calculator, preset=PRESET, rng=np.random.default_rng(3),
                                  writer=writer, seed=0, n_bootstrap=20,
                                  saved=SavedMD(folder / "tg.partial", KEY, "the Tg cooling"))
        return ({k: v for k, v in asdict(result).items() if k not in ("cpu_s", "wall_s")},
                str(writer.records["tg_cooling"]["sha256"]))

    home = glass.melt.get_positions()
    whole = Spring(home)
    unbroken = cool(whole, tmp_path / "unbroken")
    assert len(unbroken[0]["volumes_A3"]) == 5  # 5 holds of 6 steps
    with pytest.raises(Killed):  # killed in the last hold
        cool(Spring(home, kill_after=whole.calls - 4), tmp_path / "killed")
    saved = json.loads((tmp_path / "killed" / "tg.partial" / "state.json").read_text())["record"]
    assert len(saved["volumes"]) == 4
    again = Spring(home)
    assert cool(again, tmp_path / "killed") == unbroken
    assert again.calls < 10 and not (tmp_path / "killed" / "tg.partial").exists()


def test_a_cells_temperatures_run_in_separate_processes_give_the_cell_an_unbroken_run_gives(
        glass: GlassCell, tmp_path: Path) -> None:
    from oracles.mlmd.workflow import run_cell_temperatures, run_seed

    def cell(workdir: Path) -> Path:  # the module's glass, filed as the cell's
        save_glass_cell(dataclasses.replace(glass, folder=str(glass_folder(
            workdir, LI_GLASS.formula, "smoke", PRESET.potential, 0))), PRESET)
        return workdir

    def costless(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in run.items() if k not in ("wall_s", "cpu_s")} for run in runs]

    args: dict[str, Any] = {"preset": PRESET, "seed": 0, "preset_name": "smoke", "potential_label": "spring"}
    conductivity = frozenset({"conductivity"})
    unbroken = run_seed(LI_GLASS, calculator=_spring(glass), workdir=cell(tmp_path / "unbroken"),
                        compute=conductivity, **args)
    split = cell(tmp_path / "split")
    folder = glass_folder(split, LI_GLASS.formula, "smoke", PRESET.potential, 0).parent
    for T in PRESET.temperatures_K:  # one process each; the coldest first, unlike the unbroken run
        run_cell_temperatures(LI_GLASS, [T], calculator=_spring(glass), workdir=split, **args)
        assert (folder / f"conductivity-{T:.0f}K.json").is_file()
        assert len(list(folder.glob("conductivity-*K.json"))) == PRESET.temperatures_K.index(T) + 1
    with pytest.raises(ValueError, match=r"\[123.0\] K not among the preset's temperatures"):
        run_cell_temperatures(LI_GLASS, [123.0], calculator=_spring(glass), workdir=split, **args)
    read_back = run_seed(LI_GLASS, calculator=_spring(glass, kill_after=0), workdir=split, compute=conductivity,
                         **args)  # kill_after=0: any MD raises
    assert read_back.error is None and unbroken.error is None
    assert costless(read_back.runs) == costless(unbroken.runs) and read_back.drift == unbroken.drift


def test_a_temperature_another_process_is_running_is_waited_for_then_read_back(glass: GlassCell,
                                                                               tmp_path: Path) -> None:
    import logging
    import shutil
    import threading

    from oracles.files import exclusive_lock

    unbroken = _run(glass, tmp_path / "unbroken", _spring(glass))
    folder = tmp_path / "shared"
    folder.mkdir()
    waiting = threading.Event()

    class Waiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "another process is making this cell" in record.getMessage():
                waiting.set()

    handler, lock_logger = Waiting(), logging.getLogger("oracles.mlmd.cell_lock")
    lock_logger.addHandler(handler)
    lock_logger.setLevel(logging.INFO)
    outcome: dict[str, Any] = {}

    def second() -> None:  # any MD raises: it may only read what the first process saved
        try:
            outcome["result"] = _run(glass, folder, _spring(glass, kill_after=0))
        except BaseException as err:  # Killed too: the test fails here, not silently in the thread
            outcome["error"] = err

    try:
        with exclusive_lock(folder / "conductivity-900K.lock", holder="the first process", on_busy=lambda _: None):
            thread = threading.Thread(target=second)
            thread.start()
            assert waiting.wait(timeout=60), "the second process did not wait for the temperature's lock"
            for saved in (tmp_path / "unbroken").glob("conductivity-*K.json"):  # the first one finishes
                shutil.copy(saved, folder)
        thread.join(timeout=60)
    finally:
        lock_logger.removeHandler(handler)
        lock_logger.setLevel(logging.NOTSET)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["result"]["runs"] == unbroken["runs"]

"""A report reads a cell from its saved stages as soon as they are all on disk, without MD, without
writing, and without waiting for a process still running one of them."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from oracles.files import exclusive_lock
from oracles.mlmd.glass import GlassCell, glass_folder, save_glass_cell
from oracles.mlmd.saved_cell import saved_cell
from oracles.mlmd.workflow import SeedOutcome, run_cell_temperatures, run_seed

from .spring_md import LI_GLASS, PRESET, Spring

ARGS: dict[str, Any] = {"preset": PRESET, "seed": 0, "preset_name": "smoke"}


pytestmark = pytest.mark.usefixtures("small_chunks")  # fixtures: conftest.py


def _filed(glass: GlassCell, workdir: Path) -> Path:
    """The module's glass filed as cell 0 of ``workdir``; returns the cell's folder."""
    folder = glass_folder(workdir, LI_GLASS.formula, "smoke", PRESET.potential, 0)
    save_glass_cell(dataclasses.replace(glass, folder=str(folder)), PRESET)
    return folder.parent


def _temperature(glass: GlassCell, workdir: Path, T_K: float) -> None:
    run_cell_temperatures(LI_GLASS, [T_K], calculator=Spring(glass.atoms.get_positions()), workdir=workdir,
                          potential_label="spring", **ARGS)


def _costless(outcome: SeedOutcome) -> list[dict[str, Any]]:
    return [{k: v for k, v in run.items() if k not in ("wall_s", "cpu_s")} for run in outcome.runs]


def test_a_cell_is_read_once_every_stage_is_saved_as_the_campaign_would_assemble_it(glass: GlassCell,
                                                                                     tmp_path: Path) -> None:
    assert saved_cell(LI_GLASS, workdir=tmp_path, **ARGS) is None  # nothing yet
    folder = _filed(glass, tmp_path)
    assert saved_cell(LI_GLASS, workdir=tmp_path, **ARGS) is None  # the glass alone
    hottest, *colder = sorted(PRESET.temperatures_K, reverse=True)
    _temperature(glass, tmp_path, hottest)
    assert colder and saved_cell(LI_GLASS, workdir=tmp_path, **ARGS) is None  # not every temperature
    for T in colder:
        _temperature(glass, tmp_path, T)
    read = saved_cell(LI_GLASS, workdir=tmp_path, **ARGS)  # any force call would raise: no MD
    assert read is not None and read.error is None
    assert not (folder / "outcome-conductivity.json").exists()  # a reader writes nothing
    assembled = run_seed(LI_GLASS, calculator=Spring(glass.atoms.get_positions(), kill_after=0), workdir=tmp_path,
                         compute=frozenset({"conductivity"}), potential_label="spring", **ARGS)
    assert assembled.error is None and (folder / "outcome-conductivity.json").is_file()
    assert _costless(read) == _costless(assembled) and read.drift == assembled.drift
    assert read.cpu_s_by_stage == assembled.cpu_s_by_stage  # each stage's cost, as recorded where it was made


def test_a_temperature_saved_under_other_settings_is_not_read(glass: GlassCell, tmp_path: Path) -> None:
    folder = _filed(glass, tmp_path)
    for T in PRESET.temperatures_K:
        _temperature(glass, tmp_path, T)
    saved = folder / f"conductivity-{min(PRESET.temperatures_K):.0f}K.json"
    record = json.loads(saved.read_text())
    record["key"]["glass_sha256"] = "another glass"
    saved.write_text(json.dumps(record))
    assert saved_cell(LI_GLASS, workdir=tmp_path, **ARGS) is None


def test_a_temperature_another_process_is_running_is_not_waited_for(glass: GlassCell, tmp_path: Path) -> None:
    folder = _filed(glass, tmp_path)
    running, *others = sorted(PRESET.temperatures_K)
    for T in others:
        _temperature(glass, tmp_path, T)
    answer: list[SeedOutcome | None] = []
    with exclusive_lock(folder / f"conductivity-{running:.0f}K.lock", holder="the campaign", on_busy=lambda _: None):
        reader = threading.Thread(target=lambda: answer.append(saved_cell(LI_GLASS, workdir=tmp_path, **ARGS)))
        reader.start()
        reader.join(timeout=60)
        assert not reader.is_alive(), "the reader waited for the running temperature"
    assert answer == [None]

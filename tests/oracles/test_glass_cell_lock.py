"""One maker per glass cell: a second asker waits for the first and reads its cell (no MD run twice)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from ase import Atoms
from ase.calculators.calculator import Calculator

from oracles import Composition
from oracles.mlmd.cell_lock import cell_lock
from oracles.mlmd.glass import GlassCell, glass_folder, load_glass_cell, make_glass_cell, save_glass_cell
from oracles.mlmd.presets import PRESETS

LI_GLASS = Composition("Li", 1.0, 0.75)


class Poison(Calculator):
    """Any force call fails the test: the waiting asker must not run MD."""

    implemented_properties = ["energy", "forces", "stress"]

    def calculate(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("made a cell that another process was making")


def _cell(folder: Path) -> GlassCell:
    atoms = Atoms("LiCl", positions=[(0, 0, 0), (2.5, 0, 0)], cell=[5, 5, 5], pbc=True)
    network = {"al_cn": 4.0, "bridging_o": 0.8}
    return GlassCell(formula=LI_GLASS.formula, seed=0, atoms=atoms, melt=atoms.copy(), density_g_cm3=1.9,
                     density_sd_g_cm3=0.01, mobile_ions_per_A3=0.01, pressure_GPa=0.0, pressure_sd_GPa=0.1,
                     anneal_density_g_cm3=1.8, network=network, melt_network_halves=(network, network),
                     settled=True, quench_T_K=(750.0, 300.0), quench_volume_A3=(125.0, 120.0), simulated_ps=1.0,
                     folder=str(folder), potential="chgnet")


def test_a_second_asker_waits_and_reads_the_cell_the_first_made(tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    preset = PRESETS["smoke"]
    folder = glass_folder(tmp_path, LI_GLASS.formula, "smoke", preset.potential, 0)
    waiting = threading.Event()

    class Signal(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting for it" in record.getMessage():
                waiting.set()

    handler = Signal()
    logging.getLogger("oracles.mlmd.cell_lock").addHandler(handler)
    caplog.set_level(logging.INFO, logger="oracles.mlmd.cell_lock")
    got: list[GlassCell] = []
    errors: list[BaseException] = []

    def second_asker() -> None:
        try:
            got.append(make_glass_cell(LI_GLASS, calculator=Poison(), preset=preset, seed=0, workdir=tmp_path,
                                       preset_name="smoke"))
        except BaseException as err:
            errors.append(err)

    try:
        with cell_lock(folder):  # the first asker is making the cell
            asker = threading.Thread(target=second_asker)
            asker.start()
            assert waiting.wait(timeout=30), "the second asker did not wait for the lock"
            save_glass_cell(_cell(folder), preset)
        asker.join(timeout=60)
    finally:
        logging.getLogger("oracles.mlmd.cell_lock").removeHandler(handler)
    assert not errors, errors
    assert [c.density_g_cm3 for c in got] == [1.9]


def test_a_cell_record_is_written_whole(tmp_path: Path) -> None:
    preset = PRESETS["smoke"]
    folder = glass_folder(tmp_path, LI_GLASS.formula, "smoke", preset.potential, 0)
    save_glass_cell(_cell(folder), preset)
    assert sorted(p.name for p in folder.iterdir()) == ["glass.extxyz", "glass.json", "melt.extxyz"]  # no temp left
    loaded = load_glass_cell(folder, preset)
    assert loaded is not None and loaded.settled and loaded.quench_T_K == (750.0, 300.0)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    from oracles.files import write_atomically

    path = tmp_path / "outcome.json"
    write_atomically(path, '{"old": 1}')
    with pytest.raises(TypeError):
        write_atomically(path, None)  # type: ignore[arg-type]
    assert path.read_text() == '{"old": 1}' and [p.name for p in tmp_path.iterdir()] == ["outcome.json"]


def test_a_moved_or_cloned_cell_says_where_it_is_now(tmp_path: Path) -> None:
    preset = PRESETS["smoke"]
    made = glass_folder(tmp_path / "there", LI_GLASS.formula, "smoke", preset.potential, 0)
    save_glass_cell(_cell(made), preset)
    moved = tmp_path / "here" / "glass"
    moved.parent.mkdir()
    made.rename(moved)
    loaded = load_glass_cell(moved, preset)
    assert loaded is not None and loaded.folder == str(moved)  # the oracles read and write beside it

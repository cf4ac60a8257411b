"""The validation's Arrhenius plot reads each cell's saved temperatures and draws what the oracle fits."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from benchmarks.mlmd_validation_plot import arrhenius_figure, draw_panel, read_cell
from oracles.mlmd.fits import K_B_EV_K, T_30C_K, nernst_einstein_log10_sigma

EA_EV = 0.3
IONS_PER_A3 = 0.008


def _cell(folder: Path, temperatures: dict[float, bool]) -> Path:
    """A cell folder with its glass and one saved temperature per (T in K, diffusive)."""
    (folder / "glass").mkdir(parents=True)
    (folder / "glass" / "glass.json").write_text(json.dumps({"mobile_ions_per_A3": IONS_PER_A3}))
    for T, diffusive in temperatures.items():
        d = 1e-3 * math.exp(-EA_EV / (K_B_EV_K * T))
        run = {"diffusion": {"T_K": T, "D_cm2_s": d, "ln_D_std": 0.3, "diffusive": diffusive}}
        (folder / f"conductivity-{T:.0f}K.json").write_text(json.dumps({"run": run}))
    return folder


def test_a_cell_is_read_from_its_saved_temperatures(tmp_path: Path) -> None:
    cell = read_cell(_cell(tmp_path / "s0", {850.0: True, 550.0: False}), 0)
    assert cell is not None
    assert sorted(cell.T_K) == [550.0, 850.0] and cell.diffusive[cell.T_K.index(550.0)] is False
    assert read_cell(tmp_path / "not-started", 1) is None


def test_the_panel_extrapolates_through_the_diffusive_temperatures_only(tmp_path: Path) -> None:
    cell = read_cell(_cell(tmp_path / "s0", {850.0: True, 750.0: True, 650.0: True, 550.0: False}), 0)
    assert cell is not None
    cell.ln_D[cell.T_K.index(550.0)] -= 5.0  # far off the line: a fit that used it would bend
    ax = Figure().subplots()
    draw_panel(ax, "LiAlCl2.5O0.75", [cell], combined=(-2.5, 0.4), measured=-2.82)
    dashed = next(line for line in ax.get_lines() if line.get_linestyle() == "--")
    x, y = (np.asarray(a, dtype=float) for a in dashed.get_data())
    assert x[-1] == 1000.0 / T_30C_K
    expected = nernst_einstein_log10_sigma(math.log(1e-3) - EA_EV / (K_B_EV_K * T_30C_K), IONS_PER_A3, T_30C_K)
    assert abs(y[-1] - expected) < 1e-9
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("Ea 0.30 +- " in t and "eV (3 T)" in t for t in labels) and any("measured -2.82" in t for t in labels)
    assert any("oracle, 1 cells: -2.50 +- 0.40" in t for t in labels)


def test_the_figure_is_written_only_when_some_cell_has_a_temperature(tmp_path: Path) -> None:
    empty = read_cell(_cell(tmp_path / "s0", {}), 0)
    assert empty is not None
    arrhenius_figure([("LiAlCl2.5O0.75", [empty], None, -2.82)], tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
    cell = read_cell(_cell(tmp_path / "s1", {850.0: True}), 1)
    assert cell is not None
    arrhenius_figure([("LiAlCl2.5O0.75", [cell], None, -2.82), ("NaAlCl2.5O0.75", [], None, -2.88)],
                     tmp_path / "one.png")
    assert (tmp_path / "one.png").read_bytes()[:4] == b"\x89PNG"


def test_a_cell_with_too_few_diffusive_temperatures_is_not_extrapolated_and_a_failure_is_shown(tmp_path: Path) -> None:
    cell = read_cell(_cell(tmp_path / "s1", {850.0: True, 750.0: False, 650.0: False, 550.0: True}), 1)
    assert cell is not None
    ax = Figure().subplots()
    draw_panel(ax, "LiAlCl3O0.5", [cell], combined=None, measured=None, failure="seed 1: 2 of 4 not diffusive")
    assert [line.get_linestyle() for line in ax.get_lines() if len(line.get_xdata()) > 1] == ["-"]  # no dashes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("(2 T, too few)" in t for t in labels)
    assert any(t.get_text().startswith("oracle: no value at this fidelity") and "2 of 4" in t.get_text()
               for t in ax.texts)

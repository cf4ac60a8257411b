"""Arrhenius plots of the ML-MD validation: what each cell measured, what the oracle extrapolated.

One panel per composition: log10 sigma (S/cm) against 1000/T. Each temperature a cell has finished
(its ``conductivity-<T>K.json``, so a cell still running shows what it has) is a point with its
kinisi error bar, filled when the run was diffusive and open when it was left out; each cell's
Arrhenius line through its diffusive temperatures runs on, dashed, to 30 degC where it has as many
of them as the oracle needs. The combined evaluation (when enough cells have finished) is a black
diamond at 30 degC with its std, or a box says why the oracle gives no value, and the
measured conductivity (Dai et al., Nat. Energy 2023) a red star. Every point uses the 300 K glass's
mobile-ion density, as the oracle's extrapolation does.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from oracles.mlmd.fits import T_30C_K, ArrheniusFit, fit_arrhenius, nernst_einstein_log10_sigma
from oracles.mlmd.glass import glass_folder
from oracles.mlmd.presets import MIN_DIFFUSIVE_TEMPERATURES


@dataclass
class CellPoints:
    """The finished temperatures of one cell, read from its checkpoints."""

    seed: int
    ions_per_A3: float
    T_K: list[float] = field(default_factory=list)
    ln_D: list[float] = field(default_factory=list)
    ln_D_std: list[float] = field(default_factory=list)
    diffusive: list[bool] = field(default_factory=list)

    def log10_sigma(self, T_K: float, ln_D: float) -> float:
        return nernst_einstein_log10_sigma(ln_D, self.ions_per_A3, T_K)

    def diffusive_fit(self, min_temperatures: int) -> tuple[ArrheniusFit, list[float]] | None:
        """The Arrhenius fit through the diffusive temperatures and those temperatures (K), or None
        with fewer than ``min_temperatures`` of them."""
        use = [i for i, ok in enumerate(self.diffusive) if ok]
        if len(use) < min_temperatures:
            return None
        temperatures = [self.T_K[i] for i in use]
        return fit_arrhenius(temperatures, [self.ln_D[i] for i in use], [self.ln_D_std[i] for i in use]), temperatures


def read_cell(folder: Path, seed: int) -> CellPoints | None:
    """The temperatures saved in one cell's folder, or None before its glass exists."""
    glass = folder / "glass" / "glass.json"
    if not glass.is_file():
        return None
    cell = CellPoints(seed, float(json.loads(glass.read_text())["mobile_ions_per_A3"]))
    for path in sorted(folder.glob("conductivity-*K.json")):
        d = json.loads(path.read_text())["run"]["diffusion"]
        cell.T_K.append(float(d["T_K"]))
        cell.ln_D.append(math.log(d["D_cm2_s"]))
        cell.ln_D_std.append(float(d["ln_D_std"]))
        cell.diffusive.append(bool(d["diffusive"]))
    return cell


def read_cells(workdirs: list[Path], formula: str, preset: str, potential: str, seeds: list[int]) -> list[CellPoints]:
    cells = []
    for seed in seeds:
        for workdir in workdirs:
            cell = read_cell(glass_folder(workdir, formula, preset, potential, seed).parent, seed)
            if cell is not None:
                cells.append(cell)
                break
    return cells


def draw_panel(ax: Axes, formula: str, cells: list[CellPoints], combined: tuple[float, float] | None,
               measured: float | None, failure: str | None = None) -> None:
    """One composition: each cell's temperatures and fit, extrapolated to 30 degC only where the oracle
    could use it; the oracle's value, or ``failure`` (why it gives none), and the measured value."""
    x30 = 1000.0 / T_30C_K
    for i, cell in enumerate(cells):
        color = f"C{i}"
        for T, ln_d, sd, ok in zip(cell.T_K, cell.ln_D, cell.ln_D_std, cell.diffusive):
            ax.errorbar(1000.0 / T, cell.log10_sigma(T, ln_d), yerr=sd / math.log(10.0), fmt="o", color=color,
                        mfc=color if ok else "white", capsize=2)
        label = f"cell s{cell.seed}"
        fitted = cell.diffusive_fit(2)
        if fitted is not None:
            fit, used = fitted
            low = min(used)
            usable = len(used) >= MIN_DIFFUSIVE_TEMPERATURES  # else no value: nothing to extrapolate
            for T_from, T_to, style in ((max(cell.T_K), low, "-"), (low, T_30C_K, "--"))[:2 if usable else 1]:
                line = np.linspace(T_from, T_to, 30)
                ax.plot(1000.0 / line, [cell.log10_sigma(t, fit.ln_D(t)[0]) for t in line], style, color=color, lw=1)
            label += f": Ea {fit.ea_eV:.2f} +- {fit.ea_std_eV:.2f} eV ({len(used)} T{'' if usable else ', too few'})"
        ax.plot([], [], "o-", color=color, label=label)
    if combined is not None:
        ax.errorbar(x30, combined[0], yerr=combined[1], fmt="D", color="black", capsize=4,
                    label=f"oracle, {len(cells)} cells: {combined[0]:.2f} +- {combined[1]:.2f}")
    if measured is not None:
        ax.plot(x30, measured, "*", color="red", ms=14, label=f"measured {measured:.2f} (Dai et al. 2023)")
    ax.plot([], [], "o", color="grey", mfc="white", label="not diffusive (left out)")
    if failure is not None:
        ax.text(0.97, 0.97, "oracle: no value at this fidelity\n" + textwrap.fill(failure, 48), transform=ax.transAxes,
                ha="right", va="top", fontsize=7, bbox={"facecolor": "white", "edgecolor": "grey"})
    ax.set_title(formula)
    ax.set_xlabel("1000 / T (1/K)")
    ax.set_ylabel("log10 sigma (S/cm)")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(alpha=0.3)


#: (formula, cells, combined (log10 sigma, std) or None, measured log10 sigma or None), S/cm
Panel = tuple[str, list[CellPoints], tuple[float, float] | None, float | None]


def arrhenius_figure(panels: list[Panel], path: Path, failures: Mapping[str, str] | None = None) -> None:
    """Write one panel per (formula, cells, combined (value, std) or None, measured or None) to ``path``;
    ``failures``: why the oracle gives no value, by formula."""
    shown = [p for p in panels if any(c.T_K for c in p[1])]
    if not shown:
        return
    fig = Figure(figsize=(5.5 * len(shown), 4.5), layout="constrained")
    for ax, (formula, cells, combined, measured) in zip(fig.subplots(1, len(shown), squeeze=False)[0], shown):
        draw_panel(ax, formula, cells, combined, measured, (failures or {}).get(formula))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)

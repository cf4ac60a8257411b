"""Annealed glass cells made by melt-quench MD with the potential finding the density (NPT).

`make_glass_cells` is the one entry point other oracles use (the hull oracle takes these cells for
its glass energies). Each cell is written to ``workdir/<formula>-<preset>-<potential>-s<seed>/glass/``
(extended XYZ plus ``glass.json``) and reused from there when the protocol fields that made it
(`MDPreset.glass_key`) match, so a cell is never computed twice; a cell whose making was stopped
resumes at its last finished stage (`melt_quench`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..composition import Composition
from .cell_lock import cell_lock
from .glass_cell import GlassCell, load_glass_cell, save_glass_cell
from .melt_quench import build_glass_cell
from .presets import MDPreset

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

__all__ = ["GlassCell", "glass_folder", "load_glass_cell", "make_glass_cell", "make_glass_cells", "save_glass_cell"]

logger = logging.getLogger(__name__)


def glass_folder(workdir: Path, formula: str, preset_name: str, potential: str, seed: int) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{formula}-{preset_name}-{potential}-s{seed}")
    return workdir / safe / "glass"


def make_glass_cells(comp: Composition, *, calculator: Calculator, preset: MDPreset, seeds: Sequence[int],
                     workdir: Path, preset_name: str = "custom", potential_label: str = "",
                     reuse: bool = True) -> list[GlassCell]:
    """One annealed glass cell per seed, made (or, with ``reuse``, read back from ``workdir``) with ``calculator``.

    ``calculator`` must be the potential named by ``preset.potential`` for reuse to be right: cells
    are filed under that name. Raises `MDGuardError` when a run goes unphysical (the message names
    the stage).
    """
    return [make_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, workdir=workdir,
                            preset_name=preset_name, potential_label=potential_label, reuse=reuse) for seed in seeds]


def make_glass_cell(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, workdir: Path,
                    preset_name: str = "custom", potential_label: str = "", reuse: bool = True) -> GlassCell:
    """See `make_glass_cells`; one seed. With ``reuse``, one process at a time makes a given cell."""
    folder = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed)
    if not reuse:
        return build_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, folder=folder,
                                potential_label=potential_label, resume=False)
    with cell_lock(folder):
        cached = load_glass_cell(folder, preset)
        if cached is not None:
            logger.info("%s: glass cell seed %d read from %s", comp.formula, seed, folder)
            return cached
        return build_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, folder=folder,
                                potential_label=potential_label, resume=True)

"""A cell's conductivity outcome read from its saved stages alone, before its campaign assembles it.

A campaign assembles a composition's cells only when all of them are done, which takes days for
the validation; a report can read each cell as soon as its glass and every temperature are saved.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ase.calculators.calculator import Calculator

from ..composition import Composition
from .artifacts import sha256_of
from .conductivity import read_saved_temperature
from .glass import glass_folder
from .glass_cell import load_glass_cell
from .workflow import SeedOutcome, conductivity_key, run_seed

if TYPE_CHECKING:
    from .presets import MDPreset

logger = logging.getLogger(__name__)

COMPUTE = frozenset({"conductivity"})


class SavedStagesOnly(Calculator):
    """Stands in for the potential when every stage is saved: a force call means one was not."""

    implemented_properties = ["energy", "forces", "stress"]

    def calculate(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("a stage that should have been saved asked for MD")


def saved_cell(comp: Composition, *, preset: MDPreset, seed: int, workdir: Path,
               preset_name: str) -> SeedOutcome | None:
    """The conductivity outcome of one cell as `run_seed` makes it, read from its saved glass and
    temperatures without running MD, or None while any of them is not saved under the cell's
    settings. Writes nothing: the campaign assembles and saves the cell itself.

    Never waits for a process running the cell: it reads only once every stage is on disk.
    """
    glass_dir = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed)
    glass = load_glass_cell(glass_dir, preset)
    if glass is None:
        return None
    key = conductivity_key(preset, sha256_of(glass_dir / "glass.extxyz"))
    missing = [T for T in preset.temperatures_K
               if read_saved_temperature(glass_dir.parent / f"conductivity-{T:.0f}K.json", key) is None]
    if missing:
        return None
    outcome = run_seed(comp, calculator=SavedStagesOnly(), preset=preset, seed=seed, workdir=workdir,
                       preset_name=preset_name, compute=COMPUTE, potential_label="", save=False)
    if outcome.error is not None:  # a stage changed on disk between the check and the read
        logger.warning("%s seed %d: saved stages could not be read back: %s", comp.formula, seed, outcome.error)
        return None
    return outcome

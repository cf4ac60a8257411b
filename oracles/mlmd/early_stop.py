"""Stop a composition's queued MD once it can no longer give a conductivity.

A cell gives a conductivity only with `MIN_DIFFUSIVE_TEMPERATURES` diffusive temperatures, and a
composition only with ``min(2, seeds)`` such cells (`assemble`). A temperature saved as not
diffusive is final (it was extended as far as the preset allows), so once too many of a cell's
temperatures are not diffusive, and too few cells are left, the composition is a `Failure` whatever
its other temperatures give: running them would spend hours on a known answer. The coldest
temperatures, the likeliest not to be diffusive, run first (`processes.chained`), so this is known early.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from ..composition import Composition
from .glass import glass_folder
from .presets import MIN_DIFFUSIVE_TEMPERATURES, MDPreset

#: The error of a cell whose MD was not finished because its composition could no longer give a value.
NOT_FINISHED = "not finished: stopped once fewer than {needed} cells of {formula} could give a conductivity"


class Viability:
    """What the finished temperatures say of each composition of a batch: can it still give a conductivity?"""

    def __init__(self, cells: Sequence[tuple[Composition, int]], preset: MDPreset) -> None:
        self.n_temperatures = len(preset.temperatures_K)
        self.needed = min(2, preset.seeds)  # as `assemble` asks
        self.seeds: dict[str, list[int]] = defaultdict(list)
        for comp, seed in cells:
            self.seeds[comp.formula].append(seed)
        self.not_diffusive: dict[tuple[str, int], set[float]] = defaultdict(set)

    def record(self, formula: str, seed: int, future: Future[Any]) -> None:
        """Note the temperatures a finished job ran or read back (a failed job says nothing)."""
        if future.exception() is None:
            self.record_runs(formula, seed, future.result())

    def record_runs(self, formula: str, seed: int, runs: Sequence[dict[str, Any]]) -> None:
        """Note finished temperatures (`TemperatureRun` as dicts), also ones saved by an earlier run."""
        for run in runs:
            if not run["diffusion"]["diffusive"]:
                self.not_diffusive[formula, seed].add(float(run["diffusion"]["T_K"]))

    def cell_lost(self, formula: str, seed: int) -> str | None:
        """Why this cell can no longer give a conductivity, or None."""
        bad = sorted(self.not_diffusive[formula, seed])
        possible = self.n_temperatures - len(bad)
        if possible >= MIN_DIFFUSIVE_TEMPERATURES:
            return None
        return (f"{len(bad)} of {self.n_temperatures} temperatures not diffusive ({', '.join(f'{T:.0f}' for T in bad)}"
                f" K), so at most {possible} can be ({MIN_DIFFUSIVE_TEMPERATURES} needed)")

    def stopped(self, formula: str) -> bool:
        """Whether fewer than the needed cells of ``formula`` can still give a conductivity."""
        seeds = self.seeds[formula]
        return len(seeds) - sum(self.cell_lost(formula, s) is not None for s in seeds) < self.needed

    def cell_error(self, formula: str, seed: int) -> str:
        """The error a cell of a stopped composition reports."""
        return self.cell_lost(formula, seed) or NOT_FINISHED.format(needed=self.needed, formula=formula)


def saved_runs(workdir: Path, comp: Composition, seed: int, *, preset: MDPreset, preset_name: str
               ) -> list[dict[str, Any]]:
    """The temperatures of one cell saved under its glass and ``preset`` (read, not run; as dicts)."""
    from dataclasses import asdict

    from .artifacts import sha256_of
    from .conductivity import read_saved_temperature
    from .workflow import conductivity_key

    glass = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed)
    if not (glass / "glass.extxyz").is_file():
        return []
    key = conductivity_key(preset, sha256_of(glass / "glass.extxyz"))
    saved = [read_saved_temperature(glass.parent / f"conductivity-{T:.0f}K.json", key) for T in preset.temperatures_K]
    return [asdict(done[0]) for done in saved if done is not None]

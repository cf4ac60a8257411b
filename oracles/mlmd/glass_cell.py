"""An annealed glass cell (one seed) as data: what it is, how it was made, and its files.

Saved as ``glass.extxyz`` (the glass), ``melt.extxyz`` (the annealed melt) and ``glass.json`` (the
rest, with the glass protocol's fields); read back only when those fields match.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..files import write_atomically
from .presets import MDPreset

if TYPE_CHECKING:
    from ase import Atoms


@dataclass(frozen=True)
class GlassCell:
    """One annealed glass cell (one seed) and how it was made.

    Attributes:
        formula: the realised formula per Al of the cell.
        seed: the seed that made it (random packing, velocities, thermostat noise).
        atoms: the glass at ``quench_end_K`` after NPT equilibration (velocities kept).
        melt: the NPT-annealed melt at ``anneal_T_K`` (the start of the Tg cooling).
        density_g_cm3, density_sd_g_cm3: mean and sd over the NPT equilibration at ``quench_end_K``.
        mobile_ions_per_A3: number density of the M ions at that mean density, 1/Angstrom^3.
        pressure_GPa, pressure_sd_GPa: the same for the instantaneous pressure (target 0 GPa).
        anneal_density_g_cm3: mean density of the second half of the anneal (the melt), g/cm3.
        network: Al coordination and O bridging in the glass (`network.network_diagnostics`).
        melt_network_halves: the same for the first and the second half of the anneal.
        settled: the density and bridging-O fraction agree between the anneal's halves.
        quench_T_K, quench_volume_A3: mean volume at each quench block (V(T) of the quench).
        simulated_ps: MD time spent making this cell, ps.
        folder: where the cell files are.
        potential: label of the potential that made it.
        wall_s, cpu_s: wall-clock and CPU seconds (all threads) of the process while making the cell;
            0 for a cell made before they were recorded.
    """

    formula: str
    seed: int
    atoms: Atoms
    melt: Atoms
    density_g_cm3: float
    density_sd_g_cm3: float
    mobile_ions_per_A3: float
    pressure_GPa: float
    pressure_sd_GPa: float
    anneal_density_g_cm3: float
    network: dict[str, float]
    melt_network_halves: tuple[dict[str, float], dict[str, float]]
    settled: bool
    quench_T_K: tuple[float, ...]
    quench_volume_A3: tuple[float, ...]
    simulated_ps: float
    folder: str
    potential: str
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready description (no structures)."""
        record = asdict(self)
        for key in ("atoms", "melt"):
            record.pop(key)
        return record


def save_glass_cell(cell: GlassCell, preset: MDPreset) -> None:
    from ase.io import write

    folder = Path(cell.folder)
    folder.mkdir(parents=True, exist_ok=True)
    write(folder / "glass.extxyz", cell.atoms, format="extxyz")
    write(folder / "melt.extxyz", cell.melt, format="extxyz")
    record = {"glass_key": preset.glass_key(), **cell.summary()}
    # the record last and whole: a cell without its glass.json is not there for `load_glass_cell`
    write_atomically(folder / "glass.json", json.dumps(record, indent=1))


def load_glass_cell(folder: Path, preset: MDPreset) -> GlassCell | None:
    """The cell saved in ``folder`` if it exists and was made by the same glass protocol, else None."""
    from ase.io import read

    path = folder / "glass.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text())
    if record.pop("glass_key", None) != json.loads(json.dumps(preset.glass_key())):
        return None
    atoms = read(folder / "glass.extxyz")
    melt = read(folder / "melt.extxyz")
    assert not isinstance(atoms, list) and not isinstance(melt, list)
    record["folder"] = str(folder)  # where it is now (a cloned or moved folder), not where it was made
    record["melt_network_halves"] = tuple(record["melt_network_halves"])
    record["quench_T_K"] = tuple(record["quench_T_K"])
    record["quench_volume_A3"] = tuple(record["quench_volume_A3"])
    return GlassCell(atoms=atoms, melt=melt, **record)

"""The glass energy from annealed cells: the ML-MD oracle's melt-quench (NPT) cells, each relaxed at 0 K.

One builder for both oracles: the cells come from `oracles.mlmd.glass.make_glass_cells` (imported
where it is used, so that ``oracles.hull`` -> ``oracles.mlmd`` stays one-way and importing this
module loads neither torch nor the ML-MD code). Cells are filed by that builder under
``<GlassCellSource.folder>/<formula>-<md preset>-<potential>-s<seed>/glass/`` and reused by whichever
oracle asks next with the same protocol (`MDPreset.glass_key`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..composition import Composition

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.entries.computed_entries import ComputedStructureEntry

    from ..mlmd.presets import MDPreset
    from .presets import HullPreset

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnnealedCell:
    """One annealed cell relaxed at 0 K (cell free).

    Attributes:
        seed: the seed that made the cell (ML-MD numbering).
        formula: realised formula per Al of the cell.
        n_atoms: atoms in the cell.
        energy_eV_atom: potential energy after the 0 K relaxation, eV/atom, on the potential's own scale.
        density_g_cm3: density after the 0 K relaxation, g/cm3.
        md_density_g_cm3: mean NPT density of the glass at the end of the quench (``quench_end_K``), g/cm3.
        settled: whether the melt's density and Al-O-Al network had settled during the anneal (ML-MD).
        relax_converged: whether the 0 K relaxation reached ``fmax_eV_A`` within ``max_steps``.
        reused: the cell was read back from disk (made earlier by this or another oracle), not made now.
        md_cpu_s: CPU seconds of the melt-quench MD that made the cell, by whichever run made it (0: not recorded).
        folder: where the cell's files are.
        entry: the relaxed cell as a pymatgen entry (total energy, eV).
    """

    seed: int
    formula: str
    n_atoms: int
    energy_eV_atom: float
    density_g_cm3: float
    md_density_g_cm3: float
    settled: bool
    relax_converged: bool
    reused: bool
    folder: str
    entry: ComputedStructureEntry
    md_cpu_s: float = 0.0


@dataclass(frozen=True)
class AnnealedModel:
    """The annealed cells of one composition and how they were made."""

    cells: tuple[AnnealedCell, ...]
    md_preset: str
    potential: str
    wall_s: float


def make_annealed_model(comp: Composition, *, preset: HullPreset, source: GlassCellSource, calculator: Calculator,
                        potential: str, potential_label: str) -> AnnealedModel:
    """Annealed cells of ``comp`` (one per seed of ``source``, made or reused) relaxed at 0 K with ``calculator``.

    ``calculator`` must be the potential ``source.params.potential`` (cells are filed under that name).
    Raises `oracles.mlmd.guards.MDGuardError` when a cell's MD goes unphysical.
    """
    from ..mlmd.glass import glass_folder, load_glass_cell, make_glass_cells

    start = time.perf_counter()
    md = source.params
    cells = []
    for seed in source.seeds:
        folder = glass_folder(source.folder, comp.formula, source.md_preset, md.potential, seed)
        glass = load_glass_cell(folder, md)
        reused = glass is not None
        if glass is None:
            logger.info("%s: making annealed glass cell seed %d (%s MD preset) in %s", comp.formula, seed,
                        source.md_preset, folder)
            (glass,) = make_glass_cells(comp, calculator=calculator, preset=md, seeds=[seed], workdir=source.folder,
                                        preset_name=source.md_preset, potential_label=potential_label)
        else:
            logger.info("%s: annealed glass cell seed %d reused from %s", comp.formula, seed, folder)
        cells.append(_relax_cell(glass, preset=preset, calculator=calculator, potential=potential, reused=reused,
                                 label=f"{comp.formula} s{seed}"))
    return AnnealedModel(tuple(cells), source.md_preset, potential_label or potential,
                         round(time.perf_counter() - start, 1))


def _relax_cell(glass: Any, *, preset: HullPreset, calculator: Calculator, potential: str, reused: bool,
                label: str) -> AnnealedCell:
    """Relax one `oracles.mlmd.glass.GlassCell` at 0 K, cell free, and wrap it as an entry."""
    from pymatgen.core import Structure
    from pymatgen.entries.computed_entries import ComputedStructureEntry
    from pymatgen.io.ase import AseAtomsAdaptor

    from ..atomistic.relax import relax_structure
    from ..atomistic.structures import density_of

    atoms = glass.atoms.copy()
    atoms.set_momenta(None)  # the quench's velocities are no part of a 0 K structure
    relaxed, energy_eV, converged = relax_structure(atoms, calculator, fmax_eV_A=preset.fmax_eV_A,
                                                    max_steps=preset.max_steps, relax_cell=True)
    per_atom = float(energy_eV) / len(relaxed)
    logger.info("%s: annealed cell relaxed at 0 K, %d atoms, E=%.4f eV/atom (converged=%s)", label, len(relaxed),
                per_atom, converged)
    raw = AseAtomsAdaptor.get_structure(relaxed.copy())  # type: ignore[arg-type]  # without the calculator
    structure = Structure(raw.lattice, raw.species, raw.frac_coords)
    entry = ComputedStructureEntry(structure, float(energy_eV), entry_id=f"annealed-{label.replace(' ', '-')}",
                                   parameters={"potential": potential, "energy_scale": f"mlip:{potential}"},
                                   data={"phase": f"{glass.formula} (annealed glass, seed {glass.seed})"})
    return AnnealedCell(seed=int(glass.seed), formula=str(glass.formula), n_atoms=len(relaxed), energy_eV_atom=per_atom,
                        density_g_cm3=float(density_of(relaxed)), md_density_g_cm3=float(glass.density_g_cm3),
                        settled=bool(glass.settled), relax_converged=bool(converged), reused=reused,
                        folder=str(glass.folder), entry=entry, md_cpu_s=float(glass.cpu_s))


@dataclass
class GlassCellSource:
    """Where and by which protocol an annealed hull oracle gets its glass cells.

    Attributes:
        md_preset: name of the ML-MD preset (cells are filed under it).
        params: that preset's parameters on the hull's potential, with the ``md_options`` applied.
        seeds: one cell per seed (cell i has the hull preset's ``seed + i``, as the ML-MD oracle numbers them).
        folder: where cells are read and written (the hull's workdir, or the ML-MD oracle's to share its cells).
        cells_from: the campaign's ML-MD oracle to share with (its name), None for any matching one, ``own``.
    """

    md_preset: str
    params: MDPreset
    seeds: list[int]
    folder: Path
    cells_from: str | None = None

    def protocol(self) -> tuple[str, dict[str, Any]]:
        """(ML-MD preset name, `MDPreset.glass_key`): oracles share a cell exactly when these (and the seed) agree."""
        return self.md_preset, self.params.glass_key()

    def key(self) -> str:
        """Short digest of the protocol, for result-cache keys."""
        text = json.dumps(self.protocol(), sort_keys=True, default=str)
        return f"md {self.md_preset} {hashlib.sha256(text.encode()).hexdigest()[:10]}"


def glass_cell_source(preset: HullPreset, *, potential: str, md_options: dict[str, Any] | None,
                      cells_from: str | None, folder: Path | str | None) -> GlassCellSource | None:
    """The cell source of an annealed ``preset`` (None for random packings); `OracleSetupError` on bad options.

    ``md_options`` override `MDPreset` fields by name (as on the ML-MD oracle); the potential is
    always the hull's, since the cells' energies must be on its references' scale. ``folder``
    defaults to ``./hull-artifacts``.
    """
    from ..mlmd.presets import resolve_preset
    from ..protocol import OracleSetupError

    options = dict(md_options or {})
    if cells_from is not None and not isinstance(cells_from, str):
        raise OracleSetupError(f"glass_cells_from={cells_from!r} must name an ML-MD oracle, or be 'own'")
    if not preset.annealed:
        if options or cells_from not in (None, "own"):
            raise OracleSetupError("md_options and glass_cells_from apply to annealed glass models only "
                                   "(glass_model: melt_quench, e.g. preset: annealed)")
        return None
    if "potential" in options and options["potential"] != potential:
        raise OracleSetupError(f"md_options potential={options['potential']!r}: the annealed cells are made with "
                               f"the hull's potential ({potential!r}) so that their energies share its references' "
                               "scale; set the hull's potential instead")
    try:
        params = resolve_preset(preset.md_preset, {**options, "potential": potential})
    except OracleSetupError as err:
        raise OracleSetupError(f"hull md_preset={preset.md_preset!r}: {err}") from None
    return GlassCellSource(preset.md_preset, params, [preset.seed + i for i in range(preset.cells)],
                           Path(folder) if folder is not None else Path("hull-artifacts"), cells_from)

"""The candidate's energy: random-packed model cells of the composition relaxed with the ML potential."""

from __future__ import annotations

import logging
import warnings
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..composition import Composition
from .presets import HullPreset

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.entries.computed_entries import ComputedStructureEntry

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CandidateModel:
    """The lowest-energy relaxed model of a composition.

    ``formula`` is the realised (integer-rounded) composition per Al; ``energies_eV_atom`` holds
    every model's energy, ``entry`` the lowest one as a pymatgen entry (total energy in eV).
    """

    formula: str
    n_atoms: int
    energies_eV_atom: tuple[float, ...]
    converged: bool
    entry: ComputedStructureEntry


def composition_rng(comp: Composition, seed: int) -> np.random.Generator:
    """A random stream that depends on the formula and seed only (reproducible, order independent)."""
    return np.random.default_rng([seed, zlib.crc32(comp.formula.encode())])


def relax_candidate(comp: Composition, preset: HullPreset, calculator: Calculator, *, potential: str) -> CandidateModel:
    """Build ``preset.n_models`` amorphous cells of ``comp``, relax each (cell too), keep the lowest."""
    from pymatgen.core import Structure
    from pymatgen.entries.computed_entries import ComputedStructureEntry
    from pymatgen.io.ase import AseAtomsAdaptor

    from ..atomistic.relax import relax_structure
    from ..atomistic.structures import build_amorphous

    rng = composition_rng(comp, preset.seed)
    best = None
    energies = []
    for i in range(preset.n_models):
        atoms = build_amorphous(comp, target_atoms=preset.target_atoms, rng=rng)
        with warnings.catch_warnings():
            # CHGNet converts its stress tensor with .item() on a grad-tracking tensor; harmless here.
            warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad", category=UserWarning)
            relaxed, energy_eV, converged = relax_structure(atoms, calculator, fmax_eV_A=preset.fmax_eV_A,
                                                            max_steps=preset.max_steps, relax_cell=True)
        per_atom = float(energy_eV) / len(relaxed)
        energies.append(per_atom)
        logger.info("%s model %d/%d: %d atoms, E=%.4f eV/atom (converged=%s)", comp.formula, i + 1,
                    preset.n_models, len(relaxed), per_atom, converged)
        if best is None or per_atom < best[1]:
            best = (relaxed, per_atom, float(energy_eV), converged, str(atoms.info["formula"]))
    assert best is not None
    relaxed, _, energy_eV, converged, formula = best
    raw = AseAtomsAdaptor.get_structure(relaxed.copy())  # type: ignore[arg-type]  # without the calculator
    structure = Structure(raw.lattice, raw.species, raw.frac_coords)
    entry = ComputedStructureEntry(structure, energy_eV, entry_id=f"candidate-{comp.formula}",
                                   parameters={"potential": potential, "energy_scale": f"mlip:{potential}"},
                                   data={"phase": f"{comp.formula} (model)"})
    return CandidateModel(formula, len(relaxed), tuple(energies), converged, entry)

"""Ordered substitutions: cation (and vacancy) orderings on a parent lattice, ranked by Ewald energy.

Used for reference phases whose measured coordinates are not available offline but whose
structure derives from a simple parent: beta-NaAlO2 and LiAlS2 are cation-ordered wurtzites,
alpha-Al2S3 a vacancy-ordered wurtzite, Li5AlO4 a vacancy-ordered antifluorite. The lowest
point-charge (Ewald) orderings are the ones Pauling's second rule favours; the ML relaxation of
those few then picks the lowest energy. The result approximates, not reproduces, the measured
structure, so these phases come out as stable or less stable than they really are, never more.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ase import Atoms

#: Formal charges used for the Ewald ranking.
CHARGES = {"Li": 1, "Na": 1, "Al": 3, "O": -2, "S": -2, "Cl": -1}
VACANCY = "X"


def _fillings(n_sites: int, fill: dict[str, int], n_samples: int, rng: np.random.Generator) -> list[tuple[str, ...]]:
    """All distinct assignments of ``fill`` to ``n_sites`` sites, or ``n_samples`` random ones if more."""
    pool = [el for el, n in fill.items() for _ in range(n)]
    if len(pool) != n_sites:
        raise ValueError(f"fill {fill} has {len(pool)} species for {n_sites} sites")
    total = math.factorial(n_sites) // math.prod(math.factorial(n) for n in fill.values())
    if total <= n_samples:
        return sorted(set(itertools.permutations(pool)))
    seen: set[tuple[str, ...]] = set()
    while len(seen) < n_samples:
        seen.add(tuple(rng.permutation(pool)))
    return sorted(seen)


def ewald_energy_eV(atoms: Atoms) -> float:
    """Point-charge Ewald energy (eV per cell) with the formal charges of `CHARGES`."""
    from pymatgen.analysis.ewald import EwaldSummation
    from pymatgen.io.ase import AseAtomsAdaptor

    structure = AseAtomsAdaptor.get_structure(atoms)  # type: ignore[arg-type]
    structure.add_oxidation_state_by_element({el: CHARGES[el] for el in set(atoms.get_chemical_symbols())})
    return float(EwaldSummation(structure).total_energy)


def ordered_substitutions(parent: Atoms, site: str, fill: dict[str, int], *, keep: int = 3, n_samples: int = 400,
                          seed: int = 0) -> list[Atoms]:
    """The ``keep`` lowest-Ewald orderings of ``fill`` (species -> count, "X" = vacancy) on ``site`` atoms.

    Orderings related by the parent's translations are not detected, so a few of the kept ones
    may be equivalent; that only costs a redundant relaxation.
    """
    return ordered_multi(parent, {site: fill}, keep=keep, n_samples=n_samples, seed=seed)


def ordered_multi(parent: Atoms, fills: dict[str, dict[str, int]], *, keep: int = 3, n_samples: int = 400,
                  seed: int = 0) -> list[Atoms]:
    """`ordered_substitutions` on several sublattices at once (``fills``: site label -> species counts).

    With one sublattice every distinct ordering is tried when there are at most ``n_samples``;
    otherwise (and always with several) ``n_samples`` random joint orderings are ranked.
    """
    rng = np.random.default_rng(seed)
    symbols0 = parent.get_chemical_symbols()
    indices = {site: [i for i, s in enumerate(symbols0) if s == site] for site in fills}
    if len(fills) == 1:
        ((site, fill),) = fills.items()
        joint = [{site: f} for f in _fillings(len(indices[site]), fill, n_samples, rng)]
    else:
        pools = {site: [el for el, n in fill.items() for _ in range(n)] for site, fill in fills.items()}
        for site, pool in pools.items():
            if len(pool) != len(indices[site]):
                raise ValueError(f"fill {fills[site]} has {len(pool)} species for {len(indices[site])} {site} sites")
        seen: set[tuple[tuple[str, ...], ...]] = set()
        for _ in range(20 * n_samples):
            seen.add(tuple(tuple(rng.permutation(pools[site])) for site in fills))
            if len(seen) >= n_samples:
                break
        joint = [dict(zip(fills, combo)) for combo in sorted(seen)]
    ranked = []
    for assignment in joint:
        atoms = parent.copy()
        symbols = list(symbols0)
        for site, filling in assignment.items():
            for i, el in zip(indices[site], filling):
                symbols[i] = el
        atoms.set_chemical_symbols(symbols)
        del atoms[[i for i, s in enumerate(symbols) if s == VACANCY]]
        ranked.append((ewald_energy_eV(atoms), atoms))
    ranked.sort(key=lambda pair: pair[0])
    return [atoms for _, atoms in ranked[:keep]]


def rocksalt(cation: str, anion: str, a: float, repeat: tuple[int, int, int]) -> Atoms:
    """Conventional rock-salt cell of ``cation``/``anion`` labels, repeated ``repeat`` times."""
    from ase.build import bulk

    return bulk(f"{cation}{anion}", "rocksalt", a=a, cubic=True).repeat(repeat)


def wurtzite(anion: str, a: float, c: float, repeat: tuple[int, int, int]) -> Atoms:
    """Orthohexagonal wurtzite (cation sites labelled "Zn") of ``anion``, repeated ``repeat`` times."""
    from ase.build import bulk, make_supercell

    cell = bulk(f"Zn{anion}", "wurtzite", a=a, c=c)
    ortho = make_supercell(cell, np.array([[1, 0, 0], [1, 2, 0], [0, 0, 1]]))
    return ortho.repeat(repeat)


def antifluorite(anion: str, a: float, repeat: tuple[int, int, int]) -> Atoms:
    """Conventional antifluorite cell (cation sites labelled "Zn") of ``anion``, repeated."""
    from ase.build import bulk

    return bulk(f"{anion}Zn2", "fluorite", a=a, cubic=True).repeat(repeat)

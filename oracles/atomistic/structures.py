"""Structure models for M-Al-Cl-O-S glasses: the crystalline references and random-packed amorphous cells.

Shared by the ML-MD oracle (starting cells for melt-quench) and the hull oracle (crystal references).
Lengths in Angstrom, densities in g/cm3, masses in g/mol.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..composition import Composition

if TYPE_CHECKING:
    from ase import Atoms

#: Measured densities of the crystalline tetrachloroaluminates, g/cm3.
CRYSTAL_DENSITY_G_CM3 = {"Li": 1.97, "Na": 1.89}

# Wyckoff data (fractional coordinates, one site per species; space-group symmetry generates Z=4).
_CRYSTALS: dict[str, dict[str, object]] = {
    "Li": {  # LiAlCl4, P2_1/c (No. 14)
        "spacegroup": 14,
        "cellpar": (7.007, 6.504, 12.995, 90.0, 93.32, 90.0),
        "sites": [
            ("Al", (0.70588, 0.32198, 0.89924)),
            ("Cl", (0.69400, 0.18329, 0.04695)),
            ("Cl", (0.80902, 0.62835, 0.92849)),
            ("Cl", (0.92580, 0.18160, 0.81372)),
            ("Cl", (0.43947, 0.31364, 0.81280)),
            ("Li", (0.15688, 0.98308, 0.36658)),
        ],
    },
    "Na": {  # NaAlCl4, P2_1 2_1 2_1 (No. 19)
        "spacegroup": 19,
        "cellpar": (9.886, 6.617, 10.322, 90.0, 90.0, 90.0),
        "sites": [
            ("Al", (0.51429, 0.20707, 0.96226)),
            ("Cl", (0.68550, 0.10957, 0.85152)),
            ("Cl", (0.33503, 0.07337, 0.87726)),
            ("Cl", (0.55257, 0.07458, 0.15367)),
            ("Cl", (0.50874, 0.55281, 0.96786)),
            ("Na", (0.71343, 0.31122, 0.37466)),
        ],
    },
}

#: Effective ionic radii (Shannon, Angstrom) used only for partial molar volumes in the density model.
_IONIC_RADIUS_A = {"Li": 0.76, "Na": 1.02, "Al": 0.535, "Cl": 1.81, "O": 1.40, "S": 1.84}
_CATIONS = frozenset({"Li", "Na", "Al"})
#: Random-packing minimum distances (Angstrom) by pair type. About 80% of typical bond lengths
#: (Al-O 1.75, Al-Cl 2.13, Li-Cl 2.4) and non-bonded contacts, so FIRE starts from moderate forces.
_MIN_PAIR_A = {"cation-anion": 1.7, "anion-anion": 2.8, "cation-cation": 2.6}
_AVOGADRO = 6.02214076e23
_CM3_PER_A3 = 1e-24


def crystal_reference(M: str) -> Atoms:
    """The measured crystal structure of LiAlCl4 (P2_1/c) or NaAlCl4 (P2_1 2_1 2_1): 24 atoms, Z = 4.

    ``atoms.info`` records ``formula``, ``density_g_cm3`` and ``source``.
    """
    from ase.spacegroup import crystal

    if M not in _CRYSTALS:
        raise ValueError(f"M={M!r}: crystal references exist for Li and Na only")
    data = _CRYSTALS[M]
    sites = data["sites"]
    assert isinstance(sites, list)
    atoms = crystal(
        symbols=[s for s, _ in sites],
        basis=[p for _, p in sites],
        spacegroup=data["spacegroup"],
        cellpar=data["cellpar"],
        symprec=1e-3,
    )
    expected = {M: 4, "Al": 4, "Cl": 16}
    counts = _count(atoms.get_chemical_symbols())
    if counts != expected:  # a wrong coordinate would merge or multiply sites
        raise RuntimeError(f"{M}AlCl4 crystal came out with {counts}, expected {expected}")
    atoms.info.update(formula=f"{M}AlCl4", density_g_cm3=density_of(atoms), source="crystal reference")
    return atoms


def integer_counts(comp: Composition, n_al: int) -> dict[str, int]:
    """Atom counts for ``n_al`` Al atoms: M, O and S rounded, Cl from exact charge balance.

    ``Cl = 3 n_Al + n_M - 2 (n_O + n_S)``; elements with zero count are left out.
    Raises ValueError if rounding leaves a negative Cl count.
    """
    if n_al < 1:
        raise ValueError(f"n_al={n_al} must be >= 1")
    n_m, n_o, n_s = (round(x * n_al) for x in (comp.m_al, comp.o_al, comp.s_al))
    n_cl = 3 * n_al + n_m - 2 * (n_o + n_s)
    if n_cl < 0:
        raise ValueError(f"{comp.formula} with {n_al} Al rounds to a negative Cl count ({n_cl})")
    counts = {comp.M: n_m, "Al": n_al, "Cl": n_cl, "O": n_o, "S": n_s}
    return {el: n for el, n in counts.items() if n > 0}


def estimate_density_g_cm3(comp: Composition) -> float:
    """Density (g/cm3) from additive ionic volumes, calibrated on the measured MAlCl4 crystal.

    Each ion's partial molar volume is taken proportional to its Shannon radius cubed; the constant
    is fixed so that MAlCl4 reproduces its measured density (LiAlCl4 1.97, NaAlCl4 1.89 g/cm3).
    Replacing 2 Cl- by one smaller O2- (or S2-) removes volume faster than mass, so oxide and
    sulfide content raise the density (LiAlCl2.5O0.75: about 2.1 g/cm3). A starting estimate
    only: the NPT stage of the ML-MD oracle relaxes it.
    """
    from ase.data import atomic_masses, atomic_numbers

    def mass(amounts: dict[str, float]) -> float:
        return sum(n * float(atomic_masses[atomic_numbers[el]]) for el, n in amounts.items())

    def ionic_volume(amounts: dict[str, float]) -> float:
        return sum(n * _IONIC_RADIUS_A[el] ** 3 for el, n in amounts.items())

    reference = {comp.M: 1.0, "Al": 1.0, "Cl": 4.0}
    cm3_per_mol_per_unit = mass(reference) / CRYSTAL_DENSITY_G_CM3[comp.M] / ionic_volume(reference)
    amounts = comp.amounts
    return mass(amounts) / (cm3_per_mol_per_unit * ionic_volume(amounts))


def choose_n_al(comp: Composition, target_atoms: int) -> int:
    """Number of Al (formula units) giving about ``target_atoms`` atoms with the least rounding error.

    Searches cells within +-30% of ``target_atoms`` and prefers the one whose rounded counts
    are closest to the composition, then the one closest in size.
    """
    per_al = sum(comp.amounts.values())
    best: tuple[float, int, int] | None = None
    low = max(1, math.floor(0.7 * target_atoms / per_al))
    high = max(low, math.ceil(1.3 * target_atoms / per_al))
    for n_al in range(low, high + 1):
        try:
            counts = integer_counts(comp, n_al)
        except ValueError:
            continue
        error = sum(abs(counts.get(el, 0) / n_al - x) for el, x in comp.amounts.items())
        key = (round(error, 6), abs(sum(counts.values()) - target_atoms), n_al)
        best = key if best is None or key < best else best
    if best is None:
        raise ValueError(f"no cell of about {target_atoms} atoms represents {comp.formula}")
    return best[2]


def build_amorphous(
    comp: Composition,
    *,
    target_atoms: int,
    rng: np.random.Generator,
    density_g_cm3: float | None = None,
    min_distance_A: float = 1.7,
    max_tries: int = 2000,
) -> Atoms:
    """A cubic periodic cell with ``comp``'s stoichiometry, packed at random with minimum distances.

    Why random packing and not Cl substitution in a MAlCl4 supercell: the space spans
    M/Al 0.5-1.5 and O, S contents that a Z=4 supercell cannot hold without inserting or deleting
    many M ions and anion sites, and a substituted crystal keeps a memory of the crystal unless the
    melt is long. A random cell has no such memory; the FIRE relaxation and the melt that follow
    make the local Al-anion tetrahedra.

    Args:
        comp: the glass composition.
        target_atoms: approximate cell size; the number of formula units is chosen by `choose_n_al`.
        rng: random generator (positions are reproducible for a given seed).
        density_g_cm3: cell density; default `estimate_density_g_cm3`.
        min_distance_A: smallest cation-anion distance, Angstrom; anion-anion and cation-cation
            minimums scale with it (2.8 and 2.6 Angstrom at the default 1.7).
        max_tries: random trial positions per atom before the minimums are relaxed by 5%.

    ``atoms.info`` records ``formula`` (realised, per Al), ``counts``, ``n_formula_units``,
    ``density_g_cm3`` and ``source``.
    """
    from ase import Atoms

    n_al = choose_n_al(comp, target_atoms)
    counts = integer_counts(comp, n_al)
    density = estimate_density_g_cm3(comp) if density_g_cm3 is None else density_g_cm3
    if not density > 0:
        raise ValueError(f"density_g_cm3={density} must be positive")
    # Big anions first: they are the hardest to place once the box fills.
    order = sorted(counts, key=lambda el: -_IONIC_RADIUS_A[el])
    symbols = [el for el in order for _ in range(counts[el])]
    probe = Atoms(symbols)
    length = (float(probe.get_masses().sum()) / _AVOGADRO / density / _CM3_PER_A3) ** (1.0 / 3.0)
    scale = min_distance_A / _MIN_PAIR_A["cation-anion"]
    positions = _random_pack(symbols, length, rng, scale, max_tries)
    atoms = Atoms(symbols, positions=positions, cell=[length] * 3, pbc=True)
    realised = {el: n / n_al for el, n in counts.items()}
    atoms.info.update(
        formula=Composition(comp.M, realised.get(comp.M, 0.0), realised.get("O", 0.0), realised.get("S", 0.0)).formula,
        counts=counts,
        n_formula_units=n_al,
        density_g_cm3=density_of(atoms),
        source="random packing",
    )
    return atoms


def _random_pack(
    symbols: list[str], length: float, rng: np.random.Generator, scale: float, max_tries: int
) -> np.ndarray:
    """Random sequential addition in a cubic box of side ``length`` with pair minimum distances."""
    is_cation = np.array([s in _CATIONS for s in symbols])
    placed = np.empty((0, 3))
    for i in range(len(symbols)):
        factor = scale
        while True:
            trials = rng.uniform(0.0, length, size=(max_tries, 3))
            if len(placed) == 0:
                placed = trials[:1]
                break
            diff = trials[:, None, :] - placed[None, :, :]
            diff -= length * np.round(diff / length)
            dist = np.sqrt((diff**2).sum(axis=-1))
            mins = np.where(
                is_cation[: len(placed)] == is_cation[i],
                _MIN_PAIR_A["cation-cation" if is_cation[i] else "anion-anion"],
                _MIN_PAIR_A["cation-anion"],
            )
            ok = np.all(dist >= factor * mins[None, :], axis=1)
            if ok.any():
                placed = np.vstack([placed, trials[np.argmax(ok)]])
                break
            factor *= 0.95  # jammed: accept slightly closer contacts; FIRE pushes them apart
    return placed


def density_of(atoms: Atoms) -> float:
    """Mass density of a periodic cell in g/cm3."""
    return float(atoms.get_masses().sum() / _AVOGADRO / (atoms.get_volume() * _CM3_PER_A3))


def _count(symbols: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in symbols:
        counts[s] = counts.get(s, 0) + 1
    return counts

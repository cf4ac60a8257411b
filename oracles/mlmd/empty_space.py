"""Empty space in a periodic cell: does a low NPT density mean a homogeneous liquid or a hole?

At 0 GPa and hundreds of K above its melting point a chloroaluminate melt in a 60-atom cell can
expand far (1.3-1.4 g/cm3 against 1.7 for the glass); a cavity then gives the ions a free surface,
and their D is no longer the bulk liquid's. This measures it on a grid over the cell: the distance
from each grid point to the nearest atom (any periodic image), Angstrom.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ase import Atoms

#: Angstrom: a grid point this far from every atom is empty space (about an anion's contact radius
#: plus a Li+; every atom of these glasses has a neighbour within 2.2-3.8 Angstrom).
EMPTY_FROM_A = 3.0


@dataclass(frozen=True)
class EmptySpace:
    """Of one frame: the radius of the largest empty sphere (Angstrom, to within the grid spacing)
    and the fraction of the cell farther than `EMPTY_FROM_A` from every atom."""

    largest_sphere_A: float
    empty_fraction: float


def empty_space(atoms: Atoms, spacing_A: float = 0.4) -> EmptySpace:
    """Empty space of one periodic frame, on a grid of about ``spacing_A`` (any cell shape)."""
    from scipy.spatial import cKDTree

    cell = atoms.cell.array
    frac = np.mod(atoms.get_scaled_positions(wrap=True), 1.0)
    shifts = np.array(list(itertools.product((-1, 0, 1), repeat=3)), dtype=float)
    # every atom with its 26 neighbouring images: the nearest atom of any grid point is among them
    images = (frac[None, :, :] + shifts[:, None, :]).reshape(-1, 3) @ cell
    n = np.maximum(4, np.ceil(atoms.cell.lengths() / spacing_A).astype(int))
    grid = np.stack(np.meshgrid(*[np.arange(k) / k for k in n], indexing="ij"), -1).reshape(-1, 3) @ cell
    distance, _ = cKDTree(images).query(grid)
    return EmptySpace(largest_sphere_A=float(distance.max()), empty_fraction=float((distance > EMPTY_FROM_A).mean()))


def mean_empty_space(frames: Sequence[Atoms], spacing_A: float = 0.4) -> tuple[EmptySpace, float]:
    """The mean `EmptySpace` over ``frames`` and the largest empty sphere of any one frame (Angstrom)."""
    spaces = [empty_space(frame, spacing_A) for frame in frames]
    mean = EmptySpace(largest_sphere_A=float(np.mean([s.largest_sphere_A for s in spaces])),
                      empty_fraction=float(np.mean([s.empty_fraction for s in spaces])))
    return mean, max(s.largest_sphere_A for s in spaces)

"""Empty space of a periodic cell: the largest empty sphere and the empty fraction, on known lattices."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ase import Atoms
from ase.build import bulk

from oracles.mlmd.empty_space import empty_space, mean_empty_space


def test_a_simple_cubic_lattice_has_its_body_centre_as_the_largest_hole() -> None:
    a = 4.0
    atoms = Atoms("Cl", positions=[[0.0, 0.0, 0.0]], cell=[a, a, a], pbc=True).repeat((3, 3, 3))
    space = empty_space(atoms, spacing_A=0.25)
    assert space.largest_sphere_A == pytest.approx(a * math.sqrt(3) / 2, abs=1e-6)  # the grid hits the centre
    assert space.empty_fraction > 0  # sqrt(3) a / 2 = 3.46 Angstrom > 3


def test_a_cavity_carved_into_a_dense_cell_is_found_whatever_the_cell_shape() -> None:
    dense = bulk("NaCl", "rocksalt", a=5.64).repeat((3, 3, 3))  # every point within 2 Angstrom of an ion
    assert empty_space(dense).empty_fraction == 0.0
    centre = dense.cell.array.sum(axis=0) / 2
    holed = dense[np.linalg.norm(dense.get_positions() - centre, axis=1) > 4.5]
    space = empty_space(holed)
    assert space.largest_sphere_A > 4.0 and space.empty_fraction > 0.01


def test_the_mean_over_frames_averages_each_frame_and_keeps_the_largest_sphere_of_any() -> None:
    dense = bulk("NaCl", "rocksalt", a=5.64).repeat((3, 3, 3))
    centre = dense.cell.array.sum(axis=0) / 2
    holed = dense[np.linalg.norm(dense.get_positions() - centre, axis=1) > 4.5]
    mean, largest = mean_empty_space([dense, holed])
    one = empty_space(holed)
    assert mean.empty_fraction == pytest.approx(one.empty_fraction / 2)
    assert mean.largest_sphere_A == pytest.approx((empty_space(dense).largest_sphere_A + one.largest_sphere_A) / 2)
    assert largest == one.largest_sphere_A

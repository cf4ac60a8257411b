"""Structure builder: crystal references, integer counts with charge balance, density model, random packing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import Composition
from oracles.atomistic.structures import (
    build_amorphous,
    choose_n_al,
    crystal_reference,
    density_of,
    estimate_density_g_cm3,
    integer_counts,
)


@pytest.mark.parametrize(("M", "density"), [("Li", 1.97), ("Na", 1.89)])
def test_crystal_reference_has_z4_and_measured_density(M: str, density: float) -> None:
    atoms = crystal_reference(M)
    symbols = atoms.get_chemical_symbols()
    assert len(atoms) == 24
    assert (symbols.count(M), symbols.count("Al"), symbols.count("Cl")) == (4, 4, 16)
    assert density_of(atoms) == pytest.approx(density, rel=0.01)
    distances = atoms.get_all_distances(mic=True) + 10 * np.eye(len(atoms))
    assert distances.min() > 2.0  # Al-Cl bond 2.13 Angstrom is the shortest contact


def test_crystal_reference_rejects_other_metals() -> None:
    with pytest.raises(ValueError, match="Li and Na"):
        crystal_reference("K")


compositions = st.builds(
    lambda M, m, o, s: Composition(M, m, o, s),
    st.sampled_from(["Li", "Na"]),
    st.floats(0.5, 1.5),
    st.floats(0.0, 1.0),
    st.floats(0.0, 0.5),
)


@given(comp=compositions, n_al=st.integers(1, 60))
@settings(max_examples=80, deadline=None)
def test_integer_counts_are_charge_balanced(comp: Composition, n_al: int) -> None:
    counts = integer_counts(comp, n_al)
    anions = counts.get("Cl", 0) + 2 * (counts.get("O", 0) + counts.get("S", 0))
    charge = counts.get(comp.M, 0) + 3 * counts["Al"] - anions
    assert charge == 0
    assert counts["Al"] == n_al
    assert abs(counts.get("O", 0) - comp.o_al * n_al) <= 0.5


def test_density_reproduces_references_and_rises_with_oxide() -> None:
    assert estimate_density_g_cm3(Composition("Li", 1.0, 0.0)) == pytest.approx(1.97)
    assert estimate_density_g_cm3(Composition("Na", 1.0, 0.0)) == pytest.approx(1.89)
    assert estimate_density_g_cm3(Composition("Li", 1.0, 0.75)) > 1.97
    assert estimate_density_g_cm3(Composition("Na", 1.0, 0.5, 0.2)) > 1.89


@pytest.mark.parametrize("comp", [Composition("Li", 1.0, 0.75), Composition("Na", 1.5, 0.0, 0.5)])
def test_build_amorphous_realises_composition_density_and_min_distance(comp: Composition) -> None:
    atoms = build_amorphous(comp, target_atoms=80, rng=np.random.default_rng(0))
    assert 56 <= len(atoms) <= 104
    assert atoms.info["counts"] == integer_counts(comp, atoms.info["n_formula_units"])
    assert atoms.info["density_g_cm3"] == pytest.approx(estimate_density_g_cm3(comp))
    assert atoms.info["formula"] == comp.formula  # 80 atoms allow an exact cell for these
    distances = atoms.get_all_distances(mic=True) + 10 * np.eye(len(atoms))
    assert distances.min() > 1.4
    again = build_amorphous(comp, target_atoms=80, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(atoms.positions, again.positions)


def test_choose_n_al_prefers_exact_stoichiometry() -> None:
    # 0.75 O/Al needs a multiple of 4 Al to be exact.
    assert choose_n_al(Composition("Li", 1.0, 0.75), 100) % 4 == 0


def test_build_amorphous_honours_given_density() -> None:
    atoms = build_amorphous(Composition("Li", 1.0, 0.5), target_atoms=30, rng=np.random.default_rng(1),
                            density_g_cm3=1.5)
    assert density_of(atoms) == pytest.approx(1.5)


def test_network_diagnostics_count_bridging_oxygen_and_al_neighbours() -> None:
    from ase import Atoms

    from oracles.mlmd.network import network_diagnostics

    # Al-O-Al bridge (Al-O 1.8 Angstrom), each Al with two Cl at 2.15 Angstrom, one free O far away
    positions = [[0.0, 0.0, 0.0], [1.8, 0.0, 0.0], [3.6, 0.0, 0.0],
                 [-0.7, 2.0, 0.0], [-0.7, -2.0, 0.0], [4.3, 2.0, 0.0], [4.3, -2.0, 0.0], [1.8, 6.0, 6.0]]
    atoms = Atoms("AlOAlCl4O", positions=positions, cell=[14.0] * 3, pbc=True)
    d = network_diagnostics(atoms)
    assert d["al_cn_O"] == 1.0 and d["al_cn_Cl"] == 2.0 and d["al_cn_total"] == 3.0
    assert d["o_bridging_fraction"] == 0.5 and d["o_free_fraction"] == 0.5 and d["o_tricluster_fraction"] == 0.0

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import Composition, CompositionError, CompositionSpace

SPACE = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=0.5)


def test_reference_glass_formula_and_chlorine() -> None:
    laco = Composition("Li", 1.0, 0.75, 0.0)
    assert laco.formula == "LiAlCl2.5O0.75"
    assert laco.cl_al == pytest.approx(2.5)
    assert Composition("Na", 1.0, 0.0, 0.0).formula == "NaAlCl4"
    assert Composition("Li", 1.5, 0.5, 0.25).formula == "Li1.5AlCl3O0.5S0.25"


def test_to_pymatgen_matches_formula() -> None:
    pmg = Composition("Li", 1.0, 0.75, 0.0).to_pymatgen()
    assert pmg.reduced_formula == "LiAlCl2.5O0.75" or pmg["Cl"] == pytest.approx(2.5)
    assert pmg["Li"] == pytest.approx(1.0) and pmg["O"] == pytest.approx(0.75)


def test_mole_fractions_sum_to_one() -> None:
    fractions = Composition("Li", 1.0, 0.75, 0.0).mole_fractions
    assert sum(fractions.values()) == pytest.approx(1.0)
    assert fractions["Cl"] == pytest.approx(2.5 / 5.25)


def test_equality_within_tolerance_and_hash() -> None:
    a = Composition("Li", 1.0, 0.75, 0.0)
    b = Composition("Li", 1.0 + 1e-9, 0.75, 0.0)
    assert a == b and hash(a) == hash(b)
    assert a != Composition("Li", 1.0, 0.7501, 0.0)
    assert a != Composition("Na", 1.0, 0.75, 0.0)


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"M": "K", "m_al": 1.0, "o_al": 0.0}, "M='K'"),
        ({"M": "Li", "m_al": -0.1, "o_al": 0.0}, "m_al=-0.1"),
        ({"M": "Li", "m_al": 1.0, "o_al": math.nan}, "o_al=nan"),
        ({"M": "Li", "m_al": 1.0, "o_al": 1.5, "s_al": 1.0}, "cl_al="),
    ],
)
def test_bad_values_are_named(kwargs: dict, names: str) -> None:
    with pytest.raises(CompositionError, match=names.replace("(", r"\(")):
        Composition(**kwargs)


def test_parse_forms() -> None:
    laco = Composition("Li", 1.0, 0.75, 0.0)
    assert Composition.parse("LiAlCl2.5O0.75") == laco
    assert Composition.parse("Li2Al2Cl5O1.5") == laco
    assert Composition.parse("M=Li,m_al=1,o_al=0.75,s_al=0") == laco
    with pytest.raises(CompositionError, match="not charge balanced"):
        Composition.parse("LiAlCl3O0.75")
    with pytest.raises(CompositionError, match="Fe"):
        Composition.parse("LiFeCl4")
    with pytest.raises(CompositionError, match="unknown key"):
        Composition.parse("M=Li,m_al=1,x=2")


def test_composition_is_immutable() -> None:
    comp = Composition("Li", 1.0, 0.75, 0.0)
    with pytest.raises(AttributeError):
        comp.m_al = 2.0  # type: ignore[misc]


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 8))
def test_space_points_are_neutral_inside_and_round_trip(seed: int, n: int) -> None:
    for comp in SPACE.sobol(n, seed=seed):
        assert comp.charge == pytest.approx(0.0, abs=1e-12)
        assert SPACE.contains(comp)
        assert Composition.parse(comp.formula) == comp


@settings(max_examples=200, deadline=None)
@given(
    metal=st.sampled_from(["Li", "Na"]),
    m=st.floats(0.5, 1.5),
    o=st.floats(0.0, 1.0),
    s=st.floats(0.0, 0.5),
)
def test_snap_never_leaves_the_space(metal: str, m: float, o: float, s: float) -> None:
    comp = Composition(metal, m, o, s)
    if comp.cl_al < SPACE.min_cl_al:
        return
    snapped = SPACE.snap(comp)
    assert snapped is not None and SPACE.contains(snapped)
    assert Composition.parse(snapped.formula).as_dict() == pytest.approx(snapped.as_dict())
    assert abs(snapped.m_al - m) <= 2e-4 and abs(snapped.o_al - o) <= 2e-4


def test_space_rejects_impossible_min_cl() -> None:
    with pytest.raises(CompositionError, match="no composition satisfies min_cl_al=5"):
        CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=5.0)
    with pytest.raises(CompositionError, match="inverted"):
        CompositionSpace(("Li",), (1.5, 0.5), (0.0, 1.0), (0.0, 0.5))


def test_space_violation_names_value() -> None:
    assert "o_al=1.2" in (SPACE.violation(Composition("Li", 1.0, 1.2, 0.0)) or "")
    tight = CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=1.0)
    assert "cl_al=0.5 is below min_cl_al=1" in (tight.violation(Composition("Li", 0.5, 1.0, 0.5)) or "")


@given(st.sampled_from(["Li", "Na"]), *(st.floats(0.0, 1.5, allow_nan=False) for _ in range(3)),
       st.floats(-2e-6, 2e-6))
def test_equal_compositions_hash_equally(metal: str, m: float, o: float, s: float, nudge: float) -> None:
    """Equality and hash agree (issue: 0.000049999 and 0.0000500001 were equal but hashed apart)."""
    try:
        a = Composition(metal, m, o, s)
        b = Composition(metal, m, max(o + nudge, 0.0), s)
    except CompositionError:
        return  # outside charge balance: nothing to compare
    if a == b:
        assert hash(a) == hash(b) and len({a, b}) == 1
    else:
        assert len({a, b}) == 2


def test_equality_is_grid_based_and_transitive() -> None:
    a, b = Composition("Li", 1, 0.000049999, 0), Composition("Li", 1, 0.0000500001, 0)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert Composition("Li", 1, 0.75) != Composition("Li", 1, 0.75 + 2e-6)
    assert Composition("Li", 1, 0.75).almost_equals(Composition("Li", 1, 0.75 + 2e-6), atol=1e-5)

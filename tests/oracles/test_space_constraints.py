"""The lab's own composition constraints: parsing, the space's membership, LP feasibility, samplers and snap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from oracles import Composition, CompositionError, CompositionSpace, ConstraintError, LinearConstraint
from oracles.sampling import Draws

L = LinearConstraint.parse
BOX = (("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5))


def space(*texts: str, min_cl_al: float = 0.5, metals: tuple[str, ...] = ("Li", "Na")) -> CompositionSpace:
    return CompositionSpace(metals, *BOX[1:], min_cl_al=min_cl_al, constraints=tuple(L(t) for t in texts))


# --- parsing --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "coefficients", "op", "bound"), [
    ("o_al + s_al <= 0.9", (0, 1, 1), "<=", 0.9),
    ("m_al >= 0.8", (1, 0, 0), ">=", 0.8),
    ("2*m_al - o_al >= 1e-1", (2, -1, 0), ">=", 0.1),
    ("0.5 m_al + 1.5E+0 * s_al <= .75", (0.5, 0, 1.5), "<=", 0.75),
    ("o_al <= 0.5 * m_al", (-0.5, 1, 0), "<=", 0.0),
    ("0.5 <= m_al", (-1, 0, 0), "<=", -0.5),
    ("-o_al - 2.e0s_al + 1 >= 0", (0, -1, -2), ">=", -1.0),
    ("o_al + o_al <= 1", (0, 2, 0), "<=", 1.0),
])
def test_constraints_parse_to_coefficients(text: str, coefficients: tuple[float, ...], op: str, bound: float) -> None:
    c = L(text)
    assert (c.coefficients, c.op, c.bound) == (tuple(float(v) for v in coefficients), op, pytest.approx(bound))
    assert c.text == text
    assert L(str(c)) == c  # the canonical form reads back as the same constraint


def test_equality_and_hash_are_by_value() -> None:
    a, b = L("o_al + s_al <= 0.9"), L("s_al+o_al<=9e-1")
    assert a == b and hash(a) == hash(b) and a.text != b.text
    assert space("o_al + s_al <= 0.9") == space("s_al+o_al<=9e-1")
    assert len({space("o_al + s_al <= 0.9"), space("s_al+o_al<=9e-1"), space("m_al >= 0.8")}) == 2


@pytest.mark.parametrize(("text", "message"), [
    ("o_al < 0.9", r"exactly one '<=' or '>='.*found '<'"),
    ("o_al = 0.9", r"found '='"),
    ("o_al == 0.9", r"found '=='"),
    ("0 <= o_al <= 0.9", r"found '<=', '<='"),
    ("o_al + s_al", r"found none"),
    ("<= 0.9", "empty side"),
    ("cl_al >= 2", r"unknown variable 'cl_al'.*min_cl_al"),
    ("M >= 1", r"unknown variable 'M'.*space.M"),
    ("x_al <= 1", r"unknown variable 'x_al'.*m_al, o_al and s_al"),
    ("o_al s_al <= 1", r"cannot read 's_al'"),
    ("o_al + <= 1", r"cannot read '\+'"),
    ("2 * <= 1", r"cannot read '2 \*'"),
    ("o_al <= 1e999", "finite"),
    ("1 <= 2", "does not depend on m_al, o_al or s_al"),
    ("o_al - o_al <= 1", "does not depend"),
])
def test_malformed_constraints_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ConstraintError, match=message):
        L(text)


# --- membership ----------------------------------------------------------------------------------
def test_violation_names_the_constraint() -> None:
    sp = space("o_al + s_al <= 0.9", "m_al >= 0.8")
    assert sp.contains(Composition("Li", 1.0, 0.6, 0.3))  # on the boundary: inside
    assert sp.violation(Composition("Li", 1.0, 0.75, 0.25)) == \
        "violates the constraint 'o_al + s_al <= 0.9' (o_al + s_al = 1)"
    with pytest.raises(CompositionError, match=r"Li0.7AlCl3.3O0.2: violates the constraint 'm_al >= 0.8'"):
        sp.check(Composition("Li", 0.7, 0.2, 0.0))


@settings(max_examples=200, deadline=None)
@given(coeffs=st.tuples(*[st.floats(-3, 3)] * 3), bound=st.floats(-3, 3), op=st.sampled_from(["<=", ">="]),
       point=st.tuples(st.floats(0.5, 1.5), st.floats(0.0, 1.0), st.floats(0.0, 0.5)))
def test_inside_agrees_with_violation(coeffs: tuple[float, float, float], bound: float, op: str,
                                      point: tuple[float, float, float]) -> None:
    c = LinearConstraint(coeffs, op, bound)  # type: ignore[arg-type]
    try:
        sp = CompositionSpace(*BOX, min_cl_al=0.5, constraints=(c,))
    except ConstraintError:
        return  # no composition satisfies it: nothing to compare
    comp = Composition("Na", *point)
    ratios = np.array([[comp.m_al, comp.o_al, comp.s_al]])
    assert bool(sp.inside(ratios)[0]) == sp.contains(comp)
    assert sp.contains(comp) == (c.satisfied(*ratios[0]) and comp.cl_al >= 0.5)


# --- feasibility at construction (a linear program) -------------------------------------------------
@pytest.mark.parametrize(("texts", "index", "message"), [
    (["m_al >= 2"], 0, "no composition satisfies the constraint 'm_al >= 2' together with the bounds and min_cl_al"),
    (["o_al + s_al <= 0.9", "o_al + s_al >= 0.95"], 1, "'o_al \\+ s_al >= 0.95' together with the bounds, min_cl_al "
                                                       "and the constraints before it"),
    (["s_al >= 0.1", "o_al + s_al >= 1.2", "m_al <= 0.7"], 2, "'m_al <= 0.7'"),  # cl_al <= 1.3 < min_cl_al there
    (["o_al + s_al >= 1.5"], 0, "only a sliver thinner than the 0.0001 formula grid"),  # the box's edge
    (["o_al - 2 s_al <= 0.3", "o_al - 2 s_al >= 0.29999"], 1, "sliver"),
])
def test_a_constraint_no_composition_satisfies_is_named(texts: list[str], index: int, message: str) -> None:
    with pytest.raises(ConstraintError, match=message) as info:
        space(*texts, min_cl_al=1.5 if len(texts) == 3 else 0.5)
    assert info.value.index == index
    if len(texts) == 3:  # each before it is fine: the LP names the first constraint that empties the region
        space(*texts[:2], min_cl_al=1.5)


def test_constraints_must_be_parsed_values() -> None:
    with pytest.raises(CompositionError, match="LinearConstraint"):
        CompositionSpace(*BOX, constraints=("o_al <= 0.5",))  # type: ignore[arg-type]


def test_sampling_box_is_the_bounding_box_of_the_region() -> None:
    low, high = space("o_al + s_al <= 0.6", "m_al >= 0.9").sampling_box
    assert low.tolist() == pytest.approx([0.9, 0.0, 0.0]) and high.tolist() == pytest.approx([1.5, 0.6, 0.5])
    low, high = space(min_cl_al=3.0).sampling_box  # no constraints: the bounds, exactly
    assert low.tolist() == [0.5, 0.0, 0.0] and high.tolist() == [1.5, 1.0, 0.5]


# --- samplers ------------------------------------------------------------------------------------
CONSTRAINT_SETS = [
    ("o_al + s_al <= 0.6", "m_al >= 0.9", "s_al <= 0.5 o_al"),
    ("m_al - o_al >= 0.8",),
    ("o_al + s_al >= 0.8", "o_al + s_al <= 0.85"),  # a thin band (5 % of the box)
    ("m_al >= 1.45",),
]


SPACES = {texts: space(*texts, min_cl_al=1.5) for texts in CONSTRAINT_SETS}


@pytest.mark.parametrize("texts", CONSTRAINT_SETS)
def test_samplers_never_leave_the_constraints(texts: tuple[str, ...]) -> None:
    sp = SPACES[texts]
    points = sp.sobol(64, seed=3) + sp.uniform(64, rng=np.random.default_rng(0))
    assert all(sp.contains(c) for c in points), [sp.violation(c) for c in points if not sp.contains(c)]
    assert {c.M for c in points} == {"Li", "Na"}
    assert sp.sobol(8, seed=3, skip=56) == sp.sobol(64, seed=3)[56:]  # one sequence, resumable


def test_per_metal_streams_are_their_own_sequences() -> None:
    sp = space("o_al + s_al <= 0.6")
    li, na = sp.sobol(16, seed=0, metal="Li"), sp.sobol(16, seed=0, metal="Na")
    assert {c.M for c in li} == {"Li"} and {c.M for c in na} == {"Na"}
    assert [c.o_al for c in li] != [c.o_al for c in na]
    assert sp.sobol(4, seed=0, skip=12, metal="Li") == li[12:]
    assert all(c.M == "Na" for c in sp.uniform(10, rng=np.random.default_rng(1), metal="Na"))
    with pytest.raises(CompositionError, match="M=Na is not one of"):
        space(metals=("Li",)).sobol(1, seed=0, metal="Na")


def test_a_region_too_rare_to_sample_is_an_error_not_a_hang() -> None:
    sp = space("o_al + s_al >= 0.8", "o_al + s_al <= 0.8002")
    few = Draws(lambda done: np.random.default_rng(done).random((64, 4)), 2, limit=128)
    with pytest.raises(CompositionError, match=r"found only \d+ of 100 .* in 128 random draws"):
        sp._collect(few, 100)


# --- snapping onto the formula grid ----------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(texts=st.sampled_from(CONSTRAINT_SETS), u=st.tuples(*[st.floats(0, 1)] * 3), metal=st.sampled_from(["Li", "Na"]))
def test_snap_never_crosses_a_constraint(texts: tuple[str, ...], u: tuple[float, float, float], metal: str) -> None:
    sp = SPACES[texts]
    low, high = sp.sampling_box
    ratios = low + np.asarray(u) * (high - low)
    assume(bool(sp.inside(ratios[None])[0]))
    snapped = sp.snap(Composition(metal, *map(float, ratios)))
    assert snapped is not None and sp.contains(snapped), snapped and sp.violation(snapped)
    assert sp.contains(Composition.parse(snapped.formula))  # the formula as printed is inside too
    assert np.abs(np.array([snapped.m_al, snapped.o_al, snapped.s_al]) - ratios).max() <= 10e-4


def test_snap_takes_the_nearest_grid_point_inside() -> None:
    sp = space("o_al + s_al <= 0.3333")
    # rounding each ratio would give o + s = 0.3334, outside: one of them goes down a step instead
    snapped = sp.snap(Composition("Li", 1.0, 0.16667, 0.16663))
    assert snapped is not None and round(snapped.o_al + snapped.s_al, 6) <= 0.3333
    assert sp.snap(Composition("Li", 1.0, 0.6, 0.3), strict=False) is None  # far outside: refused
    with pytest.raises(CompositionError, match="cannot be snapped into the space: violates the constraint"):
        sp.snap(Composition("Li", 1.0, 0.6, 0.3))

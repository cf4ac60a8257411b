"""SpaceEncoder: encoding round trips, the charge-balance constraint, and decoding that never leaves the space."""

from __future__ import annotations

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import Composition, CompositionSpace
from surrogates.transforms import DTYPE, SpaceEncoder

TIGHT = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=2.0)


def test_encode_decode_round_trip() -> None:
    enc = SpaceEncoder(TIGHT)
    comps = [Composition("Li", 1.0, 0.75, 0.0), Composition("Na", 1.2, 0.3, 0.25)]
    X = enc.encode(comps)
    assert X.dtype == DTYPE and X.shape == (2, 4)
    assert X[:, 3].tolist() == [0.0, 1.0]
    assert enc.decode(X) == comps


def test_inequality_matches_charge_balance() -> None:
    enc = SpaceEncoder(TIGHT)
    X = torch.rand(500, 4, dtype=DTYPE)
    ratios = enc.ratios(X)
    cl = 3 + ratios[:, 0] - 2 * (ratios[:, 1] + ratios[:, 2])
    mask = enc.satisfies(X).numpy()
    assert (cl[mask] >= TIGHT.min_cl_al).all()
    assert (cl[~mask] < TIGHT.min_cl_al + 1e-5).all()


def test_inactive_constraint_is_dropped() -> None:
    loose = CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=0.5)
    assert SpaceEncoder(loose).inequality_constraints() is None


@settings(max_examples=200, deadline=None)
@given(
    unit=st.lists(st.floats(-0.2, 1.2), min_size=3, max_size=3),
    metal=st.integers(0, 1),
    min_cl=st.floats(0.0, 3.4),
)
def test_decode_always_inside_the_space(unit: list[float], metal: int, min_cl: float) -> None:
    """Any encoded row, even outside the box or the cut, decodes (after rounding for display) inside."""
    space = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=min_cl)
    enc = SpaceEncoder(space)
    (comp,) = enc.decode(torch.tensor([[*unit, float(metal)]], dtype=DTYPE))
    assert space.contains(comp), space.violation(comp)
    assert space.contains(Composition.parse(comp.formula) if comp.M else comp)

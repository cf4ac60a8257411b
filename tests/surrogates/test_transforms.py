"""SpaceEncoder: encoding round trips, charge balance and the space's own constraints as inequalities, decoding that
never leaves the space, and batches kept to one metal by `optimize_batch`."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import Composition, CompositionSpace, LinearConstraint
from surrogates.optimize import OptimizeSettings, optimize_batch
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


# --- the space's own linear constraints ------------------------------------------------------------
LAB = CompositionSpace(("Li", "Na"), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=1.5,
                       constraints=(LinearConstraint.parse("o_al + s_al <= 0.6"), LinearConstraint.parse("m_al >= 0.9"),
                                    LinearConstraint.parse("s_al <= 0.5 o_al")))


def test_constraints_become_inequalities_in_scaled_coordinates() -> None:
    enc = SpaceEncoder(LAB)
    constraints = enc.inequality_constraints()
    assert constraints is not None and len(constraints) == 4  # charge balance and the three constraints
    X = torch.rand(4000, 4, dtype=DTYPE)
    mask = enc.satisfies(X)
    inside = torch.as_tensor(LAB.inside(enc.ratios(X)))
    assert bool((inside | ~mask).all())  # every point the optimiser accepts is inside
    assert int((inside & ~mask).sum()) <= 2  # only the optimiser's margin (1e-6) is given up
    low, high = enc.sampling_bounds
    assert low.tolist() == pytest.approx([0.4, 0.0, 0.0]) and high.tolist() == pytest.approx([1.0, 0.6, 0.4])


def test_a_constraint_that_cannot_bind_in_the_box_is_left_out() -> None:
    space = CompositionSpace(("Li",), (0.5, 1.5), (0.0, 1.0), (0.0, 0.5), min_cl_al=0.5,
                             constraints=(LinearConstraint.parse("o_al + s_al <= 2"),))
    assert SpaceEncoder(space).inequality_constraints() is None


@settings(max_examples=200, deadline=None)
@given(unit=st.lists(st.floats(-0.2, 1.2), min_size=3, max_size=3), metal=st.integers(0, 1))
def test_decode_never_crosses_a_constraint(unit: list[float], metal: int) -> None:
    (comp,) = SpaceEncoder(LAB).decode(torch.tensor([[*unit, float(metal)]], dtype=DTYPE))
    assert LAB.contains(comp), LAB.violation(comp)
    assert LAB.contains(Composition.parse(comp.formula))


class _MetalPreference(torch.nn.Module):
    """A stand-in acquisition: Na scores 1.0, Li 0.9, each pending point of the same metal costs 0.5."""

    def __init__(self) -> None:
        super().__init__()
        self.X_pending: torch.Tensor | None = None

    def set_X_pending(self, X_pending: torch.Tensor | None) -> None:
        self.X_pending = X_pending

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        metal = X[..., 0, 3]
        value = torch.where(metal == 1, 1.0, 0.9).to(DTYPE) - 1e-3 * X[..., 0, 1]
        if self.X_pending is not None:
            same = (self.X_pending[:, 3].unsqueeze(0) == metal.unsqueeze(-1)).sum(-1)
            value = value - 0.5 * same
        return value


@pytest.mark.parametrize(("options", "metals"), [
    ({}, [1.0, 0.0, 1.0]),                      # free: the pending penalty makes the metals alternate
    ({"same_metal": True}, [1.0, 1.0, 1.0]),    # one furnace: the first slot's metal for the rest
    ({"metal": 0}, [0.0, 0.0, 0.0]),            # the batch's metal already fixed
    ({"metal": 0, "same_metal": True}, [0.0, 0.0, 0.0]),
])
def test_optimize_batch_keeps_the_batch_to_one_metal(options: dict[str, object], metals: list[float]) -> None:
    enc = SpaceEncoder(LAB)
    fast = OptimizeSettings(raw_samples=32, local_samples=8, refine_steps=1)
    X, _ = optimize_batch(_MetalPreference(), enc, 3, X_pending=None, seed=0, settings=fast,  # type: ignore[arg-type]
                          **options)  # type: ignore[arg-type]
    assert X[:, 3].tolist() == metals
    assert bool(enc.satisfies(X).all()) and all(LAB.contains(c) for c in enc.decode(X))

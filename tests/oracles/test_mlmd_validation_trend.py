"""The validation's composition contrasts: a difference is resolved only beyond 2 std of the difference."""

from __future__ import annotations

import math

import pytest

from benchmarks.mlmd_validation_plot import CellPoints
from benchmarks.mlmd_validation_trend import Contrast, at_simulated_temperature, contrast, oal_maximum, trend
from oracles.mlmd.fits import K_B_EV_K, nernst_einstein_log10_sigma

IONS_PER_A3 = 0.007
LACO, LO5, LO10, NACO = "LiAlCl2.5O0.75", "LiAlCl3O0.5", "LiAlCl2O", "NaAlCl2.5O0.75"


def _cell(seed: int, ea_eV: float, diffusive: dict[float, bool], ln_d0: float = math.log(1e-3)) -> CellPoints:
    cell = CellPoints(seed, IONS_PER_A3)
    for T, ok in diffusive.items():
        cell.T_K.append(T)
        cell.ln_D.append(ln_d0 - ea_eV / (K_B_EV_K * T))
        cell.ln_D_std.append(0.2)
        cell.diffusive.append(ok)
    return cell


def test_a_contrast_is_resolved_beyond_two_std_of_the_difference() -> None:
    values = {LACO: (-2.0, 0.3), LO5: (-3.1, 0.4), LO10: (-0.9, 0.4), NACO: (-2.2, 0.3)}
    up = contrast(LACO, LO5, values)
    assert up is not None and up.std == pytest.approx(0.5) and up.z == pytest.approx(2.2)
    assert up.verdict.startswith("resolved, same order")
    at_the_edge = Contrast(LACO, LO5, 1.0, 0.5).verdict  # z = 2 exactly is not beyond 2 std
    assert at_the_edge.startswith("not resolved") and "2 std = 1.00 decades" in at_the_edge
    down = contrast(LACO, LO10, values)
    assert down is not None and down.verdict.startswith("resolved, opposite")
    assert contrast(LACO, "LiAlCl4", values) is None


def test_the_oal_maximum_needs_both_neighbours_resolved() -> None:
    peak = [Contrast(LACO, LO5, 1.5, 0.5), Contrast(LACO, LO10, 1.2, 0.5)]
    assert oal_maximum(peak).startswith("reproduced")
    assert oal_maximum([peak[0], Contrast(LACO, LO10, -1.2, 0.5)]).startswith("contradicted")
    flat = oal_maximum([peak[0], Contrast(LACO, LO10, 0.3, 0.6)])
    assert flat.startswith("not resolved") and "1.00 decades" in flat
    assert oal_maximum([peak[0], None]).startswith("not yet tested")


def test_a_neighbour_the_oracle_gives_no_value_leaves_the_maximum_untested_unless_the_other_contradicts_it() -> None:
    failed = {LO5: "0 of 2 cells give a conductivity (2 needed)"}
    untested = oal_maximum([None, Contrast(LACO, LO10, 1.2, 0.5)], failed)
    assert untested == ("not tested: no value at this fidelity for LiAlCl3O0.5 "
                        "(0 of 2 cells give a conductivity (2 needed))")
    assert oal_maximum([None, Contrast(LACO, LO10, 0.3, 0.6)], failed).startswith("not tested")
    assert oal_maximum([None, Contrast(LACO, LO10, -1.2, 0.5)], failed).startswith("contradicted")
    assert oal_maximum([None, Contrast(LACO, LO10, -1.2, 0.5)]).startswith("contradicted")
    out = trend({LACO: (-1.5, 0.8), LO10: (-1.0, 0.9)}, {LACO: (-0.3, 0.06), LO10: (-0.2, 0.1)},
                {LACO, LO5, LO10}, failed)
    assert out["oal_maximum_30C"].startswith("not tested") and out["oal_maximum_650K"].startswith("not tested")
    assert [c["lower"] for c in out["30C"]] == [LO10]  # the contrast that can be tested still is


def test_the_simulated_temperature_value_interpolates_the_cells_the_oracle_would_use() -> None:
    grid = {850.0: True, 750.0: True, 650.0: True, 550.0: False}
    used = [_cell(0, 0.3, grid), _cell(1, 0.2, grid)]
    too_few = _cell(2, 0.9, {850.0: True, 750.0: True, 650.0: False, 550.0: False})
    outside = _cell(3, 0.9, {850.0: True, 800.0: True, 750.0: True})
    combined = at_simulated_temperature([*used, too_few, outside], 650.0)
    assert combined is not None and combined.n == 2
    expected = [nernst_einstein_log10_sigma(c.ln_D[c.T_K.index(650.0)], IONS_PER_A3, 650.0) for c in used]
    assert combined.mean == pytest.approx(sum(expected) / 2)
    assert combined.between_sd == pytest.approx(abs(expected[0] - expected[1]) / math.sqrt(2))
    assert at_simulated_temperature([too_few, outside], 650.0) is None


def test_the_trend_compares_only_compositions_with_all_their_cells() -> None:
    out = trend({LACO: (-1.5, 1.0), NACO: (-1.6, 1.0)}, {LACO: (-0.3, 0.1), NACO: (-0.9, 0.1)},
                {LACO, NACO})
    assert [c["lower"] for c in out["30C"]] == [NACO] and out["30C"][0]["verdict"].startswith("not resolved")
    assert out["650K"][0]["verdict"].startswith("resolved, same order")
    assert out["oal_maximum_30C"].startswith("not yet tested")
    partial = trend({LACO: (-1.5, 1.0), NACO: (-1.6, 1.0)}, {LACO: (-0.3, 0.1), NACO: (-0.9, 0.1)}, {LACO})
    assert partial["30C"] == [] and partial["650K"] == []  # NACO75's cells are not all finished

"""From cells to one value: seed combination, diffusive gates, the Tg-crossing widening, Failures, Tg rules.

Synthetic cell outcomes (no MD), so every rule of `oracles.mlmd.assemble` is checked in milliseconds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from oracles import Evaluation, Failure
from oracles.mlmd.assemble import UNCONVERGED_STD, assemble
from oracles.mlmd.ensemble import below_tg_std_log10, combine
from oracles.mlmd.fits import K_B_EV_K
from oracles.mlmd.presets import PRESETS
from oracles.mlmd.tg import autocorrelation_time_ps
from oracles.mlmd.workflow import SeedOutcome

QUICK = PRESETS["quick"]
COND = frozenset({"conductivity"})


def _run(T: float, D: float, *, diffusive: bool = True, ln_sd: float = 0.2) -> dict[str, Any]:
    diffusion = {"T_K": T, "D_cm2_s": D, "ln_D_std": ln_sd, "msd_end_A2": 20.0 if diffusive else 2.0,
                 "n_hops": 10.0, "n_mobile": 5, "msd_slope": 1.0 if diffusive else 0.4, "diffusive": diffusive,
                 "duration_ps": 8.0, "framework_msd_end_A2": 1.0}
    return {"diffusion": diffusion, "density_g_cm3": 1.9, "npt_pressure_GPa": 0.0, "pressure_GPa": 0.1,
            "pressure_sd_GPa": 0.3, "production_ps": 8.0, "extensions": 0}


def _cell(seed: int, *, ea: float = 0.3, prefactor: float = 1e-2, diffusive: tuple[bool, ...] = (True,) * 3,
          quench_tg_K: float | None = None, ln_sd: float = 0.2) -> SeedOutcome:
    # three diffusive temperatures keep the (slow, nested-sampling) VFT comparison out of these tests
    temps = (600.0, 700.0, 800.0, 900.0)[-len(diffusive):]
    runs = [_run(T, prefactor * math.exp(-ea / (K_B_EV_K * T)), diffusive=d, ln_sd=ln_sd)
            for T, d in zip(temps, diffusive)]
    quench_T = [800.0, 700.0, 600.0, 500.0, 400.0, 300.0]
    if quench_tg_K is None:
        quench_V = [1000.0 + 0.1 * t for t in quench_T]
    else:
        quench_V = [1000.0 + 0.05 * t + 0.1 * max(t - quench_tg_K, 0.0) for t in quench_T]
    glass = {"density_g_cm3": 1.9, "density_sd_g_cm3": 0.01, "mobile_ions_per_A3": 0.0075, "settled": True,
             "network": {"al_cn_O": 1.0, "o_bridging_fraction": 0.6}, "quench_T_K": quench_T,
             "quench_volume_A3": quench_V}
    return SeedOutcome(seed=seed, glass=glass, runs=runs, drift={"T_K": 900.0, "drift_meV_atom_ps": 0.1},
                       simulated_ps=40.0, wall_time_s=100.0)


def test_combine_is_mean_with_the_larger_of_posterior_and_scatter() -> None:
    tight = combine([-3.0, -3.0], [0.5, 0.5])
    assert tight.mean == -3.0 and tight.std == pytest.approx(0.5 / math.sqrt(2))
    spread = combine([-2.0, -4.0], [0.1, 0.1])
    assert spread.mean == -3.0 and spread.std == pytest.approx(1.0)  # half the difference of two cells
    assert combine([-2.5], [0.4]).std == pytest.approx(0.4)


def test_below_tg_widening_matches_its_formula() -> None:
    assert below_tg_std_log10(0.33, 0.05, 300.0) == 0.0
    expected = 0.5 * 0.33 * (1 / 303.15 - 1 / 400.0) / K_B_EV_K / math.log(10) / math.sqrt(3)
    assert below_tg_std_log10(0.33, 0.0, 400.0) == pytest.approx(expected) and 0.3 < expected < 0.45
    assert below_tg_std_log10(0.23, 0.05, 400.0) == pytest.approx(expected)  # the largest Ea the fit allows


def test_a_flat_poorly_known_fit_does_not_claim_to_know_the_slope_below_tg() -> None:
    """NACO75 on 7net-mf-0 (benchmarks/results/mlmd.md): Ea 0.06 +- 0.09 eV; +-50 % of 0.06 eV alone
    added 0.12 decades, less than the fit's own slope uncertainty over the same span."""
    lever = (1 / 303.15 - 1 / 550.0) / K_B_EV_K / math.log(10)  # decades per eV
    added = below_tg_std_log10(0.06, 0.09, 550.0)
    assert added == pytest.approx(0.5 * 0.24 * lever / math.sqrt(3))
    assert added > 3 * below_tg_std_log10(0.06, 0.0, 550.0)  # the point estimate alone: 0.13 decades
    assert below_tg_std_log10(0.0, 0.0, 550.0) == 0.0  # nothing known to be uncertain: nothing added


def test_two_diffusive_cells_give_a_value_with_scatter_and_widening() -> None:
    cells = [_cell(0, ea=0.30, ln_sd=0.01), _cell(1, ea=0.36, ln_sd=0.01)]
    result = assemble("LiAlCl2.5O0.75", cells, preset=QUICK, compute=COND, preset_name="quick")
    assert isinstance(result, Evaluation) and result.std is not None
    assert result.values["ea_eV"] == pytest.approx(0.33, abs=1e-6)
    assert result.std["ea_eV"] == pytest.approx(0.03, rel=0.05)  # between-cell scatter dominates
    meta = result.metadata
    assert meta["converged"] and meta["conductivity"]["cells"][0]["model"] == "arrhenius"
    widened = meta["conductivity"]["extrapolation"]["added_std_log10"]
    assert widened > 0 and meta["conductivity"]["extrapolation"]["tg_reference_K"] == 700.0  # no Tg: lowest T
    assert {"density_g_cm3", "pressure_GPa", "network"} <= set(meta)
    assert meta["conductivity"]["cells"][0]["model_reason"].startswith("3 diffusive temperatures")
    row = meta["conductivity"]["per_temperature"]["700"]
    assert row["diffusive"] == [True, True] and len(row["msd_A2"]) == 2
    assert row["empty_fraction"] == [None, None]  # runs saved before empty space was measured
    assert any("crosses this oracle's Tg" in w for w in meta["warnings"])


def test_each_temperature_carries_the_empty_space_of_every_cell() -> None:
    cells = [_cell(0), _cell(1)]
    for cell, fraction in zip(cells, (0.01, 0.08)):
        for run in cell.runs:
            run.update(empty_fraction=fraction, largest_empty_sphere_A=3.4 + 10 * fraction)
    result = assemble("LiAlCl3O0.5", cells, preset=QUICK, compute=COND, preset_name="quick")
    assert isinstance(result, Evaluation)
    row = result.metadata["conductivity"]["per_temperature"]["800"]
    assert row["empty_fraction"] == [0.01, 0.08] and row["largest_empty_sphere_A"] == pytest.approx([3.5, 4.2])


def test_quench_break_is_the_tg_reference_when_resolved() -> None:
    result = assemble("X", [_cell(0, quench_tg_K=520.0), _cell(1, quench_tg_K=520.0)], preset=QUICK, compute=COND,
                      preset_name="quick")
    assert isinstance(result, Evaluation)
    extrapolation = result.metadata["conductivity"]["extrapolation"]
    assert extrapolation["tg_reference_K"] == pytest.approx(520.0, abs=30.0)
    assert "quench" in extrapolation["tg_source"]


def test_non_diffusive_temperatures_are_left_out_and_too_few_is_a_failure() -> None:
    two_of_four = (False, False, True, True)
    result = assemble("LiAlCl2.5O0.75", [_cell(0, diffusive=two_of_four), _cell(1, diffusive=two_of_four)],
                      preset=QUICK, compute=COND, preset_name="quick")
    assert isinstance(result, Failure)
    assert "0 of 2 cells" in result.reason and "2 of 4 temperatures diffusive" in result.reason
    assert "600 K: MSD 2.0 A^2, slope 0.40" in result.reason


def test_one_bad_cell_of_three_is_left_out_with_a_warning() -> None:
    cells = [_cell(0), _cell(1), _cell(2, diffusive=(False, False, True))]
    result = assemble("X", cells, preset=PRESETS["production"], compute=COND, preset_name="production")
    assert isinstance(result, Evaluation)
    assert len(result.metadata["conductivity"]["combined"]["log10_sigma_30C"]) and result.metadata["converged"]
    assert any(w.startswith("left out: seed 2") for w in result.metadata["warnings"])


def test_smoke_keeps_unconverged_values_with_the_uninformative_std() -> None:
    cells = [_cell(0, diffusive=(False,) * 3), _cell(1, diffusive=(False,) * 3)]
    result = assemble("X", cells, preset=PRESETS["smoke"], compute=COND, preset_name="smoke")
    assert isinstance(result, Evaluation) and result.std is not None
    assert result.std["log10_sigma_30C"] >= UNCONVERGED_STD["log10_sigma_30C"]
    assert not result.metadata["converged"]
    assert any(w.startswith("not converged:") for w in result.metadata["warnings"])


def test_all_cells_failing_is_a_failure_naming_them() -> None:
    cells = [SeedOutcome(seed=0, error="melt boils"), SeedOutcome(seed=1, error="ran away")]
    result = assemble("X", cells, preset=QUICK, compute=COND, preset_name="quick")
    assert isinstance(result, Failure) and "melt boils" in result.reason and "ran away" in result.reason


def test_too_few_cells_left_by_failed_ones_is_a_failure_naming_them() -> None:
    cells = [_cell(0), SeedOutcome(seed=1, error="melt boils"), SeedOutcome(seed=2, error="ran away")]
    result = assemble("X", cells, preset=PRESETS["production"], compute=COND, preset_name="production")
    assert isinstance(result, Failure)
    assert result.reason == ("X: 1 of 1 cells give a conductivity (2 needed); seed 1: melt boils; "
                             "seed 2: ran away")


def _tg_cell(seed: int, *, at_edge: bool = False, tau: float = 0.1, resolved: bool | None = True) -> SeedOutcome:
    cell = _cell(seed)
    cell.tg = {"tg_K": 550.0 + seed * 10, "tg_std_K": 15.0, "tg_volume_K": 545.0, "tg_energy_K": 555.0,
               "at_edge": at_edge, "tau_V_ps": [tau] * 11, "hold_ps": 5.0, "resolved": resolved}
    return cell


def test_tg_edge_or_short_holds_fail_and_a_resolved_tg_is_the_reference() -> None:
    both, tg_only = frozenset({"conductivity", "tg"}), frozenset({"tg"})
    good = assemble("X", [_tg_cell(0), _tg_cell(1)], preset=QUICK, compute=both, preset_name="quick")
    assert isinstance(good, Evaluation)
    assert good.values["tg_C"] == pytest.approx(555.0 - 273.15)
    assert good.metadata["conductivity"]["extrapolation"]["tg_source"] == "Tg protocol"
    for cell, why in ((_tg_cell(0, at_edge=True), "edge of the grid"),
                      (_tg_cell(0, tau=1.0), "10 x the volume relaxation time"),
                      (_tg_cell(0, resolved=False), "seed 0: no Tg resolved")):
        alone = assemble("X", [cell, _tg_cell(1)], preset=QUICK, compute=tg_only, preset_name="quick")
        assert isinstance(alone, Failure) and why in alone.reason
        # beside a converged conductivity the Tg is left out, not the conductivity with it
        beside = assemble("X", [cell, _tg_cell(1)], preset=QUICK, compute=both, preset_name="quick")
        assert isinstance(beside, Evaluation) and "tg_C" not in beside.values and "tg_C" not in (beside.std or {})
        assert beside.values["log10_sigma_30C"] == good.values["log10_sigma_30C"]
        assert any(w.startswith("tg_C not given: ") and why in w for w in beside.metadata["warnings"])
        assert beside.metadata["conductivity"]["extrapolation"]["tg_source"] != "Tg protocol"
    before = assemble("X", [_tg_cell(0, resolved=None), _tg_cell(1)], preset=QUICK, compute=both, preset_name="quick")
    assert isinstance(before, Evaluation) and "tg_C" in before.values  # a Tg saved before the check, as it was


def test_autocorrelation_time_of_an_ar1_series() -> None:
    rng = np.random.default_rng(0)
    phi, x, series = 0.9, 0.0, []
    for _ in range(5000):
        x = phi * x + rng.normal()
        series.append(x)
    # integrated autocorrelation time of AR(1): (1 + phi) / (2 (1 - phi)) = 9.5 samples
    assert autocorrelation_time_ps(series, 0.02) == pytest.approx(9.5 * 0.02, rel=0.2)
    assert autocorrelation_time_ps([1.0] * 20, 0.02) == 0.0


@pytest.mark.slow
def test_kinisi_evidence_prefers_arrhenius_for_arrhenius_data_and_sees_vft_curvature() -> None:
    from oracles.mlmd.models import compare_models

    T = [550.0, 650.0, 750.0, 850.0]
    straight = [1e-2 * math.exp(-0.3 / (K_B_EV_K * t)) for t in T]
    assert compare_models(T, straight, [0.3] * 4, seed=0).model == "arrhenius"
    curved = [1e-3 * math.exp(-0.05 / (K_B_EV_K * (t - 400.0))) for t in T]
    choice = compare_models(T, curved, [0.05] * 4, seed=0)
    assert choice.ln_bayes_vft is not None and choice.ln_bayes_vft > 1.0
    assert choice.T0_K is not None and 300.0 < choice.T0_K < 500.0
    assert choice.model == "arrhenius" and "cannot extrapolate" in choice.reason  # T0 too close to 303 K

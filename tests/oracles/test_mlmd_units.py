"""ML-MD oracle pieces that need no ML potential: presets, setup errors, fits, diffusion analysis, guards."""

from __future__ import annotations

import functools
import math
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ase import Atoms

from oracles import Composition, OracleSetupError
from oracles.mlmd import PRESETS, MLMDOracle
from oracles.mlmd.diffusion import tracer_diffusion
from oracles.mlmd.fits import K_B_EV_K, fit_arrhenius, fit_tg, nernst_einstein_log10_sigma
from oracles.mlmd.guards import Guard, MDGuardError, min_distance_violation
from oracles.mlmd.presets import resolve_preset
from oracles.mlmd.processes import chained


def test_presets_escalate_in_cost() -> None:
    smoke, quick, production = PRESETS["smoke"], PRESETS["quick"], PRESETS["production"]
    assert smoke.production_ps < quick.production_ps < production.production_ps
    assert len(production.temperatures_K) >= 4 and production.production_ps >= 10
    assert 80 <= production.target_atoms <= 200


def test_overrides_apply_by_field_name() -> None:
    preset = resolve_preset("quick", {"production_steps": 1000, "temperatures_K": [500, 700]})
    assert preset.production_steps == 1000 and preset.temperatures_K == (500.0, 700.0)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"preset": "ultra"}, "preset"),
        ({"prodution_steps": 10}, "prodution_steps"),
        ({"melt_steps": -5}, "melt_steps"),
        ({"production_steps": 2.5}, "production_steps"),
        ({"tg_temperatures_K": [900, 300]}, "tg_temperatures_K"),
        ({"compute": ["viscosity"]}, "compute"),
        ({"device": "gpu"}, "device"),
        ({"threads": 0}, "threads"),
        ({"seeds": 0}, "seeds"),
        ({"fail_unconverged": "no"}, "fail_unconverged"),
        ({"potential": "mace"}, "potential"),
    ],
)
def test_bad_options_raise_setup_error_naming_them(options: dict[str, object], named: str) -> None:
    with pytest.raises(OracleSetupError, match=named):
        MLMDOracle(**{"preset": "smoke", **options})  # type: ignore[arg-type]


def test_unavailable_potential_is_a_setup_error() -> None:
    import importlib.util

    if importlib.util.find_spec("sevenn") is not None:
        pytest.skip("sevenn is installed")
    with pytest.raises(OracleSetupError, match="sevenn"):
        MLMDOracle(preset="smoke", potential="7net-0")


def test_outputs_follow_compute() -> None:
    assert set(MLMDOracle(preset="smoke").outputs) == {"log10_sigma_30C", "ea_eV", "tg_C"}
    assert set(MLMDOracle(preset="smoke", compute=["tg"]).outputs) == {"tg_C"}


def test_seeds_follow_preset_and_base_seed() -> None:
    assert MLMDOracle(preset="quick", seed=5).seeds == [5, 6]
    assert len(MLMDOracle(preset="production").seeds) == 3
    assert MLMDOracle(preset="quick", seeds=3, potential="chgnet").params.seeds == 3


def test_cuda_without_a_gpu_is_a_setup_error(tmp_path: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    oracle = MLMDOracle(preset="smoke", device="cuda", workdir=tmp_path)
    with pytest.raises(OracleSetupError, match="CUDA"):
        oracle.evaluate([Composition("Li", 1.0, 0.75)])


def test_constructor_imports_no_torch() -> None:
    code = ("import sys; from oracles.mlmd import MLMDOracle; MLMDOracle(preset='smoke', threads=1); "
            "assert 'torch' not in sys.modules and 'kinisi' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_arrhenius_recovers_activation_energy_and_propagates_error() -> None:
    T = np.array([500.0, 600.0, 700.0, 800.0])
    ln_d = math.log(1e-3) - 0.30 / (K_B_EV_K * T)
    fit = fit_arrhenius(T.tolist(), ln_d.tolist(), [0.1] * 4)
    assert fit.ea_eV == pytest.approx(0.30, abs=1e-9)
    mean, std = fit.ln_D(303.15)
    assert mean == pytest.approx(math.log(1e-3) - 0.30 / (K_B_EV_K * 303.15))
    assert std > 0.1  # extrapolation far outside the data is less certain than any point
    two = fit_arrhenius([600.0, 800.0], [-12.0, -10.0], [0.2, 0.2])
    assert math.isnan(two.reduced_chi2) and two.ea_std_eV > 0


def test_nernst_einstein_matches_hand_calculation() -> None:
    # 0.01 ions/A^3, D = 1e-6 cm^2/s, 300 K: sigma = 1e22 e^2 D / (k_B T) = 0.0620 S/cm
    assert 10 ** nernst_einstein_log10_sigma(math.log(1e-6), 0.01, 300.0) == pytest.approx(0.06198, rel=1e-3)


def test_tg_fit_finds_break_point() -> None:
    rng = np.random.default_rng(0)
    T = np.linspace(300.0, 1000.0, 8)
    V = 1000.0 + 0.02 * T + 0.05 * np.maximum(T - 620.0, 0.0) + rng.normal(0, 0.2, T.size)
    fit = fit_tg(T.tolist(), V.tolist(), rng=rng, n_bootstrap=200)
    assert fit.tg_K == pytest.approx(620.0, abs=40.0)
    assert 0 < fit.tg_std_K < 100 and fit.slope_high > fit.slope_low and not fit.at_edge
    assert fit.steeper_above(len(T))


@pytest.mark.parametrize("offset", [0.0, 1000.0, 1e5])
def test_a_straight_line_has_no_break_whatever_its_rounding(offset: float) -> None:
    """An exactly linear V(T) fits every break equally well, so rounding picks one, interior and with a
    slope above it larger by ~1e-16 on some numpy builds (seen with numpy 2.4.6): not a Tg."""
    T = [800.0, 700.0, 600.0, 500.0, 400.0, 300.0]
    fit = fit_tg(T, [offset + 0.1 * t for t in T], rng=np.random.default_rng(0), n_bootstrap=0)
    assert not fit.steeper_above(len(T))


def test_tracer_diffusion_recovers_random_walk_coefficient() -> None:
    rng = np.random.default_rng(1)
    n_li, n_cl, length, sigma_A = 8, 24, 12.0, 0.1  # per-frame step std per axis, Angstrom
    pos = rng.uniform(0.0, length, (n_li + n_cl, 3))
    frames = []
    for _ in range(200):
        pos = pos + np.vstack([rng.normal(0, sigma_A, (n_li, 3)), rng.normal(0, 0.01, (n_cl, 3))])
        frames.append(Atoms(["Li"] * n_li + ["Cl"] * n_cl, positions=pos % length, cell=[length] * 3, pbc=True))
    result = tracer_diffusion(frames, "Li", T_K=600.0, timestep_fs=2.0, frame_interval=5, start_fraction=0.1,
                              n_samples=300, seed=0, hop_length_A=1.0)
    expected = sigma_A**2 / (2 * 0.01) * 1e-4  # A^2/ps -> cm^2/s
    assert abs(math.log(result.D_cm2_s / expected)) < 3 * result.ln_D_std + 0.3
    assert result.diffusive and result.duration_ps == pytest.approx(1.99)
    assert result.msd_slope == pytest.approx(1.0, abs=0.3)


def test_caged_ions_are_not_diffusive_even_with_a_large_msd() -> None:
    # Li vibrate around fixed sites with 2 Angstrom amplitude: MSD above 1 A^2 but flat in time.
    rng = np.random.default_rng(2)
    n_li, n_cl, length = 8, 24, 12.0
    sites = rng.uniform(0.0, length, (n_li + n_cl, 3))
    frames = []
    for _ in range(200):
        pos = sites + np.vstack([rng.normal(0, 1.2, (n_li, 3)), rng.normal(0, 0.01, (n_cl, 3))])
        frames.append(Atoms(["Li"] * n_li + ["Cl"] * n_cl, positions=pos % length, cell=[length] * 3, pbc=True))
    result = tracer_diffusion(frames, "Li", T_K=600.0, timestep_fs=2.0, frame_interval=5, start_fraction=0.1,
                              n_samples=200, seed=0, hop_length_A=1.0)
    assert result.msd_end_A2 > 1.0 and abs(result.msd_slope) < 0.3 and not result.diffusive


def test_min_distance_guard_names_the_pair() -> None:
    atoms = Atoms("LiCl", positions=[[0, 0, 0], [0.3, 0, 0]], cell=[8, 8, 8], pbc=True)
    problem = min_distance_violation(atoms, 0.5)
    assert problem is not None and "Li" in problem and "0.30 Angstrom" in problem
    atoms.positions[1, 0] = 2.3
    assert min_distance_violation(atoms, 0.5) is None


def test_oracle_pickles_for_process_pools() -> None:
    import pickle

    oracle = pickle.loads(pickle.dumps(MLMDOracle(preset="smoke", threads=1, target_atoms=30)))
    assert oracle.params.target_atoms == 30 and oracle.threads == 1 and oracle._calculator is None


def _burn(cpu_s: float) -> None:
    start = time.process_time()
    while time.process_time() - start < cpu_s:
        pass


def test_step_time_guard_counts_cpu_seconds_so_a_busy_machine_does_not_stop_a_run() -> None:
    """A step whose CPU time grows 40-fold is a runaway; a step that waits 40 times as long for a core is not."""
    from ase.calculators.lj import LennardJones

    atoms = Atoms("LiCl", positions=[[0, 0, 0], [3, 0, 0]], cell=[10, 10, 10], pbc=True)
    atoms.calc = LennardJones()
    guard = Guard(atoms, label="NVT 600 K", target_K=600.0, interval=5, runaway_factor=2.0,
                  min_distance_fraction=0.5, step_time_factor=20.0)
    for _ in range(11):  # ASE's call before the first step, then the baseline
        _burn(0.0005)
        guard()
    for _ in range(10):  # descheduled: wall time passes, no CPU
        _burn(0.0005)
        time.sleep(0.02)
        guard()
    with pytest.raises(MDGuardError, match=r"NVT 600 K: MD step time exploded to .* CPU s"):
        for _ in range(5):
            _burn(0.02)
            guard()


def test_processes_go_to_cells_then_to_their_temperatures() -> None:
    quick = {"preset": "quick", "compute": ["conductivity"], "potential": "chgnet"}  # 4 temperatures, 2 cells
    assert MLMDOracle(**quick)._workers(2) == 1  # threads unset: this process
    assert MLMDOracle(**quick, threads=2)._workers(2) == 2  # the two cells' jobs share two processes
    assert MLMDOracle(**quick, threads=3)._workers(2) == 3  # temperatures side by side
    assert MLMDOracle(**quick, threads=16)._workers(2) == 8  # every (cell, temperature)
    assert MLMDOracle(**quick, threads=16)._workers(1) == 4
    assert MLMDOracle(preset="quick", compute=["tg"], potential="chgnet", threads=16)._workers(2) == 2


def test_a_cells_temperatures_start_as_soon_as_its_glass_exists_not_after_every_glass() -> None:
    """3 cells on 2 processes: cell 0's temperatures must run while cell 2's glass is still being made
    (waiting for every glass first would leave a process idle); a failed glass starts nothing."""
    started: list[tuple[int, float | None]] = []
    lock = threading.Lock()
    cell0_temperature_ran = threading.Event()

    def glass(seed: int) -> None:
        with lock:
            started.append((seed, None))
        if seed == 1:
            raise RuntimeError("melt blew up")
        if seed == 2:  # still making this glass: only a scheduler that does not wait for it lets this go
            assert cell0_temperature_ran.wait(timeout=30), "cell 0's temperatures waited for every glass"

    def temperature(seed: int, T: float) -> None:
        with lock:
            assert (seed, None) in started
            started.append((seed, T))
        if seed == 0:
            cell0_temperature_ran.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        chained({pool.submit(glass, seed): seed for seed in (0, 1, 2)},
                lambda seed: [((T, seed), functools.partial(pool.submit, temperature, seed, T))
                              for T in (550.0, 850.0)], slots=2)
    assert sorted(job for job in started if job[1] is not None) == [(0, 550.0), (0, 850.0), (2, 550.0), (2, 850.0)]


def test_the_longest_jobs_of_all_ready_cells_run_first_not_the_first_cells_jobs() -> None:
    """Two cells whose glasses are both made before a process frees: the coldest temperatures of both
    cells go first. Started in the order each glass finished, cell 1's coldest (longest) temperature
    would run last, with the other processes idle beside it."""
    order: list[tuple[float, int]] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        chained({pool.submit(lambda: None): seed for seed in (0, 1)},
                lambda seed: [((T, seed), functools.partial(pool.submit, order.append, (T, seed)))
                              for T in (850.0, 550.0, 650.0)],
                slots=1)
    assert order == [(550.0, 0), (550.0, 1), (650.0, 0), (650.0, 1), (850.0, 0), (850.0, 1)]


def test_queued_jobs_are_dropped_once_keep_says_so_and_every_finished_future_is_seen() -> None:
    """One process: cell 0's first temperature tells `seen` to stop; the jobs still queued then are dropped."""
    ran: list[tuple[float, int]] = []
    seen: list[Any] = []
    stop = threading.Event()

    def temperature(T: float, seed: int) -> None:
        ran.append((T, seed))
        if (T, seed) == (550.0, 0):
            stop.set()

    with ThreadPoolExecutor(max_workers=1) as pool:
        chained({pool.submit(lambda: None): seed for seed in (0, 1)},
                lambda seed: [((T, seed), functools.partial(pool.submit, temperature, T, seed))
                              for T in (850.0, 550.0)],
                slots=1, seen=lambda job, future: seen.append(job), keep=lambda job: not stop.is_set())
    assert ran == [(550.0, 0)]
    assert sorted(seen[:2]) == [0, 1] and seen[2:] == [(550.0, 0)]  # both glasses, then the one temperature run


def test_a_composition_stops_once_too_few_of_its_cells_can_give_a_conductivity() -> None:
    from concurrent.futures import Future

    from oracles.mlmd.early_stop import Viability

    def finished(*runs: tuple[float, bool]) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result([{"diffusion": {"T_K": T, "diffusive": ok}} for T, ok in runs])
        return future

    lo5, laco = Composition("Li", 1.0, 0.5), Composition("Li", 1.0, 0.75)
    v = Viability([(lo5, 0), (lo5, 1), (laco, 0), (laco, 1)], PRESETS["quick"])  # 4 temperatures, 2 cells needed
    v.record(lo5.formula, 1, finished((550.0, True), (650.0, False)))
    assert not v.stopped(lo5.formula) and v.cell_lost(lo5.formula, 1) is None  # 3 of 4 may still be diffusive
    failed: Future[Any] = Future()
    failed.set_exception(RuntimeError("guard"))
    v.record(lo5.formula, 1, failed)  # a failed job is run again by its cell: it says nothing
    v.record(lo5.formula, 1, finished((750.0, False)))
    assert v.stopped(lo5.formula) and not v.stopped(laco.formula)
    assert v.cell_error(lo5.formula, 1) == ("2 of 4 temperatures not diffusive (650, 750 K), so at most 2 can be "
                                            "(3 needed)")
    assert v.cell_error(lo5.formula, 0).startswith("not finished: stopped once fewer than 2 cells of LiAlCl3O0.5")
    three = Viability([(laco, 0), (laco, 1), (laco, 2)], PRESETS["production"])  # 3 cells, 2 needed
    three.record(laco.formula, 0, finished(*((T, False) for T in PRESETS["production"].temperatures_K)))
    assert three.cell_lost(laco.formula, 0) is not None
    assert not three.stopped(laco.formula)  # two other cells can still give the two values needed


"""Glass transition of one cell: MTK NPT holds on a descending temperature grid from the annealed melt.

At each temperature the cell is held ``tg_hold_steps`` (NPT, 0 GPa); the second half of the hold
gives the mean volume and potential energy. The volume-relaxation time tau_V of each hold is the
integrated autocorrelation time of its volume (second half); a hold shorter than 10 tau_V is
reported. Two-line (hinge) fits of V(T) and E(T) each give a break; a break at the edge of the
grid means the transition was not bracketed. The cell's Tg is the mean of the two breaks; its std
combines the bootstrap stds with half their difference. Cooling rates are 10^12-10^13 K/s, so
this is an MD descriptor, biased upward from a DSC Tg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .cost import Clock
from .dynamics import run_stage, set_velocities, snapshot
from .fits import fit_tg

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

    from .artifacts import ArtifactWriter
    from .glass import GlassCell
    from .presets import MDPreset
    from .saved_md import SavedMD

#: A hold must last at least this many volume-relaxation times (issue 11).
HOLD_OVER_TAU = 10.0


@dataclass(frozen=True)
class TgResult:
    """One cell's Tg (K) from volume and energy, with the data and the checks behind it."""

    tg_K: float
    tg_std_K: float
    tg_volume_K: float
    tg_energy_K: float
    at_edge: bool
    temperatures_K: list[float]
    volumes_A3: list[float]
    energies_eV_atom: list[float]
    tau_V_ps: list[float]
    hold_ps: float
    cooling_rate_K_s: float
    holds_long_enough: bool
    simulated_ps: float
    wall_s: float = 0.0
    cpu_s: float = 0.0
    #: both V(T) and E(T) steeper above their break beyond chance (`TgFit.steeper_above`); None if not checked
    resolved: bool | None = None


def autocorrelation_time_ps(series: list[float], dt_ps: float) -> float:
    """Integrated autocorrelation time of ``series`` sampled every ``dt_ps`` (Sokal's window, c = 5), ps."""
    x = np.asarray(series, dtype=float)
    if len(x) < 8 or np.std(x) == 0:
        return 0.0
    x = x - x.mean()
    acf = np.correlate(x, x, mode="full")[len(x) - 1:] / (np.arange(len(x), 0, -1) * x.var())
    tau = 0.5
    for m in range(1, len(x)):
        tau += acf[m]
        if m >= 5 * tau:
            break
    return float(max(tau, 0.5) * dt_ps)


def glass_transition(glass: GlassCell, *, calculator: Calculator, preset: MDPreset, rng: np.random.Generator,
                     writer: ArtifactWriter, seed: int, n_bootstrap: int, saved: SavedMD | None = None) -> TgResult:
    """Hold the melt at each of ``preset.tg_temperatures_K`` (descending) and fit the break.

    With ``saved``, the state after every hold is kept there: a killed run resumes at the next hold
    and gives the numbers an unbroken one would (MTK starts anew each hold; ``rng`` is restored).
    """
    p = preset
    atoms = glass.melt.copy()
    temperatures = sorted(p.tg_temperatures_K, reverse=True)

    def parse(record: dict[str, Any], arrays: dict[str, np.ndarray]) -> tuple[dict[str, list[float]], list[Atoms]]:
        done = {name: [float(v) for v in record[name]] for name in ("volumes", "energies", "taus", "cost")}
        frames = [snapshot(atoms, T_K=T) for T in temperatures[:len(done["volumes"])]]
        for frame, positions, momenta, cell in zip(frames, arrays["cooled_positions"], arrays["cooled_momenta"],
                                                   arrays["cooled_cells"], strict=True):
            frame.set_cell(cell)
            frame.set_positions(positions)
            frame.set_momenta(momenta)
        return done, frames

    resumed = None if saved is None else saved.load(atoms, rng, parse)
    atoms.calc = calculator
    if resumed is None:
        set_velocities(atoms, temperatures[0], rng)
        done: dict[str, list[float]] = {"volumes": [], "energies": [], "taus": [], "cost": [0.0, 0.0]}
        cooled: list[Atoms] = []
    else:
        done, cooled = resumed
    volumes, energies, taus = done["volumes"], done["energies"], done["taus"]
    clock = Clock(cpu_s=done["cost"][0], wall_s=done["cost"][1])  # counting earlier runs of this cooling
    record_interval = 10
    for T in temperatures[len(volumes):]:
        tail = run_stage(atoms, p, ensemble="npt", T_K=T, steps=p.tg_hold_steps, timestep_fs=p.timestep_fs, rng=rng,
                         label=f"{glass.formula} s{seed}: Tg hold {T:.0f} K", record_interval=record_interval
                         ).series.tail()
        volumes.append(float(np.mean(tail.volume_A3)))
        energies.append(float(np.mean(tail.potential_eV)) / len(atoms))
        taus.append(autocorrelation_time_ps(tail.volume_A3, record_interval * p.timestep_fs / 1000.0))
        cooled.append(snapshot(atoms, T_K=T))
        if saved is not None:
            spent = clock.elapsed()
            done["cost"] = [spent["cpu_s"], spent["wall_s"]]
            saved.save(done, atoms, rng, cooled_positions=np.array([f.get_positions() for f in cooled]),
                       cooled_momenta=np.array([f.get_momenta() for f in cooled]),
                       cooled_cells=np.array([np.asarray(f.cell) for f in cooled]))
    writer.write("tg_cooling", cooled)
    by_volume = fit_tg(temperatures, volumes, rng=rng, n_bootstrap=n_bootstrap)
    by_energy = fit_tg(temperatures, energies, rng=rng, n_bootstrap=n_bootstrap)
    hold_ps = p.tg_hold_steps * p.timestep_fs / 1000.0
    step_K = float(np.median(-np.diff(temperatures)))
    spread = abs(by_volume.tg_K - by_energy.tg_K) / 2.0
    result = TgResult(
        tg_K=(by_volume.tg_K + by_energy.tg_K) / 2.0,
        tg_std_K=math.sqrt((by_volume.tg_std_K**2 + by_energy.tg_std_K**2) / 2.0 + spread**2),
        tg_volume_K=by_volume.tg_K, tg_energy_K=by_energy.tg_K,
        at_edge=by_volume.at_edge or by_energy.at_edge,
        temperatures_K=temperatures, volumes_A3=volumes, energies_eV_atom=energies, tau_V_ps=taus, hold_ps=hold_ps,
        cooling_rate_K_s=step_K / (hold_ps * 1e-12),
        holds_long_enough=bool(hold_ps >= HOLD_OVER_TAU * max(taus, default=0.0)),
        simulated_ps=hold_ps * len(temperatures), **clock.elapsed(),
        resolved=by_volume.steeper_above(len(temperatures)) and by_energy.steeper_above(len(temperatures)),
    )
    if saved is not None:
        saved.remove()
    return result

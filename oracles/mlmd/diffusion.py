"""Tracer diffusion of the mobile ion from an NVT trajectory, with kinisi's Bayesian uncertainty.

Why kinisi: the MSD at successive time intervals is strongly correlated (overlapping windows), so
an ordinary least-squares error bar on its slope is far too small. kinisi models the MSD
covariance and samples the posterior of D (McCluskey et al., JCTC 2024); the spread of those
samples is the error bar we report. D is the tracer (self) diffusion coefficient; frame drift of
the non-mobile atoms is removed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ase import Atoms

#: Smallest D reported, cm^2/s: below what ps runs can resolve; keeps ln D finite for non-diffusive runs.
D_FLOOR_CM2_S = 1e-12


@dataclass(frozen=True)
class DiffusionResult:
    """Tracer diffusion of one species at one temperature.

    Attributes:
        T_K: thermostat temperature, K.
        D_cm2_s: posterior median of D, cm^2/s.
        ln_D_std: standard deviation of ln(D / cm^2 s^-1) over the posterior samples.
        msd_end_A2: drift-corrected mean squared displacement at the end of the run, Angstrom^2.
        n_hops: hop estimate N_ion * MSD_end / hop_length^2 (random-walk count).
        n_mobile: ions that ended more than one hop length from where they started.
        msd_slope: slope of log MSD against log time over the fitted window (1 for diffusion, < 1
            while ions rattle in cages, > 1 for ballistic motion or drift).
        diffusive: MSD_end exceeds one hop length squared (the run saw real hops, not only
            vibration) and ``msd_slope`` is within the tolerance of 1 (the MSD is linear in time).
        duration_ps: length of the analysed trajectory, ps.
        framework_msd_end_A2: the same MSD for all other atoms; well above ~1 Angstrom^2 the
            framework flows (a melt), so the run measured a liquid.
    """

    T_K: float
    D_cm2_s: float
    ln_D_std: float
    msd_end_A2: float
    n_hops: float
    n_mobile: int
    msd_slope: float
    diffusive: bool
    duration_ps: float
    framework_msd_end_A2: float


def unwrapped_displacements(frames: list[Atoms], indices: np.ndarray) -> np.ndarray:
    """Displacements from frame 0 (frames x atoms x 3, Angstrom) of all atoms, unwrapped, minus the
    mean drift of the atoms not in ``indices`` (the framework)."""
    scaled = np.array([f.get_scaled_positions(wrap=False) for f in frames])
    step = np.diff(scaled, axis=0)
    step -= np.round(step)  # frames are close in time: no atom moves half a cell between them
    frac = np.concatenate([np.zeros_like(scaled[:1]), np.cumsum(step, axis=0)])
    cart = frac @ np.asarray(frames[0].cell)
    others = np.setdiff1d(np.arange(len(frames[0])), indices)
    drift = cart[:, others].mean(axis=1, keepdims=True) if len(others) else 0.0
    return np.asarray(cart - drift)


def tracer_diffusion(frames: list[Atoms], species: str, *, T_K: float, timestep_fs: float, frame_interval: int,
                     start_fraction: float, n_samples: int, seed: int, hop_length_A: float,
                     slope_tolerance: float = 0.3) -> DiffusionResult:
    """Tracer D of ``species`` from ``frames`` (one every ``frame_interval`` MD steps of ``timestep_fs``).

    Diffusive means both: the mean squared displacement at the end exceeds ``hop_length_A``^2 and
    the log-log slope of the MSD over the fitted window is within ``slope_tolerance`` of 1.
    """
    import scipp as sc
    from kinisi.analyze import DiffusionAnalyzer

    indices = np.flatnonzero(np.array(frames[0].get_chemical_symbols()) == species)
    if len(indices) == 0:
        raise ValueError(f"no {species} atoms to follow")
    disp = unwrapped_displacements(frames, indices)
    sq_all = (disp[-1] ** 2).sum(axis=1)
    sq_end = sq_all[indices]
    framework = np.setdiff1d(np.arange(len(sq_all)), indices)
    msd_end = float(sq_end.mean())
    duration_ps = (len(frames) - 1) * frame_interval * timestep_fs / 1000.0

    analyzer = DiffusionAnalyzer.from_ase(
        frames, specie=species, time_step=sc.scalar(timestep_fs / 1000.0, unit="ps"),
        step_skip=sc.scalar(frame_interval, unit="dimensionless"), progress=False,
    )
    intervals = analyzer.dt.values
    start = max(float(intervals[0]), start_fraction * float(intervals[-1]))
    # kinisi seeds numpy's global generator from random_state; restore it so no global state leaks.
    saved = np.random.get_state()
    try:
        analyzer.diffusion(sc.scalar(start, unit="ps"), n_samples=n_samples, n_burn=max(100, n_samples // 2),
                           progress=False, random_state=np.random.RandomState(seed))
    finally:
        np.random.set_state(saved)
    slope = msd_loglog_slope(intervals, np.asarray(analyzer.msd.values, dtype=float), start)
    samples = np.maximum(np.asarray(analyzer.D.values, dtype=float), D_FLOOR_CM2_S)
    ln = np.log(samples)
    low, high = np.percentile(ln, [15.87, 84.13])
    return DiffusionResult(
        T_K=T_K,
        D_cm2_s=float(np.exp(np.median(ln))),
        ln_D_std=float(max((high - low) / 2.0, 1e-6)),
        msd_end_A2=msd_end,
        n_hops=float(len(indices) * msd_end / hop_length_A**2),
        n_mobile=int((np.sqrt(sq_end) > hop_length_A).sum()),
        msd_slope=slope,
        diffusive=bool(msd_end > hop_length_A**2 and math.isfinite(msd_end) and abs(slope - 1.0) <= slope_tolerance),
        duration_ps=duration_ps,
        framework_msd_end_A2=float(sq_all[framework].mean()) if len(framework) else 0.0,
    )


def msd_loglog_slope(dt_ps: np.ndarray, msd_A2: np.ndarray, start_ps: float) -> float:
    """Least-squares slope of log MSD against log t for t >= ``start_ps`` (NaN-free; 0 if undefined)."""
    keep = (dt_ps >= start_ps) & (msd_A2 > 0) & (dt_ps > 0)
    if keep.sum() < 2:
        return 0.0
    slope = np.polyfit(np.log(dt_ps[keep]), np.log(msd_A2[keep]), 1)[0]
    return float(slope) if math.isfinite(slope) else 0.0

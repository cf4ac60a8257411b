"""The ML-MD protocol for one structure: relax, melt-quench, NVT diffusion at several T, NPT cooling for Tg.

Raises `MDGuardError` (or ValueError from a fit) for a candidate that cannot be evaluated; the
oracle turns those into a `Failure`. Returns plain JSON-ready values and metadata.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomistic.structures import density_of
from .artifacts import ArtifactWriter
from .diffusion import tracer_diffusion
from .dynamics import npt_volumes, nvt, quiet_potential, set_velocities, snapshot
from .fits import T_30C_K, fit_arrhenius, fit_tg, nernst_einstein_log10_sigma
from .guards import MDGuardError, check_finite, min_distance_violation
from .presets import MDPreset

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

#: Framework (non-mobile atoms) MSD, Angstrom^2, above which a production run is flagged as liquid.
FLOWING_FRAMEWORK_A2 = 2.0


@dataclass
class RunResult:
    values: dict[str, float] = field(default_factory=dict)
    std: dict[str, float] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Protocol:
    """Inputs shared by the stages of one run (science in ``preset``; machine state in the rest)."""

    preset: MDPreset
    calculator: Calculator
    rng: np.random.Generator
    seed: int
    writer: ArtifactWriter
    label: str
    simulated_fs: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def nvt(self, atoms: Atoms, *, T_K: float, steps: int, timestep_fs: float, stage: str,
            frame_interval: int = 0) -> list[Atoms]:
        self.simulated_fs += steps * timestep_fs
        return nvt(atoms, self.preset, T_K=T_K, steps=steps, timestep_fs=timestep_fs, rng=self.rng,
                   label=f"{self.label}: {stage}", frame_interval=frame_interval)


def run_protocol(atoms: Atoms, proto: Protocol, *, species: str, melt: bool, compute: frozenset[str]) -> RunResult:
    """Evaluate ``atoms`` (a starting cell); ``melt`` runs the melt-quench (glass) before the analyses."""
    p = proto.preset
    start = time.perf_counter()
    problem = min_distance_violation(atoms, p.min_distance_fraction)
    if problem:
        raise MDGuardError(f"{proto.label}: starting structure: {problem}")
    proto.writer.write("initial", atoms)
    logger.info("%s: relax (FIRE, up to %d steps)", proto.label, p.relax_max_steps)
    from ..atomistic.relax import relax_structure

    with quiet_potential():
        relaxed, _, converged = relax_structure(atoms, proto.calculator, fmax_eV_A=p.relax_fmax_eV_A,
                                                max_steps=p.relax_max_steps)
        check_finite(relaxed)
    if not converged:
        proto.warnings.append(f"FIRE relaxation stopped at {p.relax_max_steps} steps before fmax={p.relax_fmax_eV_A}")
    glass, melt_end = _prepare(relaxed, proto, melt=melt)
    proto.writer.write("equilibrated_300K", glass)
    result = RunResult()
    if "conductivity" in compute:
        _conductivity(glass, proto, species, result)
    if "tg" in compute:
        if melt_end is None:
            proto.warnings.append("Tg not computed: no melt for a crystal reference")
        else:
            _glass_transition(melt_end, proto, result)
    result.metadata.update(
        n_atoms=len(atoms),
        counts={str(k): int(v) for k, v in atoms.info.get("counts", {}).items()} or _counts(atoms),
        formula=str(atoms.info.get("formula", atoms.get_chemical_formula())),
        density_g_cm3=density_of(atoms),
        simulated_ps=proto.simulated_fs / 1000.0,
        wall_time_s=time.perf_counter() - start,
        seed=proto.seed,
        preset_parameters=asdict(p),
        warnings=proto.warnings,
        artifacts=proto.writer.records,
    )
    return result


def _prepare(relaxed: Atoms, proto: Protocol, *, melt: bool) -> tuple[Atoms, Atoms | None]:
    """Melt, quench and equilibrate at 300 K (glass) or just equilibrate (crystal)."""
    p = proto.preset
    atoms = relaxed.copy()
    atoms.calc = proto.calculator
    melt_end = None
    if melt:
        set_velocities(atoms, p.melt_T_K, proto.rng)
        proto.nvt(atoms, T_K=p.melt_T_K, steps=p.melt_steps, timestep_fs=p.melt_timestep_fs,
                  stage=f"melt {p.melt_T_K:.0f} K")
        melt_end = snapshot(atoms)
        proto.writer.write("melt_end", melt_end)
        block = p.quench_steps // p.quench_blocks
        for T in np.linspace(p.melt_T_K, p.quench_end_K, p.quench_blocks + 1)[1:]:
            proto.nvt(atoms, T_K=float(T), steps=block, timestep_fs=p.melt_timestep_fs, stage=f"quench {T:.0f} K")
    else:
        set_velocities(atoms, p.quench_end_K, proto.rng)
    proto.nvt(atoms, T_K=p.quench_end_K, steps=p.equilibrate_steps, timestep_fs=p.timestep_fs,
              stage=f"equilibrate {p.quench_end_K:.0f} K")
    return atoms, melt_end


def _conductivity(glass: Atoms, proto: Protocol, species: str, result: RunResult) -> None:
    p = proto.preset
    runs = []
    for T in p.temperatures_K:
        atoms = glass.copy()
        atoms.calc = proto.calculator
        set_velocities(atoms, T, proto.rng)
        proto.nvt(atoms, T_K=T, steps=p.equilibrate_per_T_steps, timestep_fs=p.timestep_fs,
                  stage=f"equilibrate {T:.0f} K")
        frames = proto.nvt(atoms, T_K=T, steps=p.production_steps, timestep_fs=p.timestep_fs,
                           stage=f"NVT production {T:.0f} K", frame_interval=p.frame_interval_steps)
        proto.writer.write(f"production_{T:.0f}K", frames)
        run = tracer_diffusion(frames, species, T_K=T, timestep_fs=p.timestep_fs, frame_interval=p.frame_interval_steps,
                               start_fraction=p.msd_start_fraction, n_samples=p.kinisi_samples, seed=proto.seed,
                               hop_length_A=p.hop_length_A)
        logger.info("%s: D(%s, %.0f K) = %.3g cm2/s (ln sd %.2f), MSD %.2f A2", proto.label, species, T,
                    run.D_cm2_s, run.ln_D_std, run.msd_end_A2)
        if not run.diffusive:
            proto.warnings.append(f"{species} MSD at {T:.0f} K is {run.msd_end_A2:.2f} A^2 < hop length^2: "
                                  "not diffusive, D is an upper-bound-like estimate")
        if run.framework_msd_end_A2 > FLOWING_FRAMEWORK_A2:
            proto.warnings.append(f"framework MSD at {T:.0f} K is {run.framework_msd_end_A2:.1f} A^2: "
                                  "the cell flows (liquid) at this temperature")
        runs.append(run)
    fit = fit_arrhenius([r.T_K for r in runs], [math.log(r.D_cm2_s) for r in runs], [r.ln_D_std for r in runs])
    ln_d, ln_d_std = fit.ln_D(T_30C_K)
    n_ions = int(np.sum(np.array(glass.get_chemical_symbols()) == species))
    log10_sigma = nernst_einstein_log10_sigma(ln_d, n_ions / glass.get_volume(), T_30C_K)
    if len(runs) < 3:
        proto.warnings.append(f"Arrhenius fit on {len(runs)} temperatures: no check of linearity")
    result.values.update(log10_sigma_30C=log10_sigma, ea_eV=fit.ea_eV)
    result.std.update(log10_sigma_30C=ln_d_std / math.log(10.0), ea_eV=fit.ea_std_eV)
    result.metadata["conductivity"] = {
        "species": species,
        "temperatures_K": [r.T_K for r in runs],
        "D_cm2_s": [r.D_cm2_s for r in runs],
        "ln_D_std": [r.ln_D_std for r in runs],
        "msd_end_A2": [r.msd_end_A2 for r in runs],
        "framework_msd_end_A2": [r.framework_msd_end_A2 for r in runs],
        "hop_counts": [r.n_hops for r in runs],
        "mobile_ions": [r.n_mobile for r in runs],
        "production_ps_per_T": p.production_ps,
        "arrhenius_reduced_chi2": None if math.isnan(fit.reduced_chi2) else fit.reduced_chi2,
        "number_density_A3": n_ions / glass.get_volume(),
        "method": "kinisi Bayesian MSD regression; Nernst-Einstein with Haven ratio 1; Arrhenius to 303.15 K",
    }


def _glass_transition(melt_end: Atoms, proto: Protocol, result: RunResult) -> None:
    p = proto.preset
    atoms = melt_end.copy()
    atoms.calc = proto.calculator
    temperatures = sorted(p.tg_temperatures_K, reverse=True)
    set_velocities(atoms, temperatures[0], proto.rng)
    volumes, cooled = [], []
    for T in temperatures:
        proto.simulated_fs += p.tg_steps_per_T * p.timestep_fs
        samples = npt_volumes(atoms, p, T_K=T, steps=p.tg_steps_per_T, label=f"{proto.label}: NPT cooling {T:.0f} K")
        volumes.append(float(np.mean(samples)))
        cooled.append(snapshot(atoms, T_K=T))
    proto.writer.write("tg_cooling", cooled)
    fit = fit_tg(temperatures, volumes, rng=proto.rng, n_bootstrap=p.tg_bootstrap)
    if fit.at_edge or fit.slope_high <= fit.slope_low:
        proto.warnings.append("V(T) shows no clear glass transition (break at the schedule edge or liquid "
                              "expansivity not above the glass's); tg_C std is then not meaningful")
    rate_K_ps = (temperatures[0] - temperatures[1]) / (p.tg_steps_per_T * p.timestep_fs / 1000.0)
    result.values["tg_C"] = fit.tg_K - 273.15
    result.std["tg_C"] = fit.tg_std_K
    result.metadata["tg"] = {
        "temperatures_K": temperatures,
        "volumes_A3": volumes,
        "slope_glass_A3_K": fit.slope_low,
        "slope_liquid_A3_K": fit.slope_high,
        "cooling_rate_K_per_ps": rate_K_ps,
        "density_lowest_T_g_cm3": density_of(atoms),
        "caveat": "MD cooling rates (~1e12-1e14 K/s) bias Tg upward; a relative descriptor to calibrate on lab data",
    }


def _counts(atoms: Atoms) -> dict[str, int]:
    symbols = atoms.get_chemical_symbols()
    return {s: symbols.count(s) for s in dict.fromkeys(symbols)}

"""From the cells' outcomes to one `Evaluation` (or a `Failure` that names why there is none).

Rules (issue 11): a temperature whose production is not diffusive is left out of the fits; a cell
with fewer than `MIN_DIFFUSIVE_TEMPERATURES` diffusive temperatures gives no conductivity; fewer
than two such cells (or than ``seeds`` if that is 1) and the evaluation fails. A Tg break at the
edge of the grid fails too. Presets with ``fail_unconverged=False`` (``smoke``) return the values
instead, with the uninformative `UNCONVERGED_STD` and a "not converged" warning.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..results import Evaluation, Failure
from .ensemble import below_tg_std_log10, combine
from .fits import T_30C_K, fit_arrhenius, fit_tg, nernst_einstein_log10_sigma
from .models import compare_models
from .presets import MIN_DIFFUSIVE_TEMPERATURES, MIN_TG_TEMPERATURES, MDPreset
from .tg import HOLD_OVER_TAU
from .workflow import SeedOutcome

#: The std of an output that did not converge (smoke): about the whole plausible range, i.e. no information.
UNCONVERGED_STD = {"log10_sigma_30C": 3.0, "ea_eV": 0.3, "tg_C": 200.0}
#: NVE drift above this (meV/atom/ps) says the timestep is too long for the potential.
MAX_DRIFT_MEV_ATOM_PS = 1.0


def assemble(formula: str, outcomes: list[SeedOutcome], *, preset: MDPreset, compute: frozenset[str],
             preset_name: str) -> Evaluation | Failure:
    errors = [f"seed {o.seed}: {o.error}" for o in outcomes if o.error]
    warnings = list(errors)
    good = [o for o in outcomes if o.error is None]
    if not good:
        return Failure(f"{formula}: every cell failed: " + "; ".join(errors))
    meta: dict[str, Any] = _glass_metadata(good, warnings)
    values: dict[str, float] = {}
    std: dict[str, float] = {}
    problems: list[str] = []
    tg_problems: list[str] = []
    tg_K: float | None = None
    if "tg" in compute:
        tg_K = _tg(good, preset, values, std, meta, tg_problems, warnings)
    if "conductivity" in compute:
        _conductivity(good, preset, values, std, meta, problems, warnings, tg_K)
    if tg_problems and "conductivity" in compute and not problems and preset.fail_unconverged:
        # A converged conductivity stands on its own: the unresolved Tg is left out (the campaign then
        # waits for another source of tg_C, or fails the candidate for lack of it), never given as a value.
        del values["tg_C"], std["tg_C"]
        warnings.append("tg_C not given: " + "; ".join(tg_problems))
    else:
        problems = tg_problems + problems
    if problems:
        if preset.fail_unconverged:
            return Failure(f"{formula}: " + "; ".join([*problems, *errors]))  # the failed cells are part of why
        warnings.extend(f"not converged: {p}" for p in problems)
        for name in std:
            std[name] = max(std[name], UNCONVERGED_STD[name])
    meta.update(seeds=[o.seed for o in outcomes], converged=not problems, warnings=warnings,
                simulated_ps=float(sum(o.simulated_ps for o in outcomes)),
                wall_time_s=float(sum(o.wall_time_s for o in outcomes)),
                cpu_core_hours=round(sum(sum(o.cpu_s_by_stage.values()) for o in outcomes) / 3600.0, 3),
                artifacts={str(o.seed): o.artifacts for o in outcomes})
    return Evaluation(values=values, std=std, metadata=meta, fidelity=preset_name)


def _glass_metadata(good: list[SeedOutcome], warnings: list[str]) -> dict[str, Any]:
    densities = [o.glass["density_g_cm3"] for o in good]
    for o in good:
        if not o.glass.get("settled", True):
            warnings.append(f"seed {o.seed}: the melt's density or Al-O-Al network still changed during the anneal")
    network = {k: float(np.mean([o.glass["network"].get(k, 0.0) for o in good])) for k in good[0].glass["network"]}
    return {
        "density_g_cm3": float(np.mean(densities)),
        "density_sd_g_cm3": (float(np.std(densities, ddof=1)) if len(densities) > 1
                             else good[0].glass["density_sd_g_cm3"]),
        "network": network,
        "cells": [o.glass for o in good],
    }


def _seed_fit(o: SeedOutcome, preset: MDPreset) -> tuple[dict[str, Any], str | None]:
    """One cell's conductivity; the reason it gives none (too few diffusive temperatures), or None."""
    runs = o.runs
    diffusive = [r for r in runs if r["diffusion"]["diffusive"]]
    use = diffusive
    reason = None
    if len(diffusive) < MIN_DIFFUSIVE_TEMPERATURES:
        detail = ", ".join(f"{r['diffusion']['T_K']:.0f} K: MSD {r['diffusion']['msd_end_A2']:.1f} A^2, slope "
                           f"{r['diffusion']['msd_slope']:.2f}" for r in runs if not r["diffusion"]["diffusive"])
        reason = (f"seed {o.seed}: {len(diffusive)} of {len(runs)} temperatures diffusive, "
                  f"{MIN_DIFFUSIVE_TEMPERATURES} needed ({detail})")
        use = runs
    T = [r["diffusion"]["T_K"] for r in use]
    ln_d = [math.log(r["diffusion"]["D_cm2_s"]) for r in use]
    ln_sd = [r["diffusion"]["ln_D_std"] for r in use]
    fit = fit_arrhenius(T, ln_d, ln_sd)
    choice = compare_models(T, [r["diffusion"]["D_cm2_s"] for r in use], ln_sd, seed=o.seed) if reason is None \
        else compare_models(T[:0], [], [], seed=o.seed)
    if choice.model == "vft" and choice.ln_D_30C is not None and choice.ln_D_30C_std is not None:
        ln30, ln30_sd = choice.ln_D_30C, choice.ln_D_30C_std
    else:
        ln30, ln30_sd = fit.ln_D(T_30C_K)
    n = o.glass["mobile_ions_per_A3"]
    return {"seed": o.seed, "temperatures_K": T, "log10_sigma_30C": nernst_einstein_log10_sigma(ln30, n, T_30C_K),
            "log10_sigma_std": ln30_sd / math.log(10.0), "ea_eV": fit.ea_eV, "ea_std_eV": fit.ea_std_eV,
            "arrhenius_reduced_chi2": None if math.isnan(fit.reduced_chi2) else fit.reduced_chi2,
            "model": choice.model, "model_reason": choice.reason, "ln_bayes_vft": choice.ln_bayes_vft,
            "vft_T0_K": choice.T0_K}, reason


def _conductivity(good: list[SeedOutcome], preset: MDPreset, values: dict[str, float], std: dict[str, float],
                  meta: dict[str, Any], problems: list[str], warnings: list[str], tg_K: float | None) -> None:
    fits, reasons = [], []
    for o in good:
        fit, reason = _seed_fit(o, preset)
        fits.append(fit)
        if reason:
            reasons.append(reason)
        if "VFT preferred" in fit["model_reason"]:
            warnings.append(f"seed {o.seed}: D(T) curves (VFT) but cannot be extrapolated with it; the Arrhenius "
                            "extrapolation overestimates sigma(30 degC)")
        if o.drift and abs(o.drift["drift_meV_atom_ps"]) > MAX_DRIFT_MEV_ATOM_PS:
            warnings.append(f"seed {o.seed}: NVE energy drift {o.drift['drift_meV_atom_ps']:.2f} meV/atom/ps at "
                            f"{o.drift['T_K']:.0f} K: timestep too long for this potential")
    included = [f for f in fits if not any(r.startswith(f"seed {f['seed']}:") for r in reasons)]
    needed = min(2, preset.seeds)
    if len(included) < needed:
        why = f"{len(included)} of {len(fits)} cells give a conductivity ({needed} needed)"
        problems.append(f"{why}: {'; '.join(reasons)}" if reasons else why)
        included = fits
    else:
        warnings.extend(f"left out: {r}" for r in reasons)
    sigma = combine([f["log10_sigma_30C"] for f in included], [f["log10_sigma_std"] for f in included])
    ea = combine([f["ea_eV"] for f in included], [f["ea_std_eV"] for f in included])
    tg_ref, source = _tg_reference(good, tg_K)
    added = below_tg_std_log10(ea.mean, ea.std, tg_ref)
    values.update(log10_sigma_30C=sigma.mean, ea_eV=ea.mean)
    std.update(log10_sigma_30C=math.sqrt(sigma.std**2 + added**2), ea_eV=ea.std)
    if added > 0:
        warnings.append(f"the extrapolation to 303 K crosses this oracle's Tg ({tg_ref:.0f} K, {source}): "
                        f"std widened by {added:.2f} decades in quadrature")
    runs = [r for o in good for r in o.runs]
    pressures = [r["pressure_GPa"] for r in runs]
    meta["pressure_GPa"] = {"mean": float(np.mean(pressures)), "sd": float(np.sqrt(np.mean(
        [r["pressure_sd_GPa"] ** 2 for r in runs]) + np.var(pressures)))}
    meta["conductivity"] = {
        "per_temperature": _per_temperature(good),
        "cells": fits,
        "combined": {"log10_sigma_30C": sigma.__dict__, "ea_eV": ea.__dict__},
        "extrapolation": {"tg_reference_K": tg_ref, "tg_source": source, "added_std_log10": added},
        "nve_drift": [o.drift for o in good],
        "method": "kinisi Bayesian MSD regression per temperature; Arrhenius (or VFT when the evidence asks for "
                  "it) per cell; Nernst-Einstein with Haven ratio 1; random-effects mean over cells",
    }


def _per_temperature(good: list[SeedOutcome]) -> dict[str, dict[str, list[Any]]]:
    out: dict[str, dict[str, list[Any]]] = {}
    for o in good:
        for r in o.runs:
            d = r["diffusion"]
            row = out.setdefault(f"{d['T_K']:.0f}", {k: [] for k in (
                "seed", "diffusive", "msd_A2", "msd_slope", "D_cm2_s", "ln_D_std", "density_g_cm3", "pressure_GPa",
                "production_ps", "extensions", "framework_msd_A2", "empty_fraction", "largest_empty_sphere_A")})
            for key, value in (("seed", o.seed), ("diffusive", d["diffusive"]), ("msd_A2", d["msd_end_A2"]),
                               ("msd_slope", d["msd_slope"]), ("D_cm2_s", d["D_cm2_s"]), ("ln_D_std", d["ln_D_std"]),
                               ("density_g_cm3", r["density_g_cm3"]), ("pressure_GPa", r["pressure_GPa"]),
                               ("production_ps", r["production_ps"]), ("extensions", r["extensions"]),
                               ("framework_msd_A2", d["framework_msd_end_A2"]),
                               ("empty_fraction", r.get("empty_fraction")),
                               ("largest_empty_sphere_A", r.get("largest_empty_sphere_A"))):
                row[key].append(value)
    return out


def _tg_reference(good: list[SeedOutcome], tg_K: float | None) -> tuple[float, str]:
    """The oracle's own Tg (K): the Tg protocol's if computed, else the quench V(T), else the lowest T run."""
    if tg_K is not None:
        return tg_K, "Tg protocol"
    breaks = []
    for o in good:
        T, V = o.glass.get("quench_T_K", ()), o.glass.get("quench_volume_A3", ())
        if len(T) >= 5:
            fit = fit_tg(list(T), list(V), rng=np.random.default_rng(o.seed), n_bootstrap=0)
            if not fit.at_edge and fit.steeper_above(len(T)):
                breaks.append(fit.tg_K)
    if breaks:
        return float(np.mean(breaks)), "break of the quench V(T)"
    lowest = min(r["diffusion"]["T_K"] for o in good for r in o.runs)
    return float(lowest), "no resolved Tg: the lowest simulated temperature"


def _tg(good: list[SeedOutcome], preset: MDPreset, values: dict[str, float], std: dict[str, float],
        meta: dict[str, Any], problems: list[str], warnings: list[str]) -> float | None:
    cells = [o.tg for o in good if o.tg]
    if len(preset.tg_temperatures_K) < MIN_TG_TEMPERATURES:
        problems.append(f"Tg grid of {len(preset.tg_temperatures_K)} temperatures ({MIN_TG_TEMPERATURES} needed)")
    for c, o in zip(cells, good):
        if c["at_edge"]:
            problems.append(f"seed {o.seed}: Tg break at the edge of the grid (V: {c['tg_volume_K']:.0f} K, "
                            f"E: {c['tg_energy_K']:.0f} K): the transition is not bracketed")
        elif c.get("resolved") is False:  # None: saved before this was checked
            problems.append(f"seed {o.seed}: no Tg resolved: V(T) or E(T) is not steeper above its break "
                            f"({c['tg_volume_K']:.0f} K, {c['tg_energy_K']:.0f} K) beyond chance")
        if c["hold_ps"] < HOLD_OVER_TAU * max(c["tau_V_ps"], default=0.0):
            problems.append(f"seed {o.seed}: Tg holds of {c['hold_ps']:.1f} ps are shorter than 10 x the volume "
                            f"relaxation time ({max(c['tau_V_ps']):.2f} ps)")
    tg = combine([c["tg_K"] for c in cells], [c["tg_std_K"] for c in cells])
    values["tg_C"] = tg.mean - 273.15
    std["tg_C"] = tg.std
    meta["tg"] = {"cells": cells, "combined_K": tg.__dict__,
                  "caveat": "MD descriptor: cooling rates ~1e12-1e13 K/s bias Tg upward; calibrate on lab data"}
    return None if problems else tg.mean

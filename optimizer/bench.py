"""`viglas bench`: strategies x seeds on a test landscape, through the real campaign loop.

Each run is an ordinary campaign (config dict -> `CampaignConfig` -> `Campaign.run`) with its own
SQLite store in ``out_dir`` (an interrupted benchmark resumes). The trace of each run, the best
feasible value (or feasible hypervolume) after every evaluation, goes to ``bench.csv``; the median
and inter-quartile band over seeds per strategy to ``bench.png``; the evaluations each strategy
needs to come within ``tolerance`` of the landscape's optimum to ``summary.csv``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from oracles import Composition

from . import analysis
from .campaign import Campaign
from .config import CampaignConfig
from .problem import Observation, Problem

DEFAULT_SPACE: dict[str, Any] = {
    "M": ["Li", "Na"], "m_al": [0.5, 1.5], "o_al": [0.0, 1.0], "s_al": [0.0, 0.5], "min_cl_al": 1.0,
}


@dataclass(frozen=True)
class Landscape:
    """A benchmark problem: oracle target and options, objectives, constraints, space and metric."""

    target: str
    objectives: tuple[tuple[str, str], ...]
    constraints: tuple[str, ...] = ()
    metric: Literal["best", "hypervolume"] = "best"
    reference: tuple[float, ...] = ()  # hypervolume reference point (signed objectives, maximised)
    options: dict[str, Any] = field(default_factory=dict)
    space: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_SPACE))
    tolerance: float = 0.05  # "reached the target": within this of the optimum (metric units)
    unit: str = ""


LANDSCAPES: dict[str, Landscape] = {
    "glass": Landscape(
        "benchmarks.landscapes:SyntheticGlass", (("log10_sigma_30C", "maximize"),),
        ("tg_C <= -10", "oxidation_V >= 3.8"), unit="log10(S/cm)",
    ),
    "glass-hard": Landscape(
        "benchmarks.landscapes:RuggedGlass", (("log10_sigma_30C", "maximize"),),
        ("tg_C <= -10", "oxidation_V >= 3.75"), unit="log10(S/cm)",
    ),
    "dtlz2": Landscape(
        "benchmarks.landscapes:DTLZ2Glass", (("f1", "minimize"), ("f2", "minimize")),
        metric="hypervolume", reference=(-1.7, -1.7), tolerance=0.05, unit="hypervolume (f1, f2 unitless)",
    ),
}


def config_dict(name: str, landscape: Landscape, *, strategy: str, seed: int, budget: int, initial: int,
                batch_size: int) -> dict[str, Any]:
    return {
        "name": f"bench-{name}-{strategy}-{seed}",
        "seed": seed,
        "store": f"{name}-{strategy}-seed{seed}.sqlite",
        "space": landscape.space,
        "objectives": [{"name": n, "goal": g} for n, g in landscape.objectives],
        "constraints": list(landscape.constraints),
        "oracles": [{"kind": "python", "target": landscape.target, "options": dict(landscape.options)}],
        "loop": {"initial": initial, "batch_size": batch_size, "budget": budget},
        "strategy": strategy,
    }


def trace(observations: Sequence[Observation], problem: Problem, landscape: Landscape) -> list[float]:
    """Metric after each evaluation (NaN until a feasible point exists), in candidate order."""
    ordered = sorted(observations, key=lambda o: o.candidate_id)
    out = []
    for k in range(1, len(ordered) + 1):
        seen = ordered[:k]
        if landscape.metric == "hypervolume":
            out.append(analysis.hypervolume(seen, problem, landscape.reference))
        else:
            best = analysis.best_feasible(seen, problem)
            out.append(float("nan") if best is None else best.value)
    return out


def optimum(landscape: Landscape, problem: Problem) -> float:
    """The landscape's best metric value: a dense grid for ``best``; the analytic front for DTLZ2."""
    if landscape.metric == "hypervolume":
        # DTLZ2 front: the quarter circle of radius 1 (Li), hypervolume up to the reference by quadrature.
        return _hv_circle(-np.asarray(landscape.reference))
    import importlib

    module, _, cls = landscape.target.partition(":")
    oracle = getattr(importlib.import_module(module), cls)(**landscape.options)
    sp = problem.space
    boxes = [sp.m_al, sp.o_al, sp.s_al]
    best: analysis.Best | None = None
    for _ in range(3):  # a coarse grid, then two finer grids around the best point so far
        metals = sp.metals if best is None else (best.observation.composition.M,)
        grid = [np.linspace(lo, hi, 21) for lo, hi in boxes]
        comps = [Composition(M, m, o, s) for M, m, o, s in itertools.product(metals, *grid)
                 if 3 + m - 2 * (o + s) >= sp.min_cl_al]
        obs = [Observation(i, c, getattr(r, "values", {}), {}, not hasattr(r, "values"))
               for i, (c, r) in enumerate(zip(comps, oracle.evaluate(comps)))]
        if best is not None:
            obs.append(best.observation)
        best = analysis.best_feasible(obs, problem)
        if best is None:
            return float("nan")
        centre = best.observation.composition
        boxes = [(max(lo, v - 2 * (hi_ - lo_) / 20), min(hi, v + 2 * (hi_ - lo_) / 20))
                 for (lo, hi), (lo_, hi_), v in zip([sp.m_al, sp.o_al, sp.s_al], boxes,
                                                    (centre.m_al, centre.o_al, centre.s_al))]
    return float("nan") if best is None else best.value


def _hv_circle(r: np.ndarray) -> float:
    """Hypervolume dominated by the unit quarter circle up to the reference ``(r0, r1)`` (minimisation)."""
    f1 = np.linspace(0.0, 1.0, 200001)
    f2 = np.sqrt(1.0 - f1**2)
    return float(np.trapezoid(r[1] - f2, f1) + (r[0] - 1.0) * r[1])


def evaluations_to_target(values: Sequence[float], target: float) -> float:
    """First 1-based evaluation index at which ``values`` reach ``target`` (NaN if never)."""
    for i, v in enumerate(values, start=1):
        if not math.isnan(v) and v >= target:
            return float(i)
    return float("nan")


def run_benchmark(
    landscape: str,
    *,
    strategies: Sequence[str],
    seeds: int,
    budget: int,
    out_dir: Path,
    initial: int = 8,
    batch_size: int = 4,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run every strategy with seeds ``0..seeds-1``; write bench.csv, summary.csv and bench.png.

    Returns the per-evaluation frame (columns: landscape, strategy, seed, evaluation, value,
    failed, metric, optimum, target).
    """
    if landscape not in LANDSCAPES:
        raise ValueError(f"landscape {landscape!r} is not one of {', '.join(sorted(LANDSCAPES))}")
    spec = LANDSCAPES[landscape]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    best_value: float | None = None
    for strategy, seed in itertools.product(strategies, range(seeds)):
        d = config_dict(landscape, spec, strategy=strategy, seed=seed, budget=budget, initial=initial,
                        batch_size=batch_size)
        campaign = Campaign(CampaignConfig.model_validate(d), base_dir=out_dir)
        try:
            campaign.run()
            obs = campaign.observations()
        finally:
            campaign.close()
        if best_value is None:
            best_value = optimum(spec, campaign.problem)
        values = trace(obs, campaign.problem, spec)
        ordered = sorted(obs, key=lambda o: o.candidate_id)
        for i, (o, v) in enumerate(zip(ordered, values), start=1):
            rows.append({
                "landscape": landscape, "strategy": strategy, "seed": seed, "evaluation": i, "value": v,
                "failed": o.failed, "feasible": o.feasible(campaign.problem), "metric": spec.metric,
                "optimum": best_value, "target": best_value - spec.tolerance, "formula": o.composition.formula,
            })
        if progress is not None:
            progress(f"{landscape}: {strategy} seed {seed} done, final {spec.metric} = {values[-1]:.4g}")
    frame = pd.DataFrame(rows)
    frame.to_csv(out_dir / "bench.csv", index=False)
    summarise(frame).to_csv(out_dir / "summary.csv", index=False)
    plot(frame, spec, out_dir / "bench.png")
    return frame


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: evaluations to target per seed, their median (NaN runs count as never), failures."""
    out = []
    for strategy, part in frame.groupby("strategy", sort=False):
        per_seed = [evaluations_to_target(g["value"].tolist(), float(g["target"].iloc[0]))
                    for _, g in part.groupby("seed")]
        never = [math.inf if math.isnan(v) else v for v in per_seed]
        out.append({
            "strategy": strategy, "seeds": len(per_seed), "median_evaluations_to_target": float(np.median(never)),
            "reached": sum(not math.isnan(v) for v in per_seed), "per_seed": " ".join(f"{v:g}" for v in per_seed),
            "failed_evaluations": int(part["failed"].sum()),
            "final_median": float(part.groupby("seed")["value"].last().median()),
        })
    return pd.DataFrame(out)


def plot(frame: pd.DataFrame, spec: Landscape, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.2))  # no pyplot: no backend chosen, no global figure state
    ax = fig.subplots()
    for strategy, part in frame.groupby("strategy", sort=False):
        table = part.pivot(index="evaluation", columns="seed", values="value")
        q25, q50, q75 = (table.quantile(q, axis=1) for q in (0.25, 0.5, 0.75))
        ax.plot(table.index, q50, label=str(strategy))
        ax.fill_between(table.index, q25, q75, alpha=0.2)
    ax.axhline(float(frame["optimum"].iloc[0]), color="k", lw=0.8, ls="--", label="optimum")
    label = "best feasible " + spec.objectives[0][0] if spec.metric == "best" else "feasible hypervolume"
    ax.set_xlabel("evaluations")
    ax.set_ylabel(f"{label} [{spec.unit}]")
    ax.set_title(f"median and IQR over seeds ({frame['seed'].nunique()})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)

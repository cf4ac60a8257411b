"""The acceptance table as plain rows (for the command line) and as Markdown (for benchmarks/results).

    python -m oracles.acceptance.render REPORT.json [COST.json] > benchmarks/results/potentials.md

A second report (e.g. from ``viglas potentials --checks cost --json``, all potentials back to back
under one load) adds its force-call costs as a table of their own.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def anchored_residuals(pot: dict[str, Any]) -> dict[str, float]:
    """Residuals (eV/atom) of the potential's raw formation energies after the hull's species corrections
    (`oracles.hull.anchoring`) are fitted to these compounds: how well anchoring to experiment can work."""
    from pymatgen.core import Composition
    from pymatgen.entries.computed_entries import ComputedEntry

    from ..hull.anchoring import fit_corrections

    rows = pot["formation"]
    if len(rows) < 6:
        return {}
    entries = [ComputedEntry(el, 0.0) for el in ("Li", "Na", "Al", "Cl", "O", "S")]
    entries += [ComputedEntry(Composition(r["formula"]), r["raw_eV_atom"] * Composition(r["formula"]).num_atoms)
                for r in rows]
    fit = fit_corrections(entries, fit=tuple(r["formula"] for r in rows))
    return {f: round(v, 3) for f, v in fit.residuals_eV_atom.items()}


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per potential: formation-energy MAE and worst compound, crystal volumes and coordination, cost."""
    rows = []
    for pot in report["potentials"]:
        errors = pot["formation_error_eV_atom"]
        worst = max(errors, key=lambda f: abs(errors[f])) if errors else None
        row: dict[str, Any] = {"potential": pot["name"], "scale": pot["energy_scale"],
                               "Ef MAE eV/atom": pot["formation_mae_eV_atom"],
                               "worst Ef err": f"{worst} {errors[worst]:+.3f}" if worst else None}
        anchored = anchored_residuals(pot)
        if anchored:
            row["anchored Ef MAE"] = round(sum(map(abs, anchored.values())) / len(anchored), 4)
        for c in pot["crystals"]:
            metal = "Li" if c["formula"].startswith("Li") else "Na"
            row[f"{c['formula']} dV %"] = c["volume_error_pct"]
            row[f"{metal}-Cl CN"] = f"{c['m_cl_coordination']:.2f} ({c['expt_m_cl_coordination']:.0f})"
        cost = pot["cost"]
        row["s/call (96 at.)"] = None if cost is None else cost["median_s"]
        rows.append(row)
    return rows


def formation_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per compound: measured Delta_f H and each potential's error (eV/atom), raw and MP2020 if both apply."""
    expt = report["experiment"]["formation_enthalpies"]
    rows = []
    for formula, ref in expt.items():
        row: dict[str, Any] = {"compound": formula, "expt eV/atom": ref["eV_atom"]}
        for pot in report["potentials"]:
            match = [r for r in pot["formation"] if r["formula"] == formula]
            if not match:
                continue
            r = match[0]
            if pot["energy_scale"] == "pbe":
                row[f"{pot['name']} raw"] = f"{r['raw_error_eV_atom']:+.3f}"
                row[f"{pot['name']} MP2020"] = f"{r['mp2020_error_eV_atom']:+.3f}"
            else:
                row[pot["name"]] = f"{r['raw_error_eV_atom']:+.3f}"
            anchored = anchored_residuals(pot)
            if formula in anchored:
                row[f"{pot['name']} anchored"] = f"{anchored[formula]:+.3f}"
        rows.append(row)
    return rows


def _markdown_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        lines.append("| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """Summary table, per-compound formation-energy errors, and the measured references with their sources."""
    cond = report["conditions"]
    expt = report["experiment"]
    sources = [f"| {f} | {r['kJ_mol']} | {r['eV_atom']} | {r['source']} | "
               + ("" if not r.get("alternative") else f"{r['alternative'][0]} ({r['alternative'][1]})") + " |"
               for f, r in expt["formation_enthalpies"].items()]
    crystals = [f"| {c['formula']} | {c['space_group']} | {c['volume_A3_per_fu']} | {c['m_cl_coordination']:.0f} "
                f"| {c['source']} |" for c in expt["crystals"].values()]
    parts = [
        f"Command: `{cond.get('command', '')}`  ",
        f"Date {cond.get('date')}; load average before/after {cond.get('load_average_before')} / "
        f"{cond.get('load_average_after')} on {cond.get('host_cpus')} CPUs; versions {cond.get('versions')}.",
        "", "## Summary", "", _markdown_table(summary_rows(report)), "",
        "## Formation energy errors (computed - measured, eV/atom)", "", _markdown_table(formation_rows(report)), "",
        "## Measured references", "",
        "| compound | Delta_f H kJ/mol | eV/atom | source | other tabulated value |", "|---|---|---|---|---|",
        *sources, "",
        "| crystal | space group | V A^3/f.u. | M-Cl CN | source |", "|---|---|---|---|---|", *crystals, "",
    ]
    return "\n".join(parts)


def cost_markdown(report: dict[str, Any]) -> str:
    """The force-call costs of a report, with the command and load they were measured under."""
    cond = report["conditions"]
    rows = [{"potential": p["name"], "median s/call": p["cost"]["median_s"], "min s": p["cost"]["min_s"],
             "max s": p["cost"]["max_s"], "atoms": p["cost"]["n_atoms"], "torch threads": p["cost"]["threads"],
             "load (1 min)": p["cost"]["load_average_1min"],
             "relative to first": round(p["cost"]["median_s"] / report["potentials"][0]["cost"]["median_s"], 1)}
            for p in report["potentials"] if p.get("cost")]
    return "\n".join([f"Command: `{cond.get('command', '')}`; load before/after {cond.get('load_average_before')} / "
                      f"{cond.get('load_average_after')}.", "", _markdown_table(rows), ""])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        sys.stderr.write("usage: python -m oracles.acceptance.render REPORT.json [COST_REPORT.json]\n")
        return 2
    sys.stdout.write(markdown(json.loads(Path(args[0]).read_text(encoding="utf-8"))))
    if len(args) == 2:
        sys.stdout.write("\n## Force-call cost, all potentials back to back\n\n")
        sys.stdout.write(cost_markdown(json.loads(Path(args[1]).read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())

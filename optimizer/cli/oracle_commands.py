"""Commands outside any campaign: evaluate one composition with one oracle, check the potentials, benchmark."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import print_table, runtime


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate_one

    result = evaluate_one(args.kind, args.composition, preset=args.preset, runtime=runtime(args),
                          workdir=Path(args.workdir), structure=args.structure,
                          compute=[c.strip() for c in args.compute.split(",") if c.strip()] if args.compute else None)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif "failure" in result:
        print(f"failure: {result['failure']}")
        return 1
    else:
        for name, value in result["values"].items():
            std = result["std"].get(name)
            print(f"{name} = {value:.4g}" + (f" ± {std:.2g}" if std is not None else ""))
        print_warnings(result.get("metadata", {}).get("warnings") or [])
    return 1 if "failure" in result else 0


def print_warnings(warnings: list[str]) -> None:
    """One "not converged" line whenever the oracle left warnings, then each warning on its own line."""
    if not warnings:
        return
    print(f"not converged: {len(warnings)} warning(s); do not trust these values as converged:")
    for warning in warnings:
        print(f"  - {warning.removeprefix('not converged: ')}")


def cmd_potentials(args: argparse.Namespace) -> int:
    from oracles.acceptance import run_acceptance
    from oracles.acceptance.render import formation_rows, summary_rows
    from oracles.acceptance.table import COMPOUNDS
    from oracles.atomistic.potential import POTENTIALS

    names = args.potential or list(POTENTIALS)
    compounds = [c.strip() for c in args.compounds.split(",") if c.strip()] if args.compounds else list(COMPOUNDS)
    checks = {c.strip() for c in args.checks.split(",") if c.strip()}
    unknown = sorted(checks - {"formation", "crystals", "cost"})
    if unknown:
        raise ValueError(f"--checks: unknown check(s) {unknown}; use formation, crystals, cost")
    command = " ".join(["viglas potentials", *(f"--potential {n}" for n in args.potential or ()),
                        *([f"--compounds {args.compounds}"] if args.compounds else []),
                        *([f"--checks {args.checks}"] if args.checks != "formation,crystals,cost" else []),
                        f"--cost-calls {args.cost_calls}", f"--threads {args.threads}", f"--device {args.device}",
                        *(["--json"] if args.json else [])])
    report = run_acceptance(names, command=command, compounds=compounds if "formation" in checks else [],
                            crystals=["Li", "Na"] if "crystals" in checks else [],
                            cost_calls=args.cost_calls if "cost" in checks else 0,
                            threads=args.threads, device=args.device or "cpu").as_dict()
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print_table(summary_rows(report), list(dict.fromkeys(k for r in summary_rows(report) for k in r)))
    print()
    rows = formation_rows(report)
    print_table(rows, list(dict.fromkeys(k for r in rows for k in r)))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from ..bench import run_benchmark

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    frame = run_benchmark(args.landscape, strategies=strategies, seeds=args.seeds, budget=args.budget,
                          out_dir=Path(args.out), progress=lambda line: print(line, flush=True))
    print(f"wrote {len(frame)} rows and plots to {args.out}")
    return 0


def register(add: Any) -> None:
    """Add these commands with ``add(name, func, help)`` (see `optimizer.cli.build_parser`)."""
    p = add("evaluate", cmd_evaluate, "evaluate one composition with one oracle kind", file=False)
    p.add_argument("kind", help="oracle kind, e.g. mlmd or hull")
    p.add_argument("composition", help="formula (LiAlCl2.5O0.75) or M=Li,m_al=1,o_al=0.75,s_al=0")
    p.add_argument("--preset", help="fidelity preset of the oracle")
    p.add_argument("--structure", choices=["glass", "crystal"],
                   help="hull: model the formula as a glass or as its crystal reference phase "
                        "(default: glass for a glass composition, crystal otherwise)")
    p.add_argument("--compute", help="mlmd: comma-separated subset of conductivity,tg (default: both)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--workdir", default="viglas-evaluate", help="folder for artifacts (default ./viglas-evaluate)")
    p.add_argument("--threads", type=int, help="torch threads")
    p.add_argument("--device", default="cpu", help="torch device: cpu (default), cuda or cuda:N")
    p = add("potentials", cmd_potentials, "check the shipped ML potentials on this chemistry (acceptance table)",
            file=False)
    p.add_argument("--potential", action="append", help="potential to check (repeat; default: all that ship weights)")
    p.add_argument("--json", action="store_true", help="print the full table as JSON")
    p.add_argument("--compounds", help="comma-separated subset of the formation-energy compounds")
    p.add_argument("--checks", default="formation,crystals,cost", help="comma-separated subset of the checks")
    p.add_argument("--cost-calls", type=int, default=10, help="timed force calls per potential (0: skip)")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    p.add_argument("--device", default="cpu", help="torch device: cpu (default), cuda or cuda:N")
    p = add("bench", cmd_bench, "compare strategies on a test landscape", file=False)
    p.add_argument("landscape", help="test landscape name, e.g. glass or dtlz2")
    p.add_argument("--strategies", default="random,sobol,qlognehvi", help="comma-separated strategy names")
    p.add_argument("--seeds", type=int, default=5, help="seeds per strategy")
    p.add_argument("--budget", type=int, default=40, help="evaluations per run")
    p.add_argument("--out", default="bench-out", help="output folder")

"""Commands outside any campaign: evaluate one composition with one oracle, benchmark strategies."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .common import runtime


def cmd_evaluate(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate_one

    result = evaluate_one(args.kind, args.composition, preset=args.preset, runtime=runtime(args),
                          workdir=Path(args.workdir))
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
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--workdir", default="viglas-evaluate", help="folder for artifacts (default ./viglas-evaluate)")
    p.add_argument("--threads", type=int, help="torch threads")
    p.add_argument("--device", default="cpu", help="torch device: cpu (default), cuda or cuda:N")
    p = add("bench", cmd_bench, "compare strategies on a test landscape", file=False)
    p.add_argument("landscape", help="test landscape name, e.g. glass or dtlz2")
    p.add_argument("--strategies", default="random,sobol,qlognehvi", help="comma-separated strategy names")
    p.add_argument("--seeds", type=int, default=5, help="seeds per strategy")
    p.add_argument("--budget", type=int, default=40, help="evaluations per run")
    p.add_argument("--out", default="bench-out", help="output folder")

"""`viglas`: a thin command-line shell over the Python API (one command per API call)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

from oracles import CompositionError, OracleSetupError

from .campaign import Campaign, CampaignChangedError, Progress
from .config import ConfigError
from .oracle_factory import Runtime
from .tell import TellError

EXPECTED_ERRORS = (ConfigError, CampaignChangedError, TellError, OracleSetupError, CompositionError, KeyError,
                   ValueError, FileNotFoundError)


def _runtime(args: argparse.Namespace) -> Runtime:
    return Runtime(device=getattr(args, "device", "cpu"), threads=getattr(args, "threads", None))


def _campaign(args: argparse.Namespace) -> Campaign:
    return Campaign.from_yaml(args.file, runtime=_runtime(args), force=getattr(args, "force", False))


def cmd_validate(args: argparse.Namespace) -> int:
    campaign = _campaign(args)
    campaign.validate()
    cfg = campaign.config
    outputs = ", ".join(f"{k} [{v}]" for k, v in campaign.units.items())
    print(f"{args.file}: OK - campaign {cfg.name!r}, {len(cfg.oracles)} oracle(s) providing {outputs}; "
          f"strategy {cfg.strategy}, budget {cfg.loop.budget}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from .executors import ExecutorError, RuntimeProfile, load_profile, make_executor

    # command line over profile file over defaults; --scheduler or --workers alone imply their executor
    implied = "dask" if args.scheduler else "local" if args.workers and not args.profile else None
    profile = (load_profile(args.profile) if args.profile else RuntimeProfile()).with_overrides(
        executor=args.executor or implied, workers=args.workers, scheduler=args.scheduler,
        threads_per_worker=args.threads, device=args.device, timeout_s=args.timeout_s, retries=args.retries)
    campaign = Campaign.from_yaml(args.file, runtime=profile.runtime(), force=args.force)
    campaign.validate()
    if profile.executor != "serial":
        import distributed  # noqa: F401  (importing it sets its loggers to INFO, hence after the import)

        # Dask logs every worker and connection at INFO; the progress lines below say what matters
        logging.getLogger("distributed").setLevel(logging.INFO if args.verbose else logging.WARNING)
    budget = args.budget or campaign.config.loop.budget
    remote = profile.scheduler or (profile.jobqueue.system if profile.jobqueue else "")
    where = {"serial": "in process", "local": f"on {profile.n_workers()} local Dask worker(s)",
             "dask": f"on Dask ({remote})"}[profile.executor]
    print(f"running {campaign.config.name!r} {where}: {campaign.n_proposed()}/{budget} "
          f"candidates so far; store {campaign.store_path}", flush=True)

    def show(event: Progress) -> None:
        print(event.line(), flush=True)

    try:
        evaluated = campaign.run(budget, progress=show, executor=make_executor(profile))
    except ExecutorError as err:  # the store holds every result received; the next run resumes
        print(f"viglas: stopped: {err}", file=sys.stderr)
        return 3
    print(f"done: {evaluated} candidate(s) evaluated in this run; {campaign.n_proposed()}/{budget} in total")
    waiting = campaign.waiting_for_lab()
    if waiting:
        print(f"{len(waiting)} candidate(s) wait for the lab: ids {', '.join(str(c.id) for c in waiting)}. "
              f"Write a template with `viglas ask {args.file} -n 0 --xlsx lab.xlsx`, fill it in, "
              f"`viglas tell {args.file} --xlsx lab.xlsx`, then run again.")
    _print_best(campaign)
    return 0


def _print_table(rows: Sequence[dict[str, object]], columns: Sequence[str]) -> None:
    cells = [[_fmt(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def cmd_ask(args: argparse.Namespace) -> int:
    campaign = _campaign(args)
    campaign.validate()
    n = campaign.config.loop.batch_size if args.n is None else args.n
    if n < 0:
        raise ValueError(f"-n {n}: give a number of candidates >= 0")
    candidates = campaign.ask(n) if n > 0 else []
    waiting = [c for c in campaign.waiting_for_lab() if c.id not in {x.id for x in candidates}]
    rows = [{"id": c.id, **c.composition.as_dict(), "cl_al": round(c.composition.cl_al, 6),
             "formula": c.composition.formula} for c in [*waiting, *candidates]]
    columns = ["id", "M", "m_al", "o_al", "s_al", "cl_al", "formula"]
    template = args.csv or args.xlsx
    if template:
        from .ask import write_template

        write_template(campaign, rows, Path(template))
        print(f"wrote {len(rows)} pending candidate(s) to {template}; fill in the result columns "
              "(units in brackets; other units such as mS/cm or K are converted if you change the bracket)")
    if not rows:
        print("no pending candidates")
        return 0
    _print_table(rows, columns)
    return 0


def _parse_assignments(items: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    values: dict[str, float] = {}
    std: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        if not sep:
            raise TellError(f"{item!r} is not NAME=VALUE")
        try:
            number = float(text)
        except ValueError:
            raise TellError(f"{name}: {text!r} is not a number") from None
        (std if name.endswith("_std") else values)[name.removesuffix("_std")] = number
    return values, std


def cmd_tell(args: argparse.Namespace) -> int:
    campaign = _campaign(args)
    campaign.validate()
    table = args.csv or args.xlsx
    if table:
        if args.id is not None or args.values:
            raise TellError("give either ID NAME=VALUE ... or --csv/--xlsx PATH, not both")
        n = campaign.tell_file(table, replace=args.replace)
        print(f"recorded {n} row(s) from {table}")
        return 0
    if args.id is None or not args.values:
        raise TellError("give ID NAME=VALUE ... (e.g. 3 log10_sigma_30C=-2.8) or --csv PATH")
    values, std = _parse_assignments(args.values)
    cand = campaign.tell(int(args.id), values, std=std or None, replace=args.replace)
    print(f"candidate {cand.id} ({cand.composition.formula}): recorded {', '.join(values)}; state {cand.state}")
    return 0


def _print_best(campaign: Campaign) -> None:
    from .analysis import pareto_front

    front = pareto_front(campaign.observations(), campaign.problem)
    if not front:
        print("no feasible candidate yet")
        return
    first = campaign.problem.objectives[0]
    front.sort(key=lambda o: -first.sign * o.values[first.name])
    names = list(campaign.problem.outputs)
    print(f"best feasible (Pareto set, {len(front)} point(s)):")
    _print_table([{"id": o.candidate_id, "formula": o.composition.formula, **o.values} for o in front[:10]],
                 ["id", "formula", *names])


def cmd_status(args: argparse.Namespace) -> int:
    campaign = _campaign(args)
    store = campaign.store
    cands = store.candidates()
    counts = {s: sum(1 for c in cands if c.state == s) for s in ("done", "failed", "pending")}
    print(f"campaign {campaign.config.name!r} ({campaign.store_path})")
    print(f"candidates: {len(cands)} ({counts['done']} done, {counts['failed']} failed, {counts['pending']} pending); "
          f"budget {campaign.config.loop.budget}")
    pending = [c.id for c in cands if c.state == "pending"]
    if pending:
        print("pending ids: " + ", ".join(map(str, pending)))
    _print_best(campaign)
    if args.calibration:
        _print_calibration(campaign)
    return 0


def _print_calibration(campaign: Campaign) -> None:
    from .calibration import calibrations

    found = calibrations(campaign)
    if not found:
        print("calibration: no output has values from two oracles yet")
    for cal in found:
        print(f"calibration of {cal.output} [{cal.unit}]: {cal.cheap} vs {cal.trusted}, {len(cal.pairs)} pair(s); "
              f"mean offset {cal.offset:+.3g}, RMSE {cal.rmse:.3g}, correlation {cal.correlation:.3g}")
        _print_table([{"id": p.candidate_id, "formula": p.formula, cal.cheap: p.cheap, cal.trusted: p.trusted,
                       "difference": p.cheap - p.trusted} for p in cal.pairs],
                     ["id", "formula", cal.cheap, cal.trusted, "difference"])


def cmd_export(args: argparse.Namespace) -> int:
    from .export import write_csv

    n = write_csv(_campaign(args), Path(args.csv))
    print(f"wrote {n} candidate(s) to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    campaign = _campaign(args)
    out = Path(args.out) if args.out else campaign.base_dir / f"{campaign.config.name}-report"
    print(f"fitting surrogates and drawing plots for {campaign.config.name!r}...", flush=True)
    paths = write_report(campaign, out)
    print(f"wrote {paths[0]} and {len(paths) - 1} PNG plot(s) to {out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .dashboard import serve

    print(f"dashboard for {args.file} at http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    serve(Path(args.file), host=args.host, port=args.port)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate_one

    result = evaluate_one(args.kind, args.composition, preset=args.preset, runtime=_runtime(args),
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
    return 1 if "failure" in result else 0


def cmd_bench(args: argparse.Namespace) -> int:
    from .bench import run_benchmark

    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()]
    frame = run_benchmark(args.landscape, strategies=strategies, seeds=args.seeds, budget=args.budget,
                          out_dir=Path(args.out), progress=lambda line: print(line, flush=True))
    print(f"wrote {len(frame)} rows and plots to {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="viglas", description="Active-learning optimiser for glass electrolytes")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str,
            file: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if file:
            p.add_argument("file", help="campaign YAML file")
        p.set_defaults(func=func)
        return p

    add("validate", cmd_validate, "check a campaign file without running anything")
    p = add("run", cmd_run, "evaluate pending candidates, then propose and evaluate until the budget")
    p.add_argument("--budget", type=int, help="total candidates (default: loop.budget)")
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")
    p.add_argument("--threads", "--threads-per-worker", dest="threads", type=int,
                   help="torch threads per oracle process (local default: cores // workers)")
    p.add_argument("--device", help="torch device for ML potentials (default cpu)")
    p.add_argument("--executor", choices=["serial", "local", "dask"],
                   help="serial (in process, default), local (Dask LocalCluster), dask (--scheduler or profile)")
    p.add_argument("--workers", type=int, help="local: worker processes (default: number of cores)")
    p.add_argument("--scheduler", help="dask: scheduler address, e.g. tcp://host:8786")
    p.add_argument("--profile", help="runtime profile YAML (machine settings; see campaigns/runtime/)")
    p.add_argument("--timeout-s", type=float, help="seconds one evaluation attempt may run before it is retried")
    p.add_argument("--retries", type=int, help="extra attempts after a lost worker, error or timeout (default 2)")
    p = add("ask", cmd_ask, "reserve N pending candidates for evaluation by hand")
    p.add_argument("-n", type=int, default=None, help="how many (default: loop.batch_size)")
    p.add_argument("--csv", help="also write a template CSV to fill in (with the candidates waiting for the lab)")
    p.add_argument("--xlsx", help="the same template as an Excel file")
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")
    p = add("tell", cmd_tell, "record results: ID NAME=VALUE ... or --csv PATH")
    p.add_argument("id", nargs="?", type=int, help="candidate id")
    p.add_argument("values", nargs="*", help="NAME=VALUE (and NAME_std=VALUE) in the declared units")
    p.add_argument("--csv", help="CSV: id (or formula for new points), then one 'NAME [UNIT]' column per output")
    p.add_argument("--xlsx", help="the same as an Excel file")
    p.add_argument("--replace", action="store_true", help="supersede existing values (kept in history)")
    p.add_argument("--force", action="store_true", help="continue although the campaign file changed")
    p = add("status", cmd_status, "counts, best feasible points and pending ids")
    p.add_argument("--calibration", action="store_true", help="simulation against lab where both measured")
    p = add("export", cmd_export, "write one row per candidate to CSV")
    p.add_argument("--csv", required=True, help="output CSV path")
    p = add("report", cmd_report, "write an HTML report with plots (and the plots as PNG)")
    p.add_argument("--out", help="output folder (default: <campaign folder>/<name>-report)")
    p = add("serve", cmd_serve, "start a local web dashboard (pending candidates, result entry, plots)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p = add("evaluate", cmd_evaluate, "evaluate one composition with one oracle kind", file=False)
    p.add_argument("kind", help="oracle kind, e.g. mlmd or hull")
    p.add_argument("composition", help="formula (LiAlCl2.5O0.75) or M=Li,m_al=1,o_al=0.75,s_al=0")
    p.add_argument("--preset", help="fidelity preset of the oracle")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--workdir", default="viglas-evaluate", help="folder for artifacts (default ./viglas-evaluate)")
    p.add_argument("--threads", type=int, help="torch threads")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p = add("bench", cmd_bench, "compare strategies on a test landscape", file=False)
    p.add_argument("landscape", help="test landscape name, e.g. glass or dtlz2")
    p.add_argument("--strategies", default="random,sobol,qlognehvi", help="comma-separated strategy names")
    p.add_argument("--seeds", type=int, default=5, help="seeds per strategy")
    p.add_argument("--budget", type=int, default=40, help="evaluations per run")
    p.add_argument("--out", default="bench-out", help="output folder")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in ("optimizer", "oracles", "surrogates", "benchmarks"):
        logging.getLogger(name).setLevel(level if name != "optimizer" or args.verbose else max(level, logging.WARNING))
    try:
        return int(args.func(args))
    except EXPECTED_ERRORS as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        print(f"viglas: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("viglas: interrupted; everything committed so far is in the store", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

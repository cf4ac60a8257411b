"""Commands on a campaign as a whole: validate, run, status, export, report, serve."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from pathlib import Path
from typing import Any

from ..campaign import Campaign, Progress
from ..config import ConfigError
from ..snapshot import CampaignSnapshot
from ..steps import CampaignRun
from .common import open_campaign, print_best, print_table


def cmd_validate(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    campaign.validate()
    cfg = campaign.config
    outputs = ", ".join(f"{k} [{v}]" for k, v in campaign.units.items())
    print(f"{args.file}: OK - campaign {cfg.name!r}, {len(cfg.oracles)} oracle(s) providing {outputs}; "
          f"strategy {cfg.strategy}, budget {cfg.loop.budget}")
    for note in campaign.advisories():
        print(f"warning: {note}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from ..executors import ExecutorError, RuntimeProfile, load_profile, make_executor

    # command line over profile file over defaults; --scheduler or --workers alone imply their executor
    implied = "dask" if args.scheduler else "local" if args.workers and not args.profile else None
    profile = (load_profile(args.profile) if args.profile else RuntimeProfile()).with_overrides(
        executor=args.executor or implied, workers=args.workers, scheduler=args.scheduler,
        threads_per_worker=args.threads, device=args.device, timeout_s=args.timeout_s, retries=args.retries)
    if profile.executor == "serial" and profile.timeout_s is not None:
        raise ConfigError("--timeout-s needs each evaluation in a process of its own, which the serial executor "
                          "does not have: add --executor local --workers 1")
    if args.budget is not None and args.budget < 1:
        raise ConfigError(f"--budget {args.budget}: give a total of at least 1 candidate")
    campaign = Campaign.from_yaml(args.file, runtime=profile.runtime(), force=args.force)
    campaign.validate()
    if profile.executor != "serial":
        import distributed  # noqa: F401  (importing it sets its loggers to INFO, hence after the import)

        # Dask logs every worker and connection at INFO; the progress lines below say what matters
        logging.getLogger("distributed").setLevel(logging.INFO if args.verbose else logging.WARNING)
    budget = campaign.config.loop.budget if args.budget is None else args.budget
    remote = profile.scheduler or (profile.jobqueue.system if profile.jobqueue else "")
    where = {"serial": "in process", "local": f"on {profile.n_workers()} local Dask worker(s)",
             "dask": f"on Dask ({remote})"}[profile.executor]
    print(f"running {campaign.config.name!r} {where}: {campaign.n_proposed()}/{budget} "
          f"candidates so far; store {campaign.store_path}", flush=True)

    def show(event: Progress) -> None:
        print(event.line(), flush=True)

    run = CampaignRun(campaign, budget, show, retries=profile.retries)
    try:
        evaluated = make_executor(profile).run(run)
    except ExecutorError as err:  # the store holds every result received; the next run resumes
        print(f"viglas: stopped: {err}", file=sys.stderr)
        return 3
    print(f"done: {evaluated} candidate(s) evaluated in this run; {campaign.n_proposed()}/{budget} in total")
    if run.stopped:
        print(f"stopped before the budget: {run.stopped}")
    waiting = campaign.waiting_for_lab()
    if waiting:
        print(f"{len(waiting)} candidate(s) wait for the lab: ids {', '.join(str(c.id) for c in waiting)}. "
              f"Write a template with `viglas ask {args.file} -n 0 --xlsx lab.xlsx`, fill it in, "
              f"`viglas tell {args.file} --xlsx lab.xlsx`, then run again.")
    print_best(campaign.snapshot())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    campaign = open_campaign(args)
    snap = campaign.snapshot()  # never creates a store: a campaign not started yet shows no candidates
    counts = {s: len(snap.in_state(s)) for s in ("done", "failed", "pending", "withdrawn")}
    print(f"campaign {snap.name!r} ({campaign.store_path})")
    withdrawn = f", {counts['withdrawn']} withdrawn" if counts["withdrawn"] else ""
    print(f"candidates: {len(snap.records)} ({counts['done']} done, {counts['failed']} failed, "
          f"{counts['pending']} pending{withdrawn}); budget {snap.budget}")
    pending = [r.id for r in snap.in_state("pending")]
    if pending:
        print("pending ids: " + ", ".join(map(str, pending)))
    print_best(snap)
    _print_expected_gain(campaign)
    if args.calibration:
        _print_calibration(snap)
    return 0


def _print_expected_gain(campaign: Campaign) -> None:
    """What the model still expects from the next batch (skipped where torch cannot be imported)."""
    try:
        gain = campaign.expected_gain()
    except ImportError:
        print("expected improvement: not computed (the GP libraries cannot be imported here)")
        return
    if gain is None:
        print("expected improvement: no model yet (needs two complete evaluations and a feasible point)")
        return
    where = ", ".join(c.formula for c in gain.at[:4])
    print(f"expected improvement: {gain.value:.3g} {gain.unit} ({gain.what}; at {where})")


def _print_calibration(snap: CampaignSnapshot) -> None:
    from ..calibration import calibrations

    found = calibrations(snap)
    if not found:
        print("calibration: no output has values from two oracles yet")
    for cal in found:
        print(f"calibration of {cal.output} [{cal.unit}]: {cal.cheap} vs {cal.trusted}, {len(cal.pairs)} pair(s); "
              f"mean offset {cal.offset:+.3g}, RMSE {cal.rmse:.3g}, correlation {cal.correlation:.3g}")
        print_table([{"id": p.candidate_id, "formula": p.formula, cal.cheap: p.cheap, cal.trusted: p.trusted,
                       "difference": p.cheap - p.trusted} for p in cal.pairs],
                     ["id", "formula", cal.cheap, cal.trusted, "difference"])


def cmd_export(args: argparse.Namespace) -> int:
    from ..export import write_csv

    target = Path(args.csv)
    if target.is_dir():
        raise ConfigError(f"{target}: is a folder; give a file name such as {target / 'results.csv'}")
    n = write_csv(open_campaign(args).snapshot(), target)
    print(f"wrote {n} candidate(s) to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..report import write_report

    campaign = open_campaign(args)
    out = Path(args.out) if args.out else campaign.base_dir / f"{campaign.config.name}-report"
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: is a file; --out takes a folder for report.html and its plots")
    print(f"fitting surrogates and drawing plots for {campaign.config.name!r}...", flush=True)
    paths = write_report(campaign.snapshot(), out)
    print(f"wrote {paths[0]} and {len(paths) - 1} PNG plot(s) to {out}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ..dashboard import make_server
    from ..dashboard.security import NO_AUTH_WARNING, is_loopback

    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port {args.port}: a port is a whole number from 1 to 65535 (0: any free port)")
    try:
        server = make_server(Path(args.file), host=args.host, port=args.port, allow_hosts=args.allow_host or ())
    except OSError as err:
        hint = ("; another program uses that port: choose another with --port" if err.errno == errno.EADDRINUSE else
                "; is that an address of this machine? (127.0.0.1: this machine only)")
        raise ValueError(f"cannot serve on {args.host}:{args.port}: {err.strerror or err}{hint}") from None
    host = f"[{args.host}]" if ":" in args.host else args.host
    where = ""
    if not is_loopback(args.host):
        print(f"viglas: warning: {NO_AUTH_WARNING.format(host=args.host, port=server.port)}", file=sys.stderr)
        host = "localhost" if args.host in ("0.0.0.0", "::") else host
        where = (f"; from other machines: http://{socket.gethostname()}:{server.port}/ or a name given with "
                 "--allow-host")
    print(f"dashboard for {args.file} at http://{host}:{server.port}/{where} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


def register(add: Any) -> None:
    """Add these commands with ``add(name, func, help)`` (see `optimizer.cli.build_parser`)."""
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
    p = add("status", cmd_status, "counts, best feasible points and pending ids")
    p.add_argument("--calibration", action="store_true", help="simulation against lab where both measured")
    p = add("export", cmd_export, "write one row per candidate to CSV")
    p.add_argument("--csv", required=True, help="output CSV path")
    p = add("report", cmd_report, "write an HTML report with plots (and the plots as PNG)")
    p.add_argument("--out", help="output folder (default: <campaign folder>/<name>-report)")
    p = add("serve", cmd_serve, "start a local web dashboard (pending candidates, result entry, plots)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only; "
                   "the dashboard has no login)")
    p.add_argument("--allow-host", action="append", metavar="NAME",
                   help="another name the page may be opened under (e.g. this machine's address on the network); "
                        "repeatable")

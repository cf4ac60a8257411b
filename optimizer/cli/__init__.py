"""`viglas`: a thin command-line shell over the Python API (one command per API call).

Each module registers its own commands: `campaign_commands` (validate, run, status, export, report,
serve), `lab_commands` (ask, tell, withdraw), `model_commands` (explain, predict), `oracle_commands`
(evaluate, bench).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Callable, Sequence

from oracles import CompositionError, OracleSetupError

from ..campaign import CampaignChangedError
from ..config import ConfigError
from ..store import CampaignBusyError, StoreError
from ..tell import TellError
from . import campaign_commands, lab_commands, model_commands, oracle_commands

EXPECTED_ERRORS = (ConfigError, CampaignChangedError, CampaignBusyError, StoreError, TellError, OracleSetupError,
                   CompositionError, KeyError, ValueError, OSError)


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

    for module in (campaign_commands, lab_commands, model_commands, oracle_commands):
        module.register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for name in ("optimizer", "oracles", "surrogates", "benchmarks"):
        logging.getLogger(name).setLevel(level if name != "optimizer" or args.verbose else max(level, logging.WARNING))
    try:
        return int(args.func(args))
    except BrokenPipeError:  # `viglas status | head`: the reader left; say nothing more
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # Python would complain again while flushing at exit
        return 0
    except EXPECTED_ERRORS as err:
        print(f"viglas: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("viglas: interrupted; everything committed so far is in the store", file=sys.stderr)
        return 130


def _one_line(err: BaseException) -> str:
    """The error's message on one line (an OSError names its file and the system's reason)."""
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    if isinstance(err, OSError) and err.strerror:
        return f"{err.filename}: {err.strerror}" if err.filename else err.strerror
    return " ".join(str(err).split()) or type(err).__name__

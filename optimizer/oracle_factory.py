"""Build the oracles a campaign names, keeping science options (YAML) apart from machine settings."""

from __future__ import annotations

import importlib
import inspect
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from oracles import Oracle, OracleSetupError

from .config import CampaignConfig, ConfigError, OracleConfig
from .glass_sharing import share_glass_cells
from .problem import OracleInfo

#: kind -> "module:Class" of the built-in oracles (imported only when used).
BUILTIN_ORACLES: dict[str, str] = {
    "mlmd": "oracles.mlmd:MLMDOracle",
    "hull": "oracles.hull:HullOracle",
    "lab": "oracles.lab:LabOracle",
}
#: Constructor keywords the campaign fills from the machine, never from the campaign file
#: (``glass_workdir``: where a hull oracle finds the campaign's annealed glass cells, `glass_sharing`;
#: ``compile_potential``: the ML-MD oracle's torch.compile, left to its default by campaigns).
MACHINE_SETTINGS = ("workdir", "device", "threads", "glass_workdir", "compile_potential")
#: Options whose relative paths are resolved against the campaign file's folder.
PATH_OPTIONS = ("entries",)


@dataclass(frozen=True)
class Runtime:
    """Machine settings: where artifacts go and what hardware oracles use (never in the YAML)."""

    device: str = "cpu"
    threads: int | None = None


@dataclass(frozen=True)
class OracleSlot:
    """A built oracle with its campaign-level settings."""

    oracle: Oracle
    label: str
    cost: float

    @property
    def manual(self) -> bool:
        """Results arrive by hand (the lab); the loop never calls this oracle."""
        return bool(getattr(self.oracle, "manual", False))

    @property
    def info(self) -> OracleInfo:
        return OracleInfo(self.label, self.cost, tuple(self.oracle.outputs), self.manual)


@contextmanager
def on_import_path(folder: Path) -> Iterator[None]:
    """``folder`` first on ``sys.path`` while importing from it, then ``sys.path`` as it was (the
    imported modules stay in ``sys.modules``)."""
    entry = str(folder)
    sys.path.insert(0, entry)
    try:
        yield
    finally:
        sys.path.remove(entry)


def _import_target(target: str, base_dir: Path) -> Any:
    module_name, _, attr = target.partition(":")
    try:
        with on_import_path(base_dir):  # the campaign folder holds users' oracle modules
            module = importlib.import_module(module_name)
    except ImportError as err:
        raise OracleSetupError(f"cannot import {module_name!r} for target {target!r}: {err}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise OracleSetupError(f"module {module_name!r} has no {attr!r} (target {target!r})") from None


def oracle_class(entry: OracleConfig, base_dir: Path) -> Any:
    if entry.kind == "python":
        assert entry.target is not None
        return _import_target(entry.target, base_dir)
    if entry.kind not in BUILTIN_ORACLES:
        raise OracleSetupError(f"kind {entry.kind!r} is not one of {', '.join(sorted([*BUILTIN_ORACLES, 'python']))}")
    return _import_target(BUILTIN_ORACLES[entry.kind], base_dir)


def build_oracle(entry: OracleConfig, *, base_dir: Path, workdir: Path, runtime: Runtime) -> Oracle:
    """Construct one oracle; raise `OracleSetupError` for unknown options or a broken setup."""
    cls = oracle_class(entry, base_dir)
    options = entry.kind_options
    params = inspect.signature(cls).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    for key in options:
        if key in MACHINE_SETTINGS:
            raise OracleSetupError(f"{key!r} is a machine setting; give it on the command line, not in the campaign")
        if not takes_any and key not in params:
            accepted = [k for k in params if k not in MACHINE_SETTINGS and k != "self"]
            raise OracleSetupError(f"unknown option {key!r} for kind {entry.kind} (accepted: {', '.join(accepted)})")
    for key in PATH_OPTIONS:
        if isinstance(options.get(key), str) and not Path(options[key]).is_absolute():
            options[key] = str(base_dir / options[key])
    machine = {"workdir": workdir, "device": runtime.device, "threads": runtime.threads}
    options.update({k: v for k, v in machine.items() if k in params})
    try:
        oracle = cls(**options)
    except OracleSetupError:
        raise
    except (TypeError, ValueError) as err:
        raise OracleSetupError(f"kind {entry.kind}: {err}") from None
    if not isinstance(oracle, Oracle):
        raise OracleSetupError(f"{cls.__name__} does not implement the Oracle protocol (name, outputs, evaluate)")
    return oracle


def build_oracles(config: CampaignConfig, *, base_dir: Path, runtime: Runtime | None = None,
                  locate: Callable[[tuple[Any, ...]], str] | None = None) -> list[OracleSlot]:
    """Build every oracle and check that each objective and constraint output is provided by one.

    ``locate`` maps a key path such as ``("oracles", 0)`` to ``"file:line"`` for error messages.
    """
    runtime = runtime or Runtime()
    where = locate or (lambda loc: "<campaign>")
    artifacts = base_dir / f"{config.name}-artifacts"
    slots: list[OracleSlot] = []
    for i, entry in enumerate(config.oracles):
        try:
            oracle = build_oracle(entry, base_dir=base_dir, workdir=artifacts / (entry.name or entry.kind),
                                  runtime=runtime)
        except OracleSetupError as err:
            raise ConfigError(f"{where(('oracles', i))}: oracles[{i}] ({entry.kind}): {err}") from None
        slots.append(OracleSlot(oracle, entry.name or oracle.name, entry.cost))
    labels = [s.label for s in slots]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"{where(('oracles',))}: oracles: two oracles share a name in {labels}; set distinct names")
    try:
        share_glass_cells([(s.label, s.oracle) for s in slots])
    except OracleSetupError as err:
        raise ConfigError(f"{where(('oracles',))}: oracles: {err}") from None
    provided = {name for s in slots for name in s.oracle.outputs}
    used: list[tuple[tuple[str, int, str] | tuple[str, int], str]]
    used = [(("objectives", i, "name"), o.name) for i, o in enumerate(config.objectives)]
    used += [(("constraints", i), c.output) for i, c in enumerate(config.problem().constraints)]
    for loc, output in used:
        if output not in provided:
            raise ConfigError(
                f"{where(loc)}: {loc[0]}[{loc[1]}]: output {output!r} is provided by no oracle "
                f"(the oracles provide: {', '.join(sorted(provided))})"
            )
    return slots

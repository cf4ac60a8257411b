"""One independent cell (one seed) through the protocol: glass, NVE check, conductivity runs, Tg.

`run_seed` never raises for a per-cell problem: a guard or fit error becomes ``SeedOutcome.error``.
Its outcome is plain JSON (`SeedOutcome.to_json`), so cells can run in other processes and a
long validation can keep one file per (composition, seed) and resume.
"""

from __future__ import annotations

import json
import logging
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..composition import Composition
from ..files import write_atomically
from .artifacts import ArtifactWriter, sha256_of
from .glass import glass_folder
from .guards import MDGuardError
from .saved_md import SavedMD

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

    from .presets import MDPreset

logger = logging.getLogger(__name__)


@dataclass
class SeedOutcome:
    """What one cell produced. ``error`` is set when the cell could not be evaluated.

    ``wall_time_s`` is this run's; ``cpu_s_by_stage`` is what each stage cost in CPU seconds when it
    was made, also by an earlier run (a reused glass, resumed temperatures); 0 where not recorded.
    """

    seed: int
    error: str | None = None
    glass: dict[str, Any] = field(default_factory=dict)
    runs: list[dict[str, Any]] = field(default_factory=list)
    drift: dict[str, Any] | None = None
    tg: dict[str, Any] | None = None
    simulated_ps: float = 0.0
    wall_time_s: float = 0.0
    cpu_s_by_stage: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> SeedOutcome:
        return cls(**record)


def run_seed(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, workdir: Path,
             preset_name: str, compute: frozenset[str], potential_label: str, reuse: bool = True,
             save: bool = True) -> SeedOutcome:
    """Make (or reuse) the glass cell of ``seed`` and run the requested analyses on it.

    With ``reuse``, a finished outcome saved in the cell's folder by the same preset and ``compute``
    is returned as it is (a campaign killed after some cells resumes with the next one); with
    ``save``, a finished outcome is saved there.
    """
    folder = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed).parent
    saved = folder / f"outcome-{'-'.join(sorted(compute))}.json"
    key = json.loads(json.dumps(preset.cell_key()))  # as it reads back from JSON
    if reuse and saved.is_file():
        record = json.loads(saved.read_text())
        if record.get("preset") == key:
            logger.info("%s seed %d: finished cell read from %s", comp.formula, seed, saved)
            return SeedOutcome.from_json(record["outcome"])
    outcome = _run_seed(comp, calculator=calculator, preset=preset, seed=seed, workdir=workdir, folder=folder,
                        preset_name=preset_name, compute=compute, potential_label=potential_label, reuse=reuse,
                        preset_key=key)
    if save and outcome.error is None:  # a failure may be the machine's (a step-time guard): try again next time
        write_atomically(saved, json.dumps({"preset": key, "outcome": outcome.to_json()}))
    return outcome


def _run_seed(comp: Composition, *, calculator: Calculator, preset: MDPreset, seed: int, workdir: Path, folder: Path,
              preset_name: str, compute: frozenset[str], potential_label: str, reuse: bool,
              preset_key: dict[str, Any]) -> SeedOutcome:
    from .conductivity import run_temperatures
    from .glass import make_glass_cell
    from .tg import glass_transition

    start = time.perf_counter()
    outcome = SeedOutcome(seed=seed)
    entropy = _cell_entropy(comp, seed)
    rng = np.random.default_rng(list(entropy))
    writer = ArtifactWriter(folder)
    try:
        glass = make_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, workdir=workdir,
                                preset_name=preset_name, potential_label=potential_label, reuse=reuse)
        outcome.glass = glass.summary()
        for name in ("glass", "melt"):
            path = Path(glass.folder) / f"{name}.extxyz"
            writer.records[f"{name}_cell"] = {"path": str(path), "sha256": sha256_of(path), "frames": 1}
        outcome.simulated_ps += glass.simulated_ps
        # CPU seconds of each stage, whichever run made it (a reused glass or temperature keeps its cost)
        outcome.cpu_s_by_stage["glass"] = glass.cpu_s
        glass_sha256 = writer.records["glass_cell"]["sha256"]
        if "conductivity" in compute:
            # a finished temperature is kept (with what it depends on) so that a killed cell resumes there
            key = conductivity_key(preset, str(glass_sha256))
            runs, drift, ps = run_temperatures(glass, calculator=calculator, preset=preset, species=comp.M,
                                               entropy=entropy, writer=writer, seed=seed,
                                               checkpoints=folder if reuse else None, checkpoint_key=key)
            outcome.runs = [asdict(r) for r in runs]
            outcome.cpu_s_by_stage["conductivity"] = round(sum(r.cpu_s for r in runs), 1)
            outcome.drift = None if drift is None else asdict(drift)
            outcome.simulated_ps += ps
        if "tg" in compute:
            # the state after every hold is kept, so that a killed cell resumes at its next hold
            holds = SavedMD(folder / "tg.partial", {"preset": preset_key, "glass_sha256": glass_sha256},
                            "the Tg cooling") if reuse else None
            tg = glass_transition(glass, calculator=calculator, preset=preset, rng=rng, writer=writer, seed=seed,
                                  n_bootstrap=preset.tg_bootstrap, saved=holds)
            outcome.tg = asdict(tg)
            outcome.cpu_s_by_stage["tg"] = tg.cpu_s
            outcome.simulated_ps += tg.simulated_ps
    except MDGuardError as err:
        logger.warning("%s", err)
        outcome.error = str(err)
    except Exception as err:  # any per-cell error (fit, potential) is reported, never raised
        logger.warning("%s seed %d: ML-MD failed: %s: %s", comp.formula, seed, type(err).__name__, err)
        outcome.error = f"{comp.formula} seed {seed}: ML-MD failed: {type(err).__name__}: {err}"
    outcome.artifacts = writer.records
    outcome.wall_time_s = time.perf_counter() - start
    return outcome


def run_cell_temperatures(comp: Composition, temperatures_K: list[float], *, calculator: Calculator,
                          preset: MDPreset, seed: int, workdir: Path, preset_name: str,
                          potential_label: str) -> list[dict[str, Any]]:
    """Run (or read back) some of a cell's conductivity temperatures and save each as `run_seed` would.

    Each temperature has its own random stream, so the temperatures of one cell can run in separate
    processes at once; `run_seed` then reads them back. Raises on a guard or fit error.
    """
    from .conductivity import run_temperatures
    from .glass import make_glass_cell

    unknown = sorted(set(temperatures_K) - set(preset.temperatures_K))
    if unknown:
        raise ValueError(f"{unknown} K not among the preset's temperatures {list(preset.temperatures_K)} K")
    folder = glass_folder(workdir, comp.formula, preset_name, preset.potential, seed).parent
    glass = make_glass_cell(comp, calculator=calculator, preset=preset, seed=seed, workdir=workdir,
                            preset_name=preset_name, potential_label=potential_label)
    key = conductivity_key(preset, sha256_of(Path(glass.folder) / "glass.extxyz"))
    runs, _, _ = run_temperatures(glass, calculator=calculator, preset=preset, species=comp.M,
                                  entropy=_cell_entropy(comp, seed), writer=ArtifactWriter(folder), seed=seed,
                                  checkpoints=folder, checkpoint_key=key, only_K=temperatures_K)
    return [asdict(r) for r in runs]


def _cell_entropy(comp: Composition, seed: int) -> tuple[int, int, int]:
    """What seeds a cell's random streams (each temperature appends its own)."""
    return (seed, zlib.crc32(comp.formula.encode()), 7)


def conductivity_key(preset: MDPreset, glass_sha256: str) -> dict[str, Any]:
    """What a saved temperature depends on: the cell's settings (as they read back from JSON) and its glass."""
    return {"preset": json.loads(json.dumps(preset.cell_key())), "glass_sha256": glass_sha256}

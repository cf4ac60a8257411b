"""`MLMDOracle`: ionic conductivity, activation energy and Tg of a glass from ML-potential MD."""

from __future__ import annotations

import contextlib
import io
import logging
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..atomistic.potential import check_available, torch_threads
from ..composition import Composition
from ..protocol import OracleSetupError
from ..results import Evaluation, Failure, Result
from .artifacts import ArtifactWriter, candidate_folder
from .guards import MDGuardError
from .presets import MDPreset, resolve_preset

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

ALL_OUTPUTS = {"log10_sigma_30C": "log10(S/cm)", "ea_eV": "eV", "tg_C": "degC"}
_COMPUTE_OUTPUTS = {"conductivity": ("log10_sigma_30C", "ea_eV"), "tg": ("tg_C",)}
_STRUCTURES = ("amorphous", "crystal")


class MLMDOracle:
    """Melt-quench ML-MD with a universal potential (CHGNet by default).

    Outputs: ``log10_sigma_30C`` (log10 S/cm at 303.15 K, Nernst-Einstein from the tracer D of M,
    Arrhenius-extrapolated), ``ea_eV`` (eV) and ``tg_C`` (degC, from NPT cooling; biased upward by
    MD cooling rates, a relative descriptor). Science settings: ``preset`` (smoke, quick,
    production) plus any `MDPreset` field as an override, ``compute``, ``structure``, ``seed``,
    ``potential``. Machine settings: ``workdir`` (artifacts; default ``./mlmd-artifacts``),
    ``device``, ``threads``. ``calculator`` plugs in any ASE calculator instead of ``potential``.
    The constructor only validates and stores; the potential loads on the first evaluation.

    ``structure="crystal"`` evaluates the measured MAlCl4 crystal (supercell, no melt, no Tg) for
    an MAlCl4 composition; other compositions then fail.
    """

    def __init__(self, *, preset: str = "quick", name: str = "mlmd", potential: str = "chgnet",
                 calculator: Calculator | None = None, compute: Iterable[str] = ("conductivity", "tg"),
                 structure: str = "amorphous", seed: int = 0, workdir: Path | str | None = None,
                 device: str = "cpu", threads: int | None = None, **overrides: Any) -> None:
        self.preset_name = preset
        self.params: MDPreset = resolve_preset(preset, overrides)
        compute_set = frozenset([compute] if isinstance(compute, str) else compute)
        if not compute_set or not compute_set <= set(_COMPUTE_OUTPUTS):
            raise OracleSetupError(f"ML-MD option compute={sorted(compute_set)} must be a non-empty subset of "
                                   f"{sorted(_COMPUTE_OUTPUTS)}")
        if structure not in _STRUCTURES:
            raise OracleSetupError(f"ML-MD option structure={structure!r} is not one of {list(_STRUCTURES)}")
        if structure == "crystal":
            compute_set = compute_set - {"tg"}
            if not compute_set:
                raise OracleSetupError("ML-MD option structure='crystal' has no Tg; compute needs 'conductivity'")
        if calculator is None:
            check_available(potential)  # importlib lookup only: no torch import here
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise OracleSetupError(f"ML-MD option threads={threads!r} must be a positive integer")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise OracleSetupError(f"ML-MD option seed={seed!r} must be an integer")
        self.name = name
        self.compute = compute_set
        self.outputs = {k: ALL_OUTPUTS[k] for c in sorted(compute_set) for k in _COMPUTE_OUTPUTS[c]}
        self.potential = potential if calculator is None else type(calculator).__name__
        self.structure = structure
        self.seed = seed
        self.workdir = None if workdir is None else Path(workdir)
        self.device = device
        self.threads = threads
        self._calculator = calculator
        self._potential_label = None if calculator is None else f"user calculator {type(calculator).__name__}"
        self._loaded = False  # True once we loaded the potential ourselves (then it is not pickled)

    def __getstate__(self) -> dict[str, Any]:
        # Process pools and Dask pickle the oracle; a loaded model is reloaded on the worker instead.
        state = dict(self.__dict__)
        if state["_loaded"]:
            state.update(_calculator=None, _potential_label=None, _loaded=False)
        return state

    def _calc(self) -> Calculator:
        if self._calculator is None:
            from ..atomistic.potential import load_calculator
            from .dynamics import quiet_potential

            try:
                with contextlib.redirect_stdout(io.StringIO()), quiet_potential():  # CHGNet prints on load
                    calc, info = load_calculator(self.potential, device=self.device)
            except (ImportError, OSError, RuntimeError) as err:  # a potential that cannot load stops the campaign
                raise OracleSetupError(f"ML-MD potential {self.potential!r} could not be loaded on "
                                       f"device={self.device!r}: {err}") from err
            self._calculator, self._potential_label = calc, info.label()
            self._loaded = True
        return self._calculator

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        """One `Evaluation` or `Failure` per composition, in order (torch uses ``threads`` meanwhile)."""
        with torch_threads(self.threads):
            return self._evaluate(batch)

    def _evaluate(self, batch: Sequence[Composition]) -> list[Evaluation | Failure]:
        results: list[Result] = []
        for comp in batch:
            try:
                atoms = self._starting_structure(comp)
            except ValueError as err:
                results.append(Failure(f"{comp.formula}: {err}"))
                continue
            melt = self.structure == "amorphous"
            label = comp.formula if melt else f"{comp.formula}-crystal"
            results.append(self.evaluate_structure(atoms, label=label, M=comp.M, melt=melt))
        return results

    def evaluate_structure(self, atoms: Atoms, *, label: str, M: str, melt: bool = True) -> Evaluation | Failure:
        """Run the protocol on a given starting cell (e.g. a crystal, or a user's model); never raises
        for a per-structure problem. ``M`` is the mobile species; ``melt`` runs the melt-quench first."""
        from .workflow import Protocol, run_protocol

        rng = np.random.default_rng([self.seed, zlib.crc32(label.encode())])
        workdir = self.workdir if self.workdir is not None else Path("mlmd-artifacts")
        try:
            folder = candidate_folder(workdir, f"{label}-glass" if melt else label, self.preset_name, self.seed)
            writer = ArtifactWriter(folder)
            proto = Protocol(self.params, self._calc(), rng, self.seed, writer, label)
            run = run_protocol(atoms, proto, species=M, melt=melt, compute=self.compute)
        except OracleSetupError:
            raise
        except MDGuardError as err:
            logger.warning("%s", err)
            return Failure(str(err))
        except Exception as err:  # any per-candidate error (fit, potential) is a Failure
            logger.warning("%s: ML-MD failed: %s: %s", label, type(err).__name__, err)
            return Failure(f"{label}: ML-MD failed: {type(err).__name__}: {err}")
        metadata = {**run.metadata, "potential": self._potential_label, "melt_quench": melt,
                    "structure": self.structure, "device": self.device, "threads": self.threads}
        return Evaluation(values=run.values, std=run.std, metadata=metadata, fidelity=self.preset_name)

    def _starting_structure(self, comp: Composition) -> Atoms:
        from ..atomistic.structures import build_amorphous, crystal_reference, density_of

        if self.structure == "amorphous":
            rng = np.random.default_rng([self.seed, zlib.crc32(comp.formula.encode()), 1])
            return build_amorphous(comp, target_atoms=self.params.target_atoms, rng=rng)
        if not comp.almost_equals(Composition(comp.M, 1.0, 0.0, 0.0)):
            raise ValueError(f"structure='crystal' exists only for {comp.M}AlCl4")
        cell = crystal_reference(comp.M)
        side = (self.params.target_atoms * cell.get_volume() / len(cell)) ** (1.0 / 3.0)
        reps = [max(1, round(side / length)) for length in cell.cell.lengths()]
        atoms = cell.repeat(reps)
        atoms.info.update(formula=f"{comp.M}AlCl4", density_g_cm3=density_of(atoms), source=f"crystal x{reps}")
        return atoms

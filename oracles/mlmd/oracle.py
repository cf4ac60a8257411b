"""`MLMDOracle`: ionic conductivity, activation energy and Tg of a glass from ML-potential MD."""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import multiprocessing
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..atomistic.potential import check_available, torch_threads
from ..composition import Composition
from ..protocol import OracleSetupError
from ..results import Evaluation, Failure
from .early_stop import Viability, saved_runs
from .presets import MDPreset, resolve_preset
from .processes import chained, in_process
from .workflow import SeedOutcome

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

ALL_OUTPUTS = {"log10_sigma_30C": "log10(S/cm)", "ea_eV": "eV", "tg_C": "degC"}
_COMPUTE_OUTPUTS = {"conductivity": ("log10_sigma_30C", "ea_eV"), "tg": ("tg_C",)}
_DEVICE = re.compile(r"^(cpu|cuda(:\d+)?)$")
#: Production steps per temperature from which a SevenNet model is compiled by default: compiling
#: costs 20-100 CPU s per process and saves about 0.2 CPU s per step of a 60-atom cell.
COMPILE_FROM_PRODUCTION_STEPS = 1000


class CellTemperature(NamedTuple):
    """One conductivity job of a shared queue: a cell at a temperature (K); sorts coldest first."""

    T_K: float
    seed: int
    formula: str = ""


#: (composition, seed): one independent cell.
Cell = tuple[Composition, int]


class MLMDOracle:
    """Melt-quench ML-MD with a universal potential, on ``seeds`` independent cells per composition.

    Outputs: ``log10_sigma_30C`` (log10 S/cm at 303.15 K, Nernst-Einstein from the tracer D of M,
    extrapolated from the diffusive temperatures), ``ea_eV`` (eV) and ``tg_C`` (degC, an MD
    descriptor). Science settings: ``preset`` (smoke, quick, production) plus any `MDPreset`
    field as an override (``potential``, ``seeds``, ...), ``compute`` and ``seed`` (the first of
    the cells' seeds). Machine settings: ``workdir`` (artifacts and reusable glass cells; default
    ``./mlmd-artifacts``), ``device`` (``cpu`` or ``cuda[:N]``), ``threads`` (total torch threads:
    with two or more, the cells' jobs run in up to that many processes, the threads split between them),
    ``compile_potential`` (run a SevenNet model through `torch.compile`: 1.7x less CPU per step on
    this machine; default: on CPU when a temperature's production has at least
    `COMPILE_FROM_PRODUCTION_STEPS` steps, so `quick` and `production` but not `smoke`).
    ``calculator`` plugs in any ASE calculator instead of ``potential`` (cells then run in this
    process). The constructor only validates and stores; the potential loads on first use.
    """

    def __init__(self, *, preset: str = "quick", name: str = "mlmd", potential: str | None = None,
                 calculator: Calculator | None = None, compute: Iterable[str] = ("conductivity", "tg"),
                 seed: int = 0, workdir: Path | str | None = None, device: str = "cpu", threads: int | None = None,
                 compile_potential: bool | None = None, **overrides: Any) -> None:
        self.preset_name = preset
        if potential is not None:
            overrides["potential"] = potential
        self.params: MDPreset = resolve_preset(preset, overrides)
        compute_set = frozenset([compute] if isinstance(compute, str) else compute)
        if not compute_set or not compute_set <= set(_COMPUTE_OUTPUTS):
            raise OracleSetupError(f"ML-MD option compute={sorted(compute_set)} must be a non-empty subset of "
                                   f"{sorted(_COMPUTE_OUTPUTS)}")
        if calculator is None:
            check_available(self.params.potential)  # importlib lookup only: no torch import here
        if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
            raise OracleSetupError(f"ML-MD option threads={threads!r} must be a positive integer")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise OracleSetupError(f"ML-MD option seed={seed!r} must be an integer")
        if not isinstance(device, str) or not _DEVICE.match(device):
            raise OracleSetupError(f"ML-MD option device={device!r} must be 'cpu', 'cuda' or 'cuda:N'")
        if compile_potential is not None and not isinstance(compile_potential, bool):
            raise OracleSetupError(f"ML-MD option compile_potential={compile_potential!r} must be true or false")
        self.name = name
        self.compute = compute_set
        self.outputs = {k: ALL_OUTPUTS[k] for c in sorted(compute_set) for k in _COMPUTE_OUTPUTS[c]}
        self.potential = self.params.potential if calculator is None else type(calculator).__name__
        self.seed = seed
        self.workdir = Path("mlmd-artifacts") if workdir is None else Path(workdir)
        self.device = device
        self.threads = threads
        self.compile_potential = compile_potential
        self._calculator = calculator
        self._potential_label = None if calculator is None else f"user calculator {type(calculator).__name__}"
        self._loaded = False  # True once we loaded the potential ourselves (then it is not pickled)

    def __getstate__(self) -> dict[str, Any]:
        # Process pools and Dask pickle the oracle; a loaded model is reloaded on the worker instead.
        state = dict(self.__dict__)
        if state["_loaded"]:
            state.update(_calculator=None, _potential_label=None, _loaded=False)
        return state

    @property
    def seeds(self) -> list[int]:
        """The seeds of the independent cells evaluated per composition."""
        return [self.seed + i for i in range(self.params.seeds)]

    def _calc(self) -> Calculator:
        if self._calculator is None:
            from ..atomistic.potential import load_calculator
            from .dynamics import quiet_potential

            if self.device.startswith("cuda"):
                import torch

                if not torch.cuda.is_available():
                    raise OracleSetupError(f"ML-MD device={self.device!r}: torch {torch.__version__} sees no CUDA GPU "
                                           "on this machine; use device='cpu' or install a CUDA build of torch")
            try:
                with contextlib.redirect_stdout(io.StringIO()), quiet_potential():  # CHGNet prints on load
                    calc, info = load_calculator(self.potential, device=self.device, compile_model=self._compiles())
            except (ImportError, OSError, RuntimeError) as err:  # a potential that cannot load stops the campaign
                raise OracleSetupError(f"ML-MD potential {self.potential!r} could not be loaded on "
                                       f"device={self.device!r}: {err}") from err
            self._calculator, self._potential_label = calc, info.label()
            self._loaded = True
        return self._calculator

    def _compiles(self) -> bool:
        """Whether the potential runs compiled: as asked, else for long runs of a SevenNet model on CPU."""
        if self.compile_potential is not None:
            return self.compile_potential
        from ..atomistic.potential import POTENTIALS

        return (POTENTIALS[self.potential].package == "sevenn" and self.device == "cpu"
                and self.params.production_steps >= COMPILE_FROM_PRODUCTION_STEPS)

    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        """One `Evaluation` or `Failure` per composition, in order; the cells of the whole batch share
        the processes (`run_batch_cells`)."""
        cells = self.run_batch_cells([(comp, seed) for comp in batch for seed in self.seeds])
        n = len(self.seeds)
        return [self.combine(comp, cells[i * n:(i + 1) * n]) for i, comp in enumerate(batch)]

    def combine(self, comp: Composition, outcomes: list[SeedOutcome]) -> Evaluation | Failure:
        """The evaluation of ``comp`` from its cells' outcomes (see `assemble`)."""
        from .assemble import assemble

        result = assemble(comp.formula, outcomes, preset=self.params, compute=self.compute,
                          preset_name=self.preset_name)
        if isinstance(result, Evaluation):
            result.metadata.update(potential=self._potential_label or self.potential, device=self.device,
                                   threads=self.threads, preset_parameters=_jsonable(self.params))
        return result

    def run_cells(self, comp: Composition, seeds: Sequence[int]) -> list[SeedOutcome]:
        """Run the cells of ``seeds`` for ``comp`` (`run_batch_cells`)."""
        return self.run_batch_cells([(comp, seed) for seed in seeds])

    def run_batch_cells(self, cells: Sequence[Cell]) -> list[SeedOutcome]:
        """Run ``cells``, of one composition or of a batch: in parallel processes when ``threads`` allows it.

        For the conductivity, the processes share one queue of jobs: every glass cell, and each
        (cell, temperature) from the moment its glass exists, coldest first over all cells (the longest); the cells
        then read their temperatures back. No process idles while another cell still has work (3
        cells on 2 processes would otherwise leave one idle for a third of the time; a batch's second
        composition would wait for the first one's last temperature). A cell's temperatures are
        independent (each has its own random stream), so this changes the numbers only as much as
        the potential's forces differ in the last bits between processes.
        """
        workers = self._workers(len(cells))
        if workers <= 1:
            with torch_threads(self.threads):
                return [self._run_one(comp, seed) for comp, seed in cells]
        per_worker = max(1, (self.threads or 1) // workers)
        # a value that cannot converge is a Failure (quick, production): stop its MD as soon as that is known
        viability = Viability(cells, self.params) if self.params.fail_unconverged else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            level = logging.getLogger("oracles").getEffectiveLevel()  # the cells' progress, as the caller logs it
            if "conductivity" in self.compute:
                self._glass_then_temperatures(pool, cells, workers, per_worker, level, viability)
            else:
                logger.info("%s: %d cells in %d processes x %d torch threads", _formulas(cells), len(cells),
                            workers, per_worker)
                viability = None

            def outcome(comp: Composition, seed: int) -> Future[SeedOutcome]:
                if viability is not None and viability.stopped(comp.formula):
                    stopped: Future[SeedOutcome] = Future()
                    stopped.set_result(SeedOutcome(seed=seed, error=viability.cell_error(comp.formula, seed)))
                    return stopped
                return pool.submit(in_process, self._run_one, comp, seed, threads=per_worker, log_level=level)

            futures = [outcome(comp, seed) for comp, seed in cells]
            return [f.result() for f in futures]

    def _glass_then_temperatures(self, pool: ProcessPoolExecutor, cells: Sequence[Cell], workers: int,
                                   per_worker: int, level: int, viability: Viability | None) -> None:
        """The glass cells, then each cell's temperatures as soon as its glass exists, all saved; with
        ``viability``, none of a composition that can no longer give a conductivity."""
        logger.info("%s: %d cells x %d temperatures in %d processes x %d torch threads", _formulas(cells),
                    len(cells), len(self.params.temperatures_K), workers, per_worker)

        def run(cell: Cell, temperatures_K: list[float]) -> Future[list[dict[str, Any]]]:
            comp, seed = cell
            return pool.submit(in_process, self._run_temperatures, comp, seed, temperatures_K, threads=per_worker,
                               log_level=level)

        def temperatures(cell: Cell) -> list[tuple[Any, Callable[[], Future[Any]]]]:
            if viability is not None:  # what a resumed cell's saved temperatures say is known before any MD starts
                viability.record_runs(cell[0].formula, cell[1], saved_runs(
                    self.workdir, *cell, preset=self.params, preset_name=self.preset_name))
            # coldest first over all cells: the longest, and the likeliest to need an extension
            return [(CellTemperature(T, cell[1], cell[0].formula), functools.partial(run, cell, [T]))
                    for T in self.params.temperatures_K]

        def seen(job: Any, future: Future[Any]) -> None:
            if viability is None or not isinstance(job, CellTemperature):
                return
            was_stopped = viability.stopped(job.formula)
            viability.record(job.formula, job.seed, future)
            if not was_stopped and viability.stopped(job.formula):
                logger.info("%s: no longer able to give a conductivity (seed %d: %s): its queued temperatures are "
                            "dropped", job.formula, job.seed, viability.cell_lost(job.formula, job.seed))

        def keep(job: CellTemperature) -> bool:
            return viability is None or not viability.stopped(job.formula)

        # []: the glass cell only; a failed job is run again, and reported, by its cell
        chained({run(cell, []): cell for cell in cells}, temperatures, slots=workers, seen=seen, keep=keep)

    def _workers(self, n_cells: int) -> int:
        """Processes for ``n_cells``: up to one per (cell, temperature) for the conductivity, else per cell."""
        user_calculator = self._calculator is not None and not self._loaded
        if self.threads is None or self.threads < 2 or user_calculator:
            return 1
        if multiprocessing.current_process().daemon:  # a pool worker (Dask, local executor) cannot fork children
            return 1
        jobs = n_cells * len(self.params.temperatures_K) if "conductivity" in self.compute else n_cells
        return min(jobs, self.threads)

    def _run_one(self, comp: Composition, seed: int) -> SeedOutcome:
        from .workflow import run_seed

        calc = self._calc()
        assert self._potential_label is not None
        # a user's calculator is not the preset's potential: its cells must not be filed or reused under that name
        return run_seed(comp, calculator=calc, preset=self.params, seed=seed, workdir=self.workdir,
                        preset_name=self.preset_name, compute=self.compute, potential_label=self._potential_label,
                        reuse=self._loaded)


    def run_cell_temperatures(self, comp: Composition, seed: int, temperatures_K: list[float]) -> list[dict[str, Any]]:
        """Run (or read back) some conductivity temperatures of one cell, saved where `evaluate` reads them.

        A cell's temperatures are independent, so separate processes may run them at once to finish
        one evaluation sooner; `evaluate` then reads them all back. A process asking for a temperature
        that another is running waits for it (a file lock per temperature), then reads it.
        """
        with torch_threads(self.threads):
            return self._run_temperatures(comp, seed, temperatures_K)

    def _run_temperatures(self, comp: Composition, seed: int, temperatures_K: list[float]) -> list[dict[str, Any]]:
        from .workflow import run_cell_temperatures

        calc = self._calc()
        if not self._loaded:
            raise OracleSetupError("running single temperatures needs the preset's potential, not a user calculator")
        assert self._potential_label is not None
        return run_cell_temperatures(comp, temperatures_K, calculator=calc, preset=self.params, seed=seed,
                                     workdir=self.workdir, preset_name=self.preset_name,
                                     potential_label=self._potential_label)


def _formulas(cells: Sequence[Cell]) -> str:
    """The cells' formulas, each once, in order."""
    return ", ".join(dict.fromkeys(comp.formula for comp, _ in cells))


def _jsonable(preset: MDPreset) -> dict[str, Any]:
    from dataclasses import asdict

    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(preset).items()}

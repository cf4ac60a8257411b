"""Universal ML interatomic potentials that ship their weights, behind one ASE-calculator factory.

Four potentials qualify (their weights are inside their wheels; nothing is downloaded):

| name        | package | model                              | energy scale                       |
| ----------- | ------- | ---------------------------------- | ---------------------------------- |
| `chgnet`    | chgnet  | CHGNet 0.3.0 (MPtrj)               | MP2020 (GGA/GGA+U, corrected)      |
| `7net-0`    | sevenn  | SevenNet-0 (MPtrj)                 | raw PBE(+U), MP2020 not applied    |
| `7net-l3i5` | sevenn  | SevenNet-l3i5 (MPtrj, lmax 3)      | raw PBE(+U), MP2020 not applied    |
| `7net-mf-0` | sevenn  | SevenNet-MF-0, r2SCAN head         | r2SCAN (MP2020 does not apply)     |

Machine settings (device, threads) are passed in, never read from hidden globals, and nothing
process-wide is left changed: `torch_threads` sets torch's pool for a block and restores it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
import sys
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Literal

from ..protocol import OracleSetupError

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

PotentialName = Literal["chgnet", "7net-0", "7net-l3i5", "7net-mf-0"]
#: What a potential's energies reproduce: MP2020-corrected GGA(+U), raw PBE(+U), or raw r2SCAN.
EnergyScale = Literal["mp2020", "pbe", "r2scan"]


@dataclass(frozen=True)
class PotentialSpec:
    """How to build one potential: its package, the model name there, and the head (modal) to use."""

    package: str
    model: str
    modal: str | None
    #: What the model was trained to reproduce (see `EnergyScale`).
    energy_scale: EnergyScale

    @property
    def mp2020_compatible(self) -> bool:
        """Energies already on the Materials Project 2020 (GGA/GGA+U, corrected) scale."""
        return self.energy_scale == "mp2020"


POTENTIALS: dict[str, PotentialSpec] = {
    "chgnet": PotentialSpec("chgnet", "0.3.0", None, "mp2020"),
    "7net-0": PotentialSpec("sevenn", "7net-0", None, "pbe"),
    "7net-l3i5": PotentialSpec("sevenn", "7net-l3i5", None, "pbe"),
    "7net-mf-0": PotentialSpec("sevenn", "7net-mf-0", "R2SCAN", "r2scan"),
}
#: Potentials whose energies are already on the Materials Project 2020 (GGA/GGA+U, corrected) scale.
MP2020_COMPATIBLE = {name: spec.mp2020_compatible for name, spec in POTENTIALS.items()}


@dataclass(frozen=True)
class PotentialInfo:
    """Which potential produced an energy; stored with every result and every reference entry."""

    name: str
    package_version: str
    model_version: str
    mp2020_compatible: bool

    def label(self) -> str:
        return f"{self.name} (model {self.model_version}, package {self.package_version})"


def check_available(name: str) -> None:
    """Raise `OracleSetupError` if potential ``name`` is unknown or its package is not installed."""
    if name not in POTENTIALS:
        raise OracleSetupError(f"potential {name!r} is not one of {sorted(POTENTIALS)}")
    package = POTENTIALS[name].package
    if importlib.util.find_spec(package) is None:
        raise OracleSetupError(f"potential {name!r} needs the Python package {package!r}: pip install {package}")


@contextlib.contextmanager
def torch_threads(threads: int | None, *, only_if_loaded: bool = False) -> Iterator[None]:
    """Run the block with ``threads`` torch threads (None: leave as is), then restore the caller's count.

    ``only_if_loaded``: leave torch alone when nothing has imported it yet (an executor bounding
    every oracle, torch-based or not, must not import torch just for this).
    """
    if threads is None or (only_if_loaded and "torch" not in sys.modules):
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def load_calculator(name: str = "chgnet", *, device: str = "cpu",
                    compile_model: bool = False) -> tuple[Calculator, PotentialInfo]:
    """Build the ASE calculator of potential ``name`` on ``device``; weights come from the installed wheel.

    Use `torch_threads` around the calculations to bound the threads they use. ``compile_model``:
    run a SevenNet model through `torch.compile` (`compiled.CompiledModel`; for long MD only).
    """
    check_available(name)
    if compile_model and POTENTIALS[name].package != "sevenn":
        raise OracleSetupError(f"compiling is available for the SevenNet potentials, not {name!r}")
    from importlib.metadata import version

    import torch

    spec = POTENTIALS[name]
    calc: Calculator
    if name == "chgnet":
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        with contextlib.redirect_stdout(io.StringIO()) as banner:  # CHGNet prints on load; log it instead
            model = CHGNet.load(use_device=device, verbose=False)
            calc = CHGNetCalculator(model=model, use_device=device, on_isolated_atoms="ignore")
        logger.debug("%s", banner.getvalue().strip())
        info = PotentialInfo(name, version("chgnet"), str(getattr(model, "version", "?")), True)
    else:
        from sevenn.calculator import SevenNetCalculator

        with warnings.catch_warnings():
            # SevenNet warns that no tensor-product accelerator (cuEquivariance, flash) is enabled: CPU use is fine
            warnings.simplefilter("ignore", UserWarning)
            calc = SevenNetCalculator(model=spec.model, device=device, modal=spec.modal)
        if compile_model:
            from .compiled import CompiledModel

            calc.model = CompiledModel(calc.model, name)  # type: ignore[assignment]  # a stand-in for its model
        model_version = spec.model + (f" ({spec.modal} head)" if spec.modal else "")
        info = PotentialInfo(name, version("sevenn"), model_version, False)
    logger.info("loaded potential %s on %s (%s torch threads%s)", info.label(), device, torch.get_num_threads(),
                ", compiled at its first call" if compile_model else "")
    return calc, info

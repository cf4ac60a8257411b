"""Universal ML interatomic potentials that ship their weights, behind one ASE-calculator factory.

Machine settings (device, threads) are passed in, never read from hidden globals.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..protocol import OracleSetupError

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

logger = logging.getLogger(__name__)

PotentialName = Literal["chgnet", "7net-0"]
_PACKAGE = {"chgnet": "chgnet", "7net-0": "sevenn"}
#: Potentials whose energies are already on the Materials Project 2020 (GGA/GGA+U, corrected) scale.
MP2020_COMPATIBLE = {"chgnet": True, "7net-0": False}


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
    if name not in _PACKAGE:
        raise OracleSetupError(f"potential {name!r} is not one of {sorted(_PACKAGE)}")
    if importlib.util.find_spec(_PACKAGE[name]) is None:
        raise OracleSetupError(
            f"potential {name!r} needs the Python package {_PACKAGE[name]!r}: pip install {_PACKAGE[name]}"
        )


def load_calculator(
    name: str = "chgnet", *, device: str = "cpu", threads: int | None = None
) -> tuple[Calculator, PotentialInfo]:
    """Build the ASE calculator of potential ``name`` on ``device`` with ``threads`` torch threads.

    Weights come from the installed wheel; nothing is downloaded.
    """
    check_available(name)
    import torch

    if threads is not None:
        torch.set_num_threads(threads)
    from importlib.metadata import version

    if name == "chgnet":
        from chgnet.model import CHGNet
        from chgnet.model.dynamics import CHGNetCalculator

        with contextlib.redirect_stdout(io.StringIO()) as banner:  # CHGNet prints on load; log it instead
            model = CHGNet.load(use_device=device, verbose=False)
            calc = CHGNetCalculator(model=model, use_device=device, on_isolated_atoms="ignore")
        logger.debug("%s", banner.getvalue().strip())
        info = PotentialInfo("chgnet", version("chgnet"), str(getattr(model, "version", "?")), True)
    else:
        from sevenn.calculator import SevenNetCalculator

        calc = SevenNetCalculator(model="7net-0", device=device)
        info = PotentialInfo("7net-0", version("sevenn"), "7net-0", False)
    logger.info("loaded potential %s on %s (%s torch threads)", info.label(), device, torch.get_num_threads())
    return calc, info

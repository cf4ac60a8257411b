"""The acceptance table: every check for each potential, as typed rows that serialise to JSON."""

from __future__ import annotations

import dataclasses
import datetime
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..atomistic.experiment import CRYSTALS, FORMATION_ENTHALPIES
from .cost import CostRow
from .crystals import CrystalRow
from .formation import FormationRow

logger = logging.getLogger(__name__)

#: The binaries of issue 11, in table order.
COMPOUNDS = ("LiCl", "NaCl", "AlCl3", "Al2O3", "Li2O", "Na2O", "Li2S", "Na2S", "Al2S3")


@dataclass(frozen=True)
class PotentialReport:
    """All checks of one potential; errors are computed minus measured."""

    name: str
    label: str
    energy_scale: str
    formation: tuple[FormationRow, ...]
    crystals: tuple[CrystalRow, ...]
    cost: CostRow | None
    wall_s: float

    def formation_errors_eV_atom(self) -> dict[str, float]:
        """Error per compound on the scale comparable with experiment (MP2020-corrected for raw-PBE models)."""
        out = {}
        for row in self.formation:
            error = row.mp2020_error_eV_atom if self.energy_scale == "pbe" else row.raw_error_eV_atom
            assert error is not None
            out[row.formula] = round(error, 4)
        return out

    def formation_mae_eV_atom(self) -> float | None:
        errors = list(self.formation_errors_eV_atom().values())
        return round(sum(map(abs, errors)) / len(errors), 4) if errors else None

    def as_dict(self) -> dict[str, Any]:
        rows = []
        for row in self.formation:
            rows.append({**dataclasses.asdict(row), "raw_error_eV_atom": round(row.raw_error_eV_atom, 4),
                         "mp2020_error_eV_atom": None if row.mp2020_error_eV_atom is None
                         else round(row.mp2020_error_eV_atom, 4)})
        return {
            "name": self.name, "label": self.label, "energy_scale": self.energy_scale,
            "formation": rows,
            "formation_error_eV_atom": self.formation_errors_eV_atom(),
            "formation_mae_eV_atom": self.formation_mae_eV_atom(),
            "crystals": [{**dataclasses.asdict(c), "volume_error_pct": round(c.volume_error_pct, 1)}
                         for c in self.crystals],
            "cost": None if self.cost is None else dataclasses.asdict(self.cost),
            "wall_s": self.wall_s,
        }


@dataclass(frozen=True)
class AcceptanceReport:
    """The table for several potentials, with the measured references and the conditions of the run."""

    potentials: tuple[PotentialReport, ...]
    conditions: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        formulas = sorted({r.formula for p in self.potentials for r in p.formation})
        return {
            "conditions": self.conditions,
            "experiment": {
                "formation_enthalpies": {f: {**dataclasses.asdict(FORMATION_ENTHALPIES[f]),
                                             "eV_atom": round(FORMATION_ENTHALPIES[f].eV_atom, 4)}
                                         for f in formulas},
                "crystals": {m: dataclasses.asdict(c) for m, c in CRYSTALS.items()},
            },
            "potentials": [p.as_dict() for p in self.potentials],
        }


def check_potential(name: str, *, compounds: Sequence[str] = COMPOUNDS, crystals: Sequence[str] = ("Li", "Na"),
                    cost_calls: int = 10, threads: int | None = 1, device: str = "cpu", fmax_eV_A: float = 0.02,
                    max_steps: int = 1500) -> PotentialReport:
    """Run every check of potential ``name`` (formation energies, crystals, force-call cost)."""
    from ..atomistic.potential import POTENTIALS, check_available, load_calculator, torch_threads
    from .cost import force_call_cost
    from .crystals import crystal_row
    from .formation import formation_rows

    check_available(name)
    start = time.perf_counter()
    scale = POTENTIALS[name].energy_scale
    with torch_threads(threads):
        calculator, info = load_calculator(name, device=device)
        logger.info("%s: formation energies of %s", name, ", ".join(compounds))
        formation = formation_rows(calculator, potential=name, energy_scale=scale, compounds=list(compounds),
                                   fmax_eV_A=fmax_eV_A, max_steps=max_steps)
        rows = tuple(crystal_row(calculator, m, fmax_eV_A=fmax_eV_A, max_steps=max_steps) for m in crystals)
        cost = force_call_cost(calculator, calls=cost_calls, threads=threads) if cost_calls > 0 else None
    wall = round(time.perf_counter() - start, 1)
    logger.info("%s: done in %.0f s", name, wall)
    return PotentialReport(name, info.label(), scale, tuple(formation), rows, cost, wall)


def run_acceptance(names: Sequence[str], *, command: str = "", **options: Any) -> AcceptanceReport:
    """`check_potential` for each of ``names`` (in order), with the run's conditions recorded."""
    import os
    import platform
    from importlib.metadata import version

    load_before = os.getloadavg()
    reports = tuple(check_potential(n, **options) for n in names)
    conditions = {
        "command": command, "date": datetime.date.today().isoformat(),
        "host_cpus": os.cpu_count(), "platform": platform.platform(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "options": {k: v for k, v in options.items() if k != "device"} | {"device": options.get("device", "cpu")},
        "versions": {pkg: version(pkg) for pkg in ("torch", "ase", "pymatgen", "chgnet", "sevenn")},
        "relaxation": "FIRE + FrechetCellFilter (cell free), every phase and elemental reference",
    }
    return AcceptanceReport(reports, conditions)

"""Energies anchored to experiment: one fitted correction per species, applied to every entry alike.

The idea of the Materials Project 2020 scheme (Wang et al., Sci. Rep. 11, 15496 (2021)), refitted
for one ML potential: every atom of species X in an ionic compound (an entry holding at least one
of Li, Na, Al and at least one of Cl, O, S) gets the energy c_X; elements and alloys get nothing.
The c_X minimise the weighted squared error of the corrected formation energies (eV/atom) of the
reference compounds that have a measured enthalpy (`oracles.atomistic.experiment`), each weighted
by 1 / (sigma_expt^2 + sigma_model^2).

For charge-balanced compounds only the combinations of c_X that keep sum_X z_X c_X unchanged
matter (adding z_X t to every c_X leaves every such entry's correction unchanged), so the fit
has one free direction; the minimum-norm solution is taken. Every voltage and e_hull between
charge-balanced phases and elements is independent of that choice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pymatgen.core import Composition
    from pymatgen.entries.computed_entries import ComputedEntry

logger = logging.getLogger(__name__)

SPECIES = ("Li", "Na", "Al", "Cl", "O", "S")
CATIONS = frozenset({"Li", "Na", "Al"})
ANIONS = frozenset({"Cl", "O", "S"})
#: Spread of the potential's formation energies between structures of one compound (eV/atom): a floor
#: on each compound's uncertainty so that a precisely measured value cannot dominate the fit alone.
SIGMA_MODEL_EV_ATOM = 0.02
ADJUSTMENT_PREFIX = "viglas anchor"


def is_ionic(comp: Composition) -> bool:
    """Whether the corrections apply: at least one cation (Li, Na, Al) and one anion (Cl, O, S)."""
    symbols = {el.symbol for el in comp.elements}
    return bool(symbols & CATIONS) and bool(symbols & ANIONS)


@dataclass(frozen=True)
class SpeciesCorrections:
    """Fitted corrections (eV per atom of each species) and the fit's residuals per compound (eV/atom)."""

    eV_per_atom: dict[str, float]
    residuals_eV_atom: dict[str, float]
    sigma_eV_atom: dict[str, float]
    held_out_eV_atom: dict[str, float] = field(default_factory=dict)

    def correction_eV(self, comp: Composition) -> float:
        """Total correction of an entry of composition ``comp`` (eV, not per atom)."""
        if not is_ionic(comp):
            return 0.0
        return float(sum(self.eV_per_atom.get(el.symbol, 0.0) * n for el, n in comp.items()))

    def apply(self, entry: ComputedEntry) -> ComputedEntry:
        """A copy of ``entry`` carrying the corrections as energy adjustments (its raw energy unchanged)."""
        from pymatgen.entries.computed_entries import CompositionEnergyAdjustment

        out = entry.copy()
        adjustments = [a for a in out.energy_adjustments if not a.name.startswith(ADJUSTMENT_PREFIX)]
        if is_ionic(out.composition):
            for el, n in out.composition.items():
                value = self.eV_per_atom.get(el.symbol, 0.0)
                if value:
                    adjustments.append(CompositionEnergyAdjustment(value, float(n), name=f"{ADJUSTMENT_PREFIX} ({el})",
                                                                   description="species correction fitted to "
                                                                               "measured formation enthalpies"))
        out.energy_adjustments = adjustments
        return out

    def as_metadata(self) -> dict[str, Any]:
        rms = (sum(r * r for r in self.residuals_eV_atom.values()) / max(len(self.residuals_eV_atom), 1)) ** 0.5
        return {"corrections_eV_per_atom": {k: round(v, 4) for k, v in self.eV_per_atom.items()},
                "fit_residuals_eV_atom": {k: round(v, 4) for k, v in self.residuals_eV_atom.items()},
                "fit_rms_eV_atom": round(rms, 4),
                "held_out_residuals_eV_atom": {k: round(v, 4) for k, v in self.held_out_eV_atom.items()}}


def elemental_chemical_potentials(entries: list[ComputedEntry] | tuple[ComputedEntry, ...]) -> dict[str, float]:
    """Lowest raw energy per atom of each elemental phase among ``entries`` (eV/atom)."""
    mu: dict[str, float] = {}
    for e in entries:
        if e.composition.is_element:
            el = e.composition.elements[0].symbol
            mu[el] = min(mu.get(el, float("inf")), e.uncorrected_energy_per_atom)
    return mu


def raw_formation_energies(entries: list[ComputedEntry] | tuple[ComputedEntry, ...]) -> dict[str, float]:
    """Raw formation energy (eV/atom) of the lowest-energy entry of each compound formula."""
    mu = elemental_chemical_potentials(entries)
    best: dict[str, float] = {}
    for e in entries:
        comp = e.composition
        if comp.is_element or any(el.symbol not in mu for el in comp.elements):
            continue
        ef = (e.uncorrected_energy - sum(n * mu[el.symbol] for el, n in comp.items())) / comp.num_atoms
        formula = comp.reduced_formula
        best[formula] = min(best.get(formula, float("inf")), float(ef))
    return best


def fit_corrections(entries: list[ComputedEntry] | tuple[ComputedEntry, ...], *,
                    fit: tuple[str, ...] | None = None,
                    sigma_model_eV_atom: float = SIGMA_MODEL_EV_ATOM) -> SpeciesCorrections:
    """Fit the species corrections to the measured compounds present among ``entries``.

    ``fit`` names the compounds to fit (default: every compound with a measured enthalpy whose
    reference structure is a measured one, `FIT_COMPOUNDS`); the others with a measured enthalpy
    are reported as held-out residuals. Raises ValueError if fewer compounds than species are present.
    """
    import numpy as np
    from pymatgen.core import Composition

    from ..atomistic.experiment import FORMATION_ENTHALPIES, TERNARY_ENTHALPIES

    measured = {**FORMATION_ENTHALPIES, **TERNARY_ENTHALPIES}
    raw = raw_formation_energies(entries)
    chosen = [f for f in (fit or FIT_COMPOUNDS) if f in raw and f in measured]
    species = [s for s in SPECIES if any(s in Composition(f).as_dict() for f in chosen)]
    if len(chosen) < len(species):
        raise ValueError(f"only {chosen} of the measured compounds are among the references: cannot fit {species}")
    rows, target, sigma = [], [], []
    for f in chosen:
        comp = Composition(f)
        value, sig = fit_target(measured[f])
        rows.append([comp.get_atomic_fraction(s) for s in species])
        target.append(value - raw[f])
        sigma.append((sig**2 + sigma_model_eV_atom**2) ** 0.5)
    a, b, w = np.array(rows), np.array(target), 1.0 / np.array(sigma)
    coeffs, *_ = np.linalg.lstsq(a * w[:, None], b * w, rcond=None)
    corrections = {s: float(c) for s, c in zip(species, coeffs)}

    def residual(f: str) -> float:
        comp = Composition(f)
        corrected = raw[f] + sum(corrections.get(el.symbol, 0.0) * comp.get_atomic_fraction(el) for el in comp)
        return float(corrected - fit_target(measured[f])[0])

    held_out = {f: residual(f) for f in measured if f in raw and f not in chosen}
    result = SpeciesCorrections(corrections, {f: residual(f) for f in chosen},
                                {f: s for f, s in zip(chosen, sigma)}, held_out)
    logger.info("anchoring: corrections %s eV/atom of species; fit rms %.3f eV/atom over %d compounds",
                {k: round(v, 3) for k, v in corrections.items()}, result.as_metadata()["fit_rms_eV_atom"], len(chosen))
    return result


def fit_target(ref: Any) -> tuple[float, float]:
    """(value, one-sigma) in eV/atom that the fit uses for a measured enthalpy.

    Where a second standard table disagrees, the fit takes the midpoint of the two with an
    uncertainty of at least half their difference (Al2S3: 0.15 eV/atom apart).
    """
    value, sigma = ref.eV_atom, ref.sigma_eV_atom or 0.0
    if ref.alternative is not None:
        other = ref.alternative[0] / ref.kJ_mol * ref.eV_atom
        value, sigma = (value + other) / 2, max(sigma, abs(value - other) / 2)
    return float(value), float(sigma)


#: Fitted by default: the binaries and the Al compounds whose reference structures are measured crystals.
FIT_COMPOUNDS = ("LiCl", "NaCl", "AlCl3", "Al2O3", "Li2O", "Na2O", "Li2S", "Na2S", "Al2S3", "NaAlCl4")


def anchor_entries(entries: list[ComputedEntry] | tuple[ComputedEntry, ...],
                   corrections: SpeciesCorrections) -> list[ComputedEntry]:
    """Every entry with the corrections applied (elements and alloys unchanged)."""
    return [corrections.apply(e) for e in entries]

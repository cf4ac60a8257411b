"""Formulas of the Li/Na-Al-Cl-O-S system: parsing, the alkali of the window, glass or crystal, crystal results.

Pure functions of a phase diagram and a composition; `HullOracle.evaluate_formula` puts them together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..composition import Composition, CompositionError
from ..protocol import StructureKind
from .window import decomposition, electrochemical_window, glass_oxidation_limit, phase_name

if TYPE_CHECKING:
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Composition as PmgComposition
    from pymatgen.entries.computed_entries import ComputedEntry

SYSTEM = ("Li", "Na", "Al", "Cl", "O", "S")


def parse_formula(formula: str) -> PmgComposition:
    """``formula`` as a pymatgen Composition; ValueError unless it is a formula of the system."""
    from pymatgen.core import Composition as PmgComposition

    try:
        comp = PmgComposition(formula.replace(" ", ""))
    except Exception as err:
        raise ValueError(f"{formula!r} is not a chemical formula ({err})") from None
    if comp.num_atoms <= 0:
        raise ValueError(f"{formula!r} is not a chemical formula")
    outside = sorted({el.symbol for el in comp.elements} - set(SYSTEM))
    if outside:
        raise ValueError(f"{formula!r} contains {', '.join(outside)}, outside the Li/Na-Al-Cl-O-S chemical system")
    return comp


def choose_metal(comp: PmgComposition, metal: str | None) -> str:
    """The alkali the window is measured against: given, else the one in ``comp``, else Li."""
    if metal is not None:
        if metal not in ("Li", "Na"):
            raise ValueError(f"metal={metal!r} must be Li or Na")
        return metal
    present = [m for m in ("Li", "Na") if m in {el.symbol for el in comp.elements}]
    return present[0] if len(present) == 1 else "Li"


def glass_composition(comp: PmgComposition) -> Composition | None:
    """The glass-family composition (one alkali, Al, charge-balanced Cl, O, S) of ``comp``, or None."""
    try:
        return Composition.from_formula(comp.formula.replace(" ", ""))
    except (CompositionError, ValueError):
        return None


def resolve_structure(comp: PmgComposition, structure: StructureKind | None) -> StructureKind:
    """``structure`` if given, else "glass" for a glass-family composition and "crystal" for any other."""
    if structure is not None:
        if structure not in ("glass", "crystal"):
            raise ValueError(f"structure={structure!r} must be 'glass' or 'crystal'")
        return structure
    return "glass" if glass_composition(comp) is not None else "crystal"


def crystal_entry(pd: PhaseDiagram, comp: PmgComposition) -> ComputedEntry | None:
    """The lowest-energy reference phase of ``comp``'s reduced composition, or None if there is none."""
    known = [e for e in pd.all_entries if e.composition.reduced_composition == comp.reduced_composition]
    return min(known, key=lambda e: e.energy_per_atom) if known else None


def window_result(pd: PhaseDiagram, comp: PmgComposition, metal: str, *,
                  e_hull_eV_atom: float | None) -> tuple[dict[str, float], dict[str, Any]]:
    """(values, metadata) of the window of ``comp`` vs ``metal``, with the metastable oxidation limit
    of the modelled structure when its energy above the hull is known."""
    window = electrochemical_window(pd, comp, metal)
    values: dict[str, float] = {"reduction_V": window.reduction_V}
    metadata: dict[str, Any] = {**window.as_metadata(), "hull_decomposition": decomposition(pd, comp)}
    if window.oxidation_V is None:
        metadata["oxidation_note"] = f"{comp.reduced_formula} holds no {metal}: nothing to oxidise with {metal} open"
        return values, metadata
    values["oxidation_V"] = window.oxidation_V
    if e_hull_eV_atom is not None:
        limit = glass_oxidation_limit(pd, comp, metal, window, e_hull_eV_atom)
        if limit is not None:
            values["oxidation_metastable_V"] = limit.voltage_V
            metadata["metastable_oxidation"] = limit.as_metadata()
    return values, metadata


def crystal_result(pd: PhaseDiagram, comp: PmgComposition, metal: str) -> tuple[dict[str, float], dict[str, Any]]:
    """(values, metadata) of ``comp`` as its crystalline reference phase: its own e_hull (0 if stable)."""
    entry = crystal_entry(pd, comp)
    e_hull = None if entry is None else round(float(pd.get_e_above_hull(entry, allow_negative=True) or 0.0), 5)
    values, metadata = window_result(pd, comp, metal, e_hull_eV_atom=e_hull)
    if entry is None:
        metadata["e_hull_note"] = "no crystal structure of this composition among the references: e_hull not computed"
    else:
        assert e_hull is not None
        values["e_hull_eV_atom"] = e_hull
        metadata["reference"] = {"phase": phase_name(entry), "entry_id": str(entry.entry_id)}
    return values, metadata

"""`HullOracle.evaluate_formula`: any formula of the Li/Na-Al-Cl-O-S system, not only glass-family points."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..composition import Composition, CompositionError
from ..results import Evaluation, Failure
from .window import decomposition, electrochemical_window, phase_name

if TYPE_CHECKING:
    from pymatgen.core import Composition as PmgComposition

    from .oracle import HullOracle

_SYSTEM = ("Li", "Na", "Al", "Cl", "O", "S")


def parse_formula(formula: str) -> PmgComposition:
    """``formula`` as a pymatgen Composition; ValueError unless it is a formula of the system."""
    from pymatgen.core import Composition as PmgComposition

    try:
        comp = PmgComposition(formula.replace(" ", ""))
    except Exception as err:
        raise ValueError(f"{formula!r} is not a chemical formula ({err})") from None
    if comp.num_atoms <= 0:
        raise ValueError(f"{formula!r} is not a chemical formula")
    outside = sorted({el.symbol for el in comp.elements} - set(_SYSTEM))
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


def evaluate_formula(oracle: HullOracle, formula: str, *, metal: str | None = None) -> Evaluation | Failure:
    """See `HullOracle.evaluate_formula`."""
    comp = parse_formula(formula)
    m = choose_metal(comp, metal)
    elements = {el.symbol for el in comp.elements}
    if elements == {m}:
        return Failure(f"{formula}: the window of {m} metal against {m}/{m}+ is not defined")
    try:
        pd = oracle.diagram_for(elements | {m})
    except ValueError as err:
        return Failure(f"{formula}: {err}")
    known = [e for e in pd.all_entries if e.composition.reduced_composition == comp.reduced_composition]
    if not known and elements <= {m, "Al", "Cl", "O", "S"} and m in elements:
        try:
            glass = Composition.from_formula(comp.formula.replace(" ", ""))
        except CompositionError:
            glass = None
        if glass is not None:
            return oracle.evaluate([glass])[0]
    key = oracle._key(comp.reduced_formula, m)
    cached = oracle._cache.get(key)
    if cached is not None:
        return cached
    window = electrochemical_window(pd, comp, m)
    values: dict[str, float] = {"reduction_V": window.reduction_V}
    metadata: dict[str, Any] = {"formula": comp.reduced_formula, **window.as_metadata(),
                                "hull_decomposition": decomposition(pd, comp), **oracle._provenance()}
    if window.oxidation_V is None:
        metadata["oxidation_note"] = f"{comp.reduced_formula} holds no {m}: nothing to oxidise with {m} open"
    else:
        values["oxidation_V"] = window.oxidation_V
    if known:
        best = min(known, key=lambda e: e.energy_per_atom)
        values["e_hull_eV_atom"] = round(float(pd.get_e_above_hull(best, allow_negative=True) or 0.0), 5)
        metadata["reference"] = {"phase": phase_name(best), "entry_id": str(best.entry_id)}
    else:
        metadata["e_hull_note"] = "no structure of this composition among the references: e_hull not computed"
    result = Evaluation(values, None, metadata, fidelity=oracle.preset.name)
    oracle._cache.put(key, result)
    return result

"""Phase-diagram analysis: hull decomposition, energy above hull and the electrochemical window.

The window of a composition with the alkali M as the open element: lowering the M chemical
potential mu_M (raising the voltage V = -(mu_M - mu_M^0)/e vs M/M+) the composition first loses M
at the oxidation limit; raising mu_M it first takes up M at the reduction limit (Richards et al.,
Chem. Mater. 28, 266 (2016); Zhu, He, Mo, ACS AMI 7, 23685 (2015)).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Composition
    from pymatgen.entries import Entry
    from pymatgen.entries.computed_entries import ComputedEntry

logger = logging.getLogger(__name__)

#: M taken up or released per formula unit below this is "no exchange" (numerical noise).
EVOLUTION_TOL = 1e-6


@dataclass(frozen=True)
class Window:
    """Stability window vs M/M+, with the phases at each limit.

    ``oxidation_V`` is None when the composition holds no M (nothing to lose with M open);
    ``reduction_V`` is 0 when it is stable in contact with M metal.
    """

    metal: str
    oxidation_V: float | None
    reduction_V: float
    oxidation_products: tuple[str, ...]
    reduction_products: tuple[str, ...]

    def as_metadata(self) -> dict[str, Any]:
        return {
            "window_vs": f"{self.metal}/{self.metal}+",
            "oxidation_products": list(self.oxidation_products),
            "reduction_products": list(self.reduction_products),
        }


def phase_name(entry: Entry) -> str:
    """Label of a phase: the reference's own label if it has one, else its reduced formula."""
    data = getattr(entry, "data", None) or {}
    return str(data.get("phase") or entry.composition.reduced_formula)


def build_phase_diagram(entries: tuple[ComputedEntry, ...] | list[ComputedEntry], elements: set[str]) -> PhaseDiagram:
    """Phase diagram of the ``elements`` subsystem; raises ValueError naming a missing elemental reference."""
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.core import Element

    chosen = [e for e in entries if {el.symbol for el in e.composition.elements} <= elements]
    present = {e.composition.elements[0].symbol for e in chosen if e.composition.is_element}
    missing = sorted(elements - present)
    if missing:
        raise ValueError(f"the reference entries have no elemental phase of {', '.join(missing)}")
    logger.info("building the %s phase diagram from %d entries", "-".join(sorted(elements)), len(chosen))
    return PhaseDiagram(chosen, elements=[Element(el) for el in sorted(elements)])


def decomposition(pd: PhaseDiagram, comp: Composition) -> dict[str, float]:
    """Equilibrium phases of ``comp`` and their atomic fractions."""
    decomp = pd.get_decomposition(comp)
    return {phase_name(e): round(float(x), 6) for e, x in sorted(decomp.items(), key=lambda kv: -kv[1])}


def energy_above_hull(pd: PhaseDiagram, entry: ComputedEntry) -> tuple[float, dict[str, float]]:
    """(energy above the hull in eV/atom, decomposition) of ``entry``; negative if it lies below the hull."""
    decomp, e_hull = pd.get_decomp_and_e_above_hull(entry, allow_negative=True, check_stable=False)
    assert e_hull is not None and decomp is not None
    return float(e_hull), {phase_name(e): round(float(x), 6) for e, x in decomp.items()}


def electrochemical_window(pd: PhaseDiagram, comp: Composition, metal: str) -> Window:
    """The window of ``comp`` vs ``metal``/``metal``+ from its M-evolution profile.

    ``get_element_profile`` walks the line from M toward ``comp`` minus M; each step's ``chempot``
    is mu_M on the M-rich side of a critical composition. ``comp`` itself is the step with no M
    exchange: its chempot bounds the window from above (reduction) and the next step's from
    below (oxidation). If ``comp`` is not on an M-invariant face of the hull (not charge
    balanced, say) no step has zero exchange and the window shrinks to one potential.
    """
    from pymatgen.core import Element

    el = Element(metal)
    mu0 = pd.el_refs[el].energy_per_atom
    profile = pd.get_element_profile(el, comp)

    def volts(step: dict[str, Any]) -> float:
        return round(-(float(step["chempot"]) - mu0), 4) + 0.0  # + 0.0 turns -0.0 into 0.0

    def products(step: dict[str, Any]) -> tuple[str, ...]:
        return tuple(sorted({phase_name(e) for e in step["entries"]}))

    evolution = [float(step["evolution"]) for step in profile]
    zero = [i for i, x in enumerate(evolution) if abs(x) < EVOLUTION_TOL]
    if zero:
        k = zero[0]
        upper = volts(profile[k])  # 0 V when k == 0: stable in contact with M metal
        lower = volts(profile[k + 1]) if k + 1 < len(profile) else None
        red_products = products(profile[k - 1]) if k > 0 else ()
        ox_products = products(profile[k + 1]) if k + 1 < len(profile) else ()
    else:  # the composition sits inside an M-exchanging region: one potential
        k = next(i for i, x in enumerate(evolution) if x < 0)
        upper = lower = volts(profile[k])
        red_products = products(profile[k - 1]) if k > 0 else ()
        ox_products = products(profile[k])
    if metal not in {e.symbol for e in comp.elements}:
        lower, ox_products = None, ()
    return Window(metal, lower, upper, ox_products, red_products)



@dataclass(frozen=True)
class MetastableLimit:
    """Oxidation limit of a structure above the hull, its excess energy counted (see `glass_oxidation_limit`).

    ``consumed_atoms`` and ``metal_released`` are per formula unit of the composition as given.
    """

    voltage_V: float
    excess_eV_atom: float
    consumed_atoms: float
    metal_released: float

    def as_metadata(self) -> dict[str, Any]:
        return {"voltage_V": self.voltage_V, "excess_eV_atom": self.excess_eV_atom,
                "consumed_atoms_per_fu": round(self.consumed_atoms, 5),
                "metal_released_per_fu": round(self.metal_released, 5),
                "convention": "V_ox - e_excess * consumed_atoms / metal_released for the first oxidation step "
                              "(docs/hull.md)"}


def glass_oxidation_limit(pd: PhaseDiagram, comp: Composition, metal: str, window: Window,
                          e_hull_eV_atom: float) -> MetastableLimit | None:
    """Oxidation limit of ``comp`` as the structure it is, with its excess energy ``e_hull_eV_atom`` counted.

    Convention: every atom of the structure carries the excess energy e (max(e_hull, 0)) per atom.
    Its first oxidation step is the thermodynamic one (same products, same M released, n per
    formula unit), but the atoms that step consumes (the phases of the equilibrium assemblage
    that turn into the step's products, N_c atoms) bring their excess with them, so the step
    runs at V_ox - e N_c / n. The rest of the structure keeps its excess and is not counted. A
    small oxidisable fraction (a little S in a chloride glass) shifts the limit in proportion to
    its own stoichiometry, not to the size of the whole cell. None if there is no oxidation step.
    """
    from pymatgen.core import Element

    if window.oxidation_V is None:
        return None
    profile = pd.get_element_profile(Element(metal), comp)
    zero = [i for i, step in enumerate(profile) if abs(float(step["evolution"])) < EVOLUTION_TOL]
    if not zero or zero[0] + 1 >= len(profile):
        return None
    step = profile[zero[0] + 1]
    released = -float(step["evolution"])
    if released <= EVOLUTION_TOL:
        return None
    reactant: dict[str, float] = {}
    for entry, fraction in pd.get_decomposition(comp).items():
        key = entry.composition.reduced_formula
        reactant[key] = reactant.get(key, 0.0) + float(fraction) * comp.num_atoms
    rxn = step["reaction"]
    product: dict[str, float] = {}
    for c in rxn.products:
        key = c.reduced_formula
        product[key] = product.get(key, 0.0) + float(rxn.get_coeff(c)) * c.num_atoms
    consumed = sum(max(0.0, atoms - product.get(key, 0.0)) for key, atoms in reactant.items())
    excess = max(float(e_hull_eV_atom), 0.0)
    voltage = round(window.oxidation_V - excess * consumed / released, 4) + 0.0
    return MetastableLimit(voltage, round(excess, 5), consumed, released)

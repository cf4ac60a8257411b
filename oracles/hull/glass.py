"""A glass composition's result: its relaxed model(s) against the diagram, and the windows of the composition."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable

from ..composition import Composition
from ..results import Evaluation, Failure
from .formula import window_result
from .window import energy_above_hull

if TYPE_CHECKING:
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.entries.computed_entries import ComputedEntry

    from .candidate import CandidateModel


def glass_result(comp: Composition, pd: PhaseDiagram, *, model: Callable[[], CandidateModel] | None,
                 put_on_scale: Callable[[ComputedEntry], ComputedEntry], provenance: dict[str, Any],
                 fidelity: str, scale_note: str = "") -> Evaluation | Failure:
    """Evaluate glass ``comp``: windows always; e_hull and the metastable limit when ``model`` is given.

    ``model`` builds and relaxes the candidate cells (None when the candidate energies would not be
    on the references' scale); ``put_on_scale`` applies to the candidate the same corrections the
    references carry.
    """
    import numpy as np

    pmg = comp.to_pymatgen()
    metadata: dict[str, Any] = {"formula": comp.formula, "structure": "glass", **provenance}
    std = None
    if model is None:
        values, window_md = window_result(pd, pmg, comp.M, e_hull_eV_atom=None)
        metadata.update(window_md, e_hull_note=scale_note)
        return Evaluation(values, None, metadata, fidelity=fidelity)
    start = time.perf_counter()
    try:
        built = model()
    except ValueError as err:  # e.g. a composition no small cell can represent
        return Failure(f"{comp.formula}: no structure model ({err})")
    e_hull, model_decomp = energy_above_hull(pd, put_on_scale(built.entry))
    values, window_md = window_result(pd, pmg, comp.M, e_hull_eV_atom=e_hull)
    values["e_hull_eV_atom"] = round(e_hull, 5)
    metadata.update(window_md)
    metadata["model"] = {"formula": built.formula, "n_atoms": built.n_atoms, "converged": built.converged,
                         "energies_eV_atom": [round(e, 5) for e in built.energies_eV_atom],
                         "decomposition": model_decomp, "wall_s": round(time.perf_counter() - start, 1)}
    if len(built.energies_eV_atom) > 1:
        spread = float(np.std(built.energies_eV_atom, ddof=1))
        std = {"e_hull_eV_atom": round(spread, 5)}
        limit = metadata.get("metastable_oxidation")
        if limit:  # V_meta moves by consumed/n per eV/atom of excess
            std["oxidation_metastable_V"] = round(spread * limit["consumed_atoms_per_fu"]
                                                  / limit["metal_released_per_fu"], 4)
    return Evaluation(values, std, metadata, fidelity=fidelity)

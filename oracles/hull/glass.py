"""A glass composition's result: its relaxed model(s) against the diagram, and the windows of the composition.

`glass_result` takes random-packed models (`candidate`), `annealed_glass_result` annealed cells (`annealed`).
"""

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

    from .annealed import AnnealedModel
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
    # A random packing is not a glass: say so wherever the number is shown (the CLI prints warnings).
    warnings = [f"not converged: e_hull from {len(built.energies_eV_atom)} random-packed model(s) relaxed at 0 K, "
                "not an annealed glass (preset 'annealed' for glass energies)"]
    if not built.converged:
        warnings.append("not converged: the model's relaxation stopped at its step limit before reaching fmax")
    metadata["warnings"] = warnings
    if len(built.energies_eV_atom) > 1:
        spread = float(np.std(built.energies_eV_atom, ddof=1))
        std = {"e_hull_eV_atom": round(spread, 5)}
        limit = metadata.get("metastable_oxidation")
        if limit:  # V_meta moves by consumed/n per eV/atom of excess
            std["oxidation_metastable_V"] = round(spread * limit["consumed_atoms_per_fu"]
                                                  / limit["metal_released_per_fu"], 4)
    return Evaluation(values, std, metadata, fidelity=fidelity)


def annealed_glass_result(comp: Composition, pd: PhaseDiagram, *, model: Callable[[], AnnealedModel],
                          put_on_scale: Callable[[ComputedEntry], ComputedEntry], provenance: dict[str, Any],
                          fidelity: str) -> Evaluation | Failure:
    """Evaluate glass ``comp`` from annealed cells: e_hull per cell, their mean, and the windows.

    Value: the mean over cells of each cell's energy above the hull (its 0 K energy put on the
    references' scale by ``put_on_scale``). Std: the standard error of that mean, sample sd /
    sqrt(n), i.e. how far re-running the evaluation with new seeds would move the value; the sample
    sd itself (the spread between glass cells) is in ``metadata.model``. A cell whose anneal did not
    settle, or whose 0 K relaxation did not converge, is kept and named in ``metadata.warnings``.
    """
    import numpy as np

    from ..mlmd.guards import MDGuardError

    pmg = comp.to_pymatgen()
    metadata: dict[str, Any] = {"formula": comp.formula, "structure": "glass", **provenance}
    try:
        built = model()
    except (MDGuardError, ValueError) as err:  # an unphysical MD run, or a composition no cell can represent
        return Failure(f"{comp.formula}: no annealed glass model ({err})")
    per_cell = [energy_above_hull(pd, put_on_scale(cell.entry)) for cell in built.cells]
    e_hulls = np.array([e for e, _ in per_cell])
    n = len(e_hulls)
    mean = float(e_hulls.mean())
    sd = float(e_hulls.std(ddof=1)) if n > 1 else None
    values, window_md = window_result(pd, pmg, comp.M, e_hull_eV_atom=mean)
    values["e_hull_eV_atom"] = round(mean, 5)
    metadata.update(window_md)
    warnings = [f"not converged: seed {c.seed}: the melt's density or Al-O-Al network still changed during the "
                "anneal" for c in built.cells if not c.settled]
    warnings += [f"not converged: seed {c.seed}: the 0 K relaxation did not reach fmax within its step limit"
                 for c in built.cells if not c.relax_converged]
    if n == 1:
        warnings.append("one annealed cell: e_hull carries no uncertainty (plumbing preset)")
    metadata["warnings"] = warnings
    metadata["model"] = {
        "kind": "melt_quench", "md_preset": built.md_preset, "potential": built.potential, "n_cells": n,
        "e_hull_sd_eV_atom": None if sd is None else round(sd, 5),
        "cells": [{"seed": c.seed, "formula": c.formula, "n_atoms": c.n_atoms, "e_hull_eV_atom": round(e, 5),
                   "energy_eV_atom": round(c.energy_eV_atom, 5), "density_g_cm3": round(c.density_g_cm3, 4),
                   "md_density_g_cm3": round(c.md_density_g_cm3, 4), "settled": c.settled,
                   "relax_converged": c.relax_converged, "reused": c.reused, "folder": c.folder,
                   "md_cpu_h": round(c.md_cpu_s / 3600.0, 3), "decomposition": decomp}
                  for c, (e, decomp) in zip(built.cells, per_cell)],
        "wall_s": built.wall_s,
    }
    if sd is None:
        return Evaluation(values, None, metadata, fidelity=fidelity)
    sem = sd / float(np.sqrt(n))
    std = {"e_hull_eV_atom": round(sem, 5)}
    limit = metadata.get("metastable_oxidation")
    if limit:  # V_meta moves by consumed/n per eV/atom of excess
        std["oxidation_metastable_V"] = round(sem * limit["consumed_atoms_per_fu"] / limit["metal_released_per_fu"], 4)
    return Evaluation(values, std, metadata, fidelity=fidelity)

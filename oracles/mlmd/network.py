"""Structural diagnostics of an oxychloroaluminate glass: Al coordination by neighbour species, bridging O.

Counts neighbours within fixed cutoffs near the first minimum of each pair distribution (Angstrom):
Al-O 2.4 (bond 1.75-1.90), Al-Cl 2.8 (bond 2.13-2.20), Al-S 2.9 (bond 2.25-2.30). An O bonded to
two or more Al bridges two AlX4 units (Al-O-Al, the network the oxide builds); one bonded to a
single Al is non-bridging, one bonded to none is free.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ase import Atoms

#: Al-anion neighbour cutoffs, Angstrom (first minimum of the pair distribution, rounded up).
AL_CUTOFF_A = {"O": 2.4, "Cl": 2.8, "S": 2.9}


def network_diagnostics(atoms: Atoms) -> dict[str, float]:
    """Mean Al coordination by neighbour species and O bridging fractions of one frame.

    Returns ``al_cn_O``, ``al_cn_Cl``, ``al_cn_S``, ``al_cn_total`` (mean neighbours per Al),
    ``al_cn4_fraction``, ``al_cn5_fraction``, ``al_cn6_fraction`` (Al with 4, 5, >=6 anions),
    and, when there is O, ``o_bridging_fraction`` (O with >= 2 Al), ``o_nonbridging_fraction``
    (exactly 1 Al), ``o_free_fraction`` (no Al) and ``o_tricluster_fraction`` (>= 3 Al).
    """
    from ase.neighborlist import neighbor_list

    symbols = np.array(atoms.get_chemical_symbols())
    i, j, d = neighbor_list("ijd", atoms, max(AL_CUTOFF_A.values()))
    al = np.flatnonzero(symbols == "Al")
    is_al_i = symbols[i] == "Al"
    out: dict[str, float] = {}
    total = np.zeros(len(atoms), dtype=int)
    for species, cutoff in AL_CUTOFF_A.items():
        bonded = is_al_i & (symbols[j] == species) & (d < cutoff)
        per_atom = np.bincount(i[bonded], minlength=len(atoms))
        total += per_atom
        out[f"al_cn_{species}"] = float(per_atom[al].mean()) if len(al) else 0.0
    cn = total[al]
    out["al_cn_total"] = float(cn.mean()) if len(al) else 0.0
    for n, key in ((4, "al_cn4_fraction"), (5, "al_cn5_fraction")):
        out[key] = float(np.mean(cn == n)) if len(al) else 0.0
    out["al_cn6_fraction"] = float(np.mean(cn >= 6)) if len(al) else 0.0
    oxygen = np.flatnonzero(symbols == "O")
    if len(oxygen):
        o_bonds = (symbols[i] == "O") & (symbols[j] == "Al") & (d < AL_CUTOFF_A["O"])
        n_al = np.bincount(i[o_bonds], minlength=len(atoms))[oxygen]
        out["o_free_fraction"] = float(np.mean(n_al == 0))
        out["o_nonbridging_fraction"] = float(np.mean(n_al == 1))
        out["o_bridging_fraction"] = float(np.mean(n_al >= 2))
        out["o_tricluster_fraction"] = float(np.mean(n_al >= 3))
    return out


def mean_diagnostics(frames: list[Atoms]) -> dict[str, float]:
    """`network_diagnostics` averaged over ``frames`` (thermal noise of one frame is large in 60 atoms)."""
    rows = [network_diagnostics(f) for f in frames]
    return {key: float(np.mean([r[key] for r in rows])) for key in rows[0]} if rows else {}

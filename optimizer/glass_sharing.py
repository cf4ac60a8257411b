"""One set of annealed glass cells per campaign: the hull oracle reuses the ML-MD oracle's cells.

Both oracles make their glass cells with the same builder (`oracles.mlmd.glass.make_glass_cells`),
which files each cell under its oracle's workdir by formula, ML-MD preset name, potential and
seed, and reuses a filed cell only when the protocol that made it (`MDPreset.glass_key`) matches.
So when a campaign has both, pointing the hull at the ML-MD oracle's workdir is all the sharing
needs, provided that both name the same preset and protocol: otherwise they would overwrite each
other's cells (same folder, other protocol) or never meet (other folder).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from oracles import OracleSetupError

logger = logging.getLogger(__name__)

#: ``glass_cells_from`` value that keeps a hull oracle's cells in its own workdir.
OWN = "own"


def _is_mlmd(oracle: Any) -> bool:
    return all(hasattr(oracle, a) for a in ("params", "preset_name", "workdir", "seeds"))


def _mismatch(cells: Any, mlmd: Any) -> str | None:
    """Why a hull oracle with cell source ``cells`` cannot share ``mlmd``'s cells, or None if it can."""
    md_preset, key = cells.protocol()
    if md_preset != mlmd.preset_name:
        return f"the hull's md_preset is {md_preset!r}, the ML-MD oracle's preset {mlmd.preset_name!r}"
    theirs = mlmd.params.glass_key()
    differ = sorted(k for k in set(key) | set(theirs) if key.get(k) != theirs.get(k))
    if differ:
        detail = ", ".join(f"{k}: {key.get(k)!r} vs {theirs.get(k)!r}" for k in differ)
        return f"their glass protocols differ ({detail})"
    return None


def share_glass_cells(oracles: Sequence[tuple[str, Any]]) -> None:
    """Point each annealed hull oracle at the ML-MD oracle's cells where the campaign allows it.

    ``glass_cells_from: NAME`` shares with that ML-MD oracle or raises `OracleSetupError` saying why
    it cannot; unset shares with the campaign's only ML-MD oracle when the protocols match (and
    logs why not otherwise); ``own`` keeps the hull's cells apart. ``oracles``: (label, oracle) pairs.
    """
    mlmd = {label: oracle for label, oracle in oracles if _is_mlmd(oracle)}
    for label, hull in oracles:
        cells = getattr(hull, "glass_cells", None)  # `oracles.hull.annealed.GlassCellSource`, None for packings
        if cells is None or cells.cells_from == OWN:
            continue
        wanted = cells.cells_from
        if wanted is not None:
            if wanted not in mlmd:
                raise OracleSetupError(f"{label}: glass_cells_from={wanted!r} names no ML-MD oracle of this "
                                       f"campaign (ML-MD oracles: {sorted(mlmd) or 'none'})")
            source = mlmd[wanted]
            why = _mismatch(cells, source)
            if why:
                raise OracleSetupError(f"{label}: cannot share the glass cells of {wanted!r}: {why}; give both "
                                       "the same ML-MD preset, glass options and potential, or set glass_cells_from: "
                                       f"{OWN}")
        elif len(mlmd) == 1:
            wanted, source = next(iter(mlmd.items()))
            why = _mismatch(cells, source)
            if why:
                logger.warning("%s makes its own glass cells, not %s's: %s", label, wanted, why)
                continue
        else:
            if mlmd:
                logger.warning("%s makes its own glass cells: %d ML-MD oracles in the campaign; name one with "
                               "glass_cells_from", label, len(mlmd))
            continue
        cells.folder = source.workdir
        common = sorted(set(cells.seeds) & set(source.seeds))
        logger.info("%s shares %s's annealed glass cells in %s (seeds in common: %s)", label, wanted,
                    source.workdir, common or "none")

"""Settings of the candidate structure model (science settings; machine settings live on the oracle)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from ..protocol import OracleSetupError

#: Glass models: random packings relaxed at 0 K, or annealed cells from the ML-MD melt-quench.
GLASS_MODELS = ("packing", "melt_quench")
#: Independent annealed cells a glass energy needs (issue 12); only the smoke MD preset may use fewer.
MIN_GLASS_CELLS = 3
#: Fields that describe random packings only, and those that describe annealed cells only.
_PACKING_ONLY = ("target_atoms", "n_models")
_MELT_QUENCH_ONLY = ("md_preset", "cells")


@dataclass(frozen=True)
class HullPreset:
    """How the candidate's energy is obtained.

    ``glass_model="packing"``: ``n_models`` random-packed cells of about ``target_atoms`` atoms
    relaxed at 0 K with the ML potential; the lowest energy is kept, their spread is the std.
    ``glass_model="melt_quench"``: ``cells`` annealed glass cells made by the ML-MD oracle's
    melt-quench with NPT (`oracles.mlmd.glass.make_glass_cells`, MD preset ``md_preset``), each
    relaxed at 0 K; the mean over cells is the value, the standard error of that mean the std.

    Attributes:
        name: preset label, recorded as the evaluation's fidelity.
        target_atoms: approximate atoms per packed cell (packing only).
        n_models: independent random packings (packing only).
        fmax_eV_A: FIRE force threshold of the 0 K relaxation, eV/Angstrom (cell relaxed too).
        max_steps: FIRE step limit of that relaxation, per cell.
        seed: first seed: of the random packing (one stream per composition), or of the annealed
            cells (cell i has seed ``seed + i``, as the ML-MD oracle numbers its cells).
        glass_model: ``"packing"`` or ``"melt_quench"``.
        md_preset: ML-MD preset whose glass protocol makes the annealed cells (melt_quench only).
        cells: number of annealed cells (melt_quench only); at least 3 except on the smoke MD preset.
    """

    name: str
    target_atoms: int
    n_models: int
    fmax_eV_A: float
    max_steps: int
    seed: int = 0
    glass_model: str = "packing"
    md_preset: str = "quick"
    cells: int = MIN_GLASS_CELLS

    @property
    def annealed(self) -> bool:
        """Whether the glass energy comes from annealed melt-quench cells."""
        return self.glass_model == "melt_quench"

    def key(self) -> str:
        """Cache key: the name alone for a stock preset, else name plus every field."""
        if PRESETS.get(self.name) == self:
            return self.name
        fields = dataclasses.asdict(self)
        return self.name + "(" + ",".join(f"{k}={v}" for k, v in fields.items() if k != "name") + ")"


PRESETS: dict[str, HullPreset] = {
    # seconds: a tiny cell and a few FIRE steps; for tests and plumbing checks only.
    "smoke": HullPreset("smoke", target_atoms=20, n_models=1, fmax_eV_A=0.5, max_steps=8),
    # one random packing relaxed at 0 K: minutes per candidate, but its e_hull tracks the FIRE step
    # budget, not the glass (issue 12); a quick screen, flagged "not an annealed glass" in its warnings.
    "packing": HullPreset("packing", target_atoms=64, n_models=1, fmax_eV_A=0.05, max_steps=120),
    # the default since its validation (benchmarks/results/hull-fusion.md: amorphous LiAlCl4 0.035 +-
    # 0.003 eV/atom above its crystal against an enthalpy of fusion of 0.032): the `annealed` settings;
    # about 0.7 core-hours per cell with 7net-mf-0, 3 cells (docs/hull.md, "Glass energies").
    "default": HullPreset("default", target_atoms=60, n_models=1, fmax_eV_A=0.05, max_steps=300,
                          glass_model="melt_quench", md_preset="quick", cells=3),
    # plumbing check of the annealed path: three ~20-atom cells from the smoke MD protocol (tens of
    # MD steps); seconds with CHGNet; the energies mean nothing.
    "annealed-smoke": HullPreset("annealed-smoke", target_atoms=20, n_models=1, fmax_eV_A=0.5, max_steps=8,
                                 glass_model="melt_quench", md_preset="smoke", cells=3),
    # issue 12 item 1: three annealed ~60-atom cells of the `quick` ML-MD glass protocol (7,500 MD
    # steps each), each relaxed at 0 K; hours per composition on one core (docs/hull.md, "Glass energies").
    "annealed": HullPreset("annealed", target_atoms=60, n_models=1, fmax_eV_A=0.05, max_steps=300,
                           glass_model="melt_quench", md_preset="quick", cells=3),
}


def resolve_preset(name: str, overrides: Mapping[str, Any]) -> HullPreset:
    """The preset ``name`` with ``overrides`` applied; `OracleSetupError` on an unknown name or field."""
    if name not in PRESETS:
        raise OracleSetupError(f"preset={name!r} is not one of {sorted(PRESETS)}")
    allowed = {f.name for f in dataclasses.fields(HullPreset)} - {"name"}
    unknown = sorted(set(overrides) - allowed)
    if unknown:
        raise OracleSetupError(f"unknown hull option(s) {unknown}; preset fields are {sorted(allowed)}")
    preset = dataclasses.replace(PRESETS[name], **overrides)
    for field_name in ("target_atoms", "n_models", "max_steps", "cells"):
        value = getattr(preset, field_name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise OracleSetupError(f"{field_name}={value!r} must be a positive integer")
    if not isinstance(preset.fmax_eV_A, (int, float)) or not preset.fmax_eV_A > 0:
        raise OracleSetupError(f"fmax_eV_A={preset.fmax_eV_A!r} must be a positive number (eV/Angstrom)")
    if preset.glass_model not in GLASS_MODELS:
        raise OracleSetupError(f"glass_model={preset.glass_model!r} is not one of {list(GLASS_MODELS)}")
    if not isinstance(preset.md_preset, str):
        raise OracleSetupError(f"md_preset={preset.md_preset!r} must be the name of an ML-MD preset")
    unused = _PACKING_ONLY if preset.annealed else _MELT_QUENCH_ONLY
    misplaced = sorted(set(overrides) & set(unused))
    if misplaced:
        raise OracleSetupError(f"hull option(s) {misplaced} do not apply to glass_model={preset.glass_model!r} "
                               f"(packing: {list(_PACKING_ONLY)}; melt_quench: {list(_MELT_QUENCH_ONLY)})")
    if preset.annealed and preset.cells < MIN_GLASS_CELLS and preset.md_preset != "smoke":
        raise OracleSetupError(
            f"cells={preset.cells}: a glass energy needs at least {MIN_GLASS_CELLS} independent annealed cells "
            "for its mean and error bar (only the smoke MD preset, a plumbing check, may use fewer)")
    return preset

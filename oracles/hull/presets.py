"""Settings of the candidate structure model (science settings; machine settings live on the oracle)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

from ..protocol import OracleSetupError


@dataclass(frozen=True)
class HullPreset:
    """How the candidate's energy is obtained: random-packed cells relaxed with the ML potential.

    Attributes:
        name: preset label, recorded as the evaluation's fidelity.
        target_atoms: approximate atoms per model cell.
        n_models: independent random cells; the lowest energy (eV/atom) is kept, the spread is the std.
        fmax_eV_A: FIRE force threshold, eV/Angstrom (cell relaxed too).
        max_steps: FIRE step limit per model.
        seed: seed of the random packing (one stream per composition, derived from the formula).
    """

    name: str
    target_atoms: int
    n_models: int
    fmax_eV_A: float
    max_steps: int
    seed: int = 0

    def key(self) -> str:
        """Cache key: the name alone for a stock preset, else name plus every field."""
        if PRESETS.get(self.name) == self:
            return self.name
        fields = dataclasses.asdict(self)
        return self.name + "(" + ",".join(f"{k}={v}" for k, v in fields.items() if k != "name") + ")"


PRESETS: dict[str, HullPreset] = {
    # seconds: a tiny cell and a few FIRE steps; for tests and plumbing checks only.
    "smoke": HullPreset("smoke", target_atoms=20, n_models=1, fmax_eV_A=0.5, max_steps=8),
    # under 2 minutes per candidate: CHGNet costs ~0.8 s of one core per FIRE step (cell relax,
    # 40-80 atoms) on the reference machine, so the step budget, not the cell size, sets the time.
    "default": HullPreset("default", target_atoms=64, n_models=1, fmax_eV_A=0.05, max_steps=120),
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
    for field_name in ("target_atoms", "n_models", "max_steps"):
        value = getattr(preset, field_name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise OracleSetupError(f"{field_name}={value!r} must be a positive integer")
    if not isinstance(preset.fmax_eV_A, (int, float)) or not preset.fmax_eV_A > 0:
        raise OracleSetupError(f"fmax_eV_A={preset.fmax_eV_A!r} must be a positive number (eV/Angstrom)")
    return preset

"""Fidelity presets of the ML-MD protocol: one frozen dataclass of parameters, three named settings.

Every field carries its unit in its name. A campaign picks a preset by name and may override any
field by that name; an unknown name or an impossible value is an `OracleSetupError`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..protocol import OracleSetupError


@dataclass(frozen=True)
class MDPreset:
    """Parameters of the melt-quench / NVT / NPT-cooling protocol.

    Stages: FIRE relaxation -> NVT melt at ``melt_T_K`` -> NVT quench to ``quench_end_K`` in
    ``quench_blocks`` steps of temperature -> NVT equilibration -> for each of ``temperatures_K``:
    NVT equilibration then NVT production (Bussi thermostat) for diffusion. Tg branches off the
    melt: stepwise NPT (Berendsen) cooling through ``tg_temperatures_K``.
    """

    target_atoms: int = 100
    relax_fmax_eV_A: float = 0.1
    relax_max_steps: int = 200
    melt_T_K: float = 1500.0
    melt_timestep_fs: float = 1.0
    melt_steps: int = 2000
    quench_steps: int = 2000
    quench_blocks: int = 10
    quench_end_K: float = 300.0
    equilibrate_steps: int = 1000
    timestep_fs: float = 2.0
    thermostat_taut_fs: float = 100.0
    temperatures_K: tuple[float, ...] = (500.0, 600.0, 700.0, 800.0)
    equilibrate_per_T_steps: int = 1000
    production_steps: int = 10000
    frame_interval_steps: int = 10
    msd_start_fraction: float = 0.2
    kinisi_samples: int = 1000
    tg_temperatures_K: tuple[float, ...] = (1000.0, 900.0, 800.0, 700.0, 600.0, 500.0, 400.0, 300.0)
    tg_steps_per_T: int = 2500
    tg_bulk_modulus_GPa: float = 20.0
    tg_taup_fs: float = 1000.0
    tg_bootstrap: int = 500
    check_interval_steps: int = 10
    runaway_factor: float = 2.0
    min_distance_fraction: float = 0.5
    step_time_factor: float = 20.0
    hop_length_A: float = 3.0
    notes: str = field(default="", compare=False)

    def validate(self) -> MDPreset:
        """Return self, or raise `OracleSetupError` naming the first impossible field."""
        positive = ("target_atoms", "melt_steps", "quench_blocks", "timestep_fs", "production_steps",
                         "frame_interval_steps", "kinisi_samples", "tg_steps_per_T", "tg_bootstrap",
                         "check_interval_steps", "melt_timestep_fs", "thermostat_taut_fs", "tg_bulk_modulus_GPa",
                         "tg_taup_fs", "relax_fmax_eV_A", "hop_length_A", "melt_T_K", "quench_end_K")
        for name in positive:
            if not getattr(self, name) > 0:
                raise OracleSetupError(f"ML-MD option {name}={getattr(self, name)!r} must be > 0")
        for name in ("relax_max_steps", "quench_steps", "equilibrate_steps", "equilibrate_per_T_steps"):
            if getattr(self, name) < 0:
                raise OracleSetupError(f"ML-MD option {name}={getattr(self, name)!r} must be >= 0")
        if not self.temperatures_K or any(t <= 0 for t in self.temperatures_K):
            raise OracleSetupError(f"ML-MD option temperatures_K={list(self.temperatures_K)} needs positive K values")
        if len(self.tg_temperatures_K) < 5 or any(t <= 0 for t in self.tg_temperatures_K):
            raise OracleSetupError(
                f"ML-MD option tg_temperatures_K={list(self.tg_temperatures_K)} needs at least 5 positive K "
                "values (two lines and a break point are fitted)"
            )
        if not 0.0 <= self.msd_start_fraction < 1.0:
            raise OracleSetupError(f"ML-MD option msd_start_fraction={self.msd_start_fraction} must be in [0, 1)")
        if self.production_steps // self.frame_interval_steps < 10:
            raise OracleSetupError(
                f"ML-MD options production_steps={self.production_steps} and frame_interval_steps="
                f"{self.frame_interval_steps} give fewer than 10 frames for the MSD"
            )
        if self.runaway_factor <= 1.0 or self.step_time_factor <= 1.0:
            raise OracleSetupError("ML-MD options runaway_factor and step_time_factor must be > 1")
        if not 0.0 < self.min_distance_fraction < 1.0:
            raise OracleSetupError(f"ML-MD option min_distance_fraction={self.min_distance_fraction} must be in (0, 1)")
        return self

    @property
    def production_ps(self) -> float:
        """Production time per temperature, ps."""
        return self.production_steps * self.timestep_fs / 1000.0


PRESETS: dict[str, MDPreset] = {
    # Tests: seconds per composition. Numbers are finite but not converged; std says so.
    "smoke": MDPreset(
        target_atoms=20, relax_max_steps=15, thermostat_taut_fs=20.0, melt_steps=40, quench_steps=30, quench_blocks=3,
        equilibrate_steps=10, temperatures_K=(700.0, 900.0), equilibrate_per_T_steps=10,
        production_steps=50, frame_interval_steps=2, kinisi_samples=200,
        tg_temperatures_K=(1000.0, 800.0, 600.0, 450.0, 300.0), tg_steps_per_T=10, tg_bootstrap=100,
        notes="plumbing check only",
    ),
    # Demo: a few minutes per composition on 2 cores; trends, not converged values.
    "quick": MDPreset(
        target_atoms=60, relax_max_steps=100, melt_steps=500, quench_steps=500, quench_blocks=5,
        equilibrate_steps=200, temperatures_K=(600.0, 750.0, 900.0), equilibrate_per_T_steps=100,
        production_steps=600, frame_interval_steps=5, kinisi_samples=500,
        tg_temperatures_K=(1000.0, 880.0, 760.0, 640.0, 520.0, 400.0), tg_steps_per_T=120, tg_taup_fs=250.0,
        tg_bootstrap=300,
        notes="demo fidelity",
    ),
    # Paper protocol: ~100-200 atoms, 20 ps per temperature, 4 temperatures, 5 ps per Tg step.
    "production": MDPreset(notes="publication protocol"),
}


def resolve_preset(name: str, overrides: dict[str, Any]) -> MDPreset:
    """The preset ``name`` with ``overrides`` applied by field name; `OracleSetupError` on any bad input."""
    if name not in PRESETS:
        raise OracleSetupError(f"ML-MD preset={name!r} is not one of {sorted(PRESETS)}")
    fields = {f.name: f for f in dataclasses.fields(MDPreset)}
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise OracleSetupError(f"unknown ML-MD option(s) {unknown}; known options: {sorted(fields)}")
    clean: dict[str, Any] = {}
    for key, value in overrides.items():
        default = getattr(PRESETS[name], key)
        try:
            if isinstance(default, tuple):
                clean[key] = tuple(float(v) for v in value)
            elif isinstance(default, bool) or isinstance(value, bool):
                raise TypeError("booleans are not numbers")
            else:
                clean[key] = type(default)(value)
                if isinstance(default, int) and clean[key] != value:
                    raise TypeError("not a whole number")
        except (TypeError, ValueError) as err:
            kind = type(default).__name__
            raise OracleSetupError(f"ML-MD option {key}={value!r} is not a valid {kind}: {err}") from None
    return dataclasses.replace(PRESETS[name], **clean).validate()

"""Fidelity presets of the ML-MD protocol: one frozen dataclass of parameters, three named settings.

Every field carries its unit in its name. A campaign picks a preset by name and may override any
field by that name; an unknown name or an impossible value is an `OracleSetupError`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from ..protocol import OracleSetupError

#: Fewer diffusive temperatures than this in a cell and its conductivity is not fitted (issue 11).
MIN_DIFFUSIVE_TEMPERATURES = 3
#: Fewer Tg temperatures than this and the two-line fit cannot resolve a break (issue 11).
MIN_TG_TEMPERATURES = 10


@dataclass(frozen=True)
class MDPreset:
    """Parameters of the glass, conductivity and Tg protocols (one independent cell per seed).

    Glass (`glass.make_glass_cell`): FIRE relaxation, cell free, from the estimated density -> NVT melt at
    ``melt_T_K`` (fixed cell, so the random packing forgets itself without boiling) -> NPT (MTK,
    0 GPa) anneal at ``anneal_T_K`` (density and Al-O-Al network settle) -> NPT quench to
    ``quench_end_K`` in ``quench_blocks`` steps -> NPT equilibration there.
    Conductivity, per temperature: NPT equilibration -> NVT at the mean NPT volume -> NVT
    production, extended up to ``max_extensions`` times while not diffusive.
    Tg: from the NPT-annealed melt, MTK NPT holds of ``tg_hold_steps`` at each of
    ``tg_temperatures_K`` (descending).
    """

    potential: str = "7net-mf-0"
    seeds: int = 3
    target_atoms: int = 100
    relax_fmax_eV_A: float = 0.1
    relax_max_steps: int = 200
    melt_T_K: float = 1500.0
    melt_timestep_fs: float = 1.0
    melt_steps: int = 2000
    anneal_T_K: float = 750.0
    anneal_steps: int = 10000
    quench_steps: int = 10000
    quench_blocks: int = 12
    quench_end_K: float = 300.0
    equilibrate_steps: int = 2500
    timestep_fs: float = 2.0
    thermostat_taut_fs: float = 100.0
    barostat_taup_fs: float = 1000.0
    temperatures_K: tuple[float, ...] = (500.0, 575.0, 650.0, 725.0, 800.0)
    npt_per_T_steps: int = 2500
    equilibrate_per_T_steps: int = 500
    production_steps: int = 10000
    extend_steps: int = 10000
    max_extensions: int = 1
    frame_interval_steps: int = 10
    msd_start_fraction: float = 0.2
    kinisi_samples: int = 1000
    hop_length_A: float = 3.0
    diffusive_slope_tolerance: float = 0.3
    nve_check_steps: int = 1000
    tg_temperatures_K: tuple[float, ...] = (750.0, 705.0, 660.0, 615.0, 570.0, 525.0, 480.0, 435.0, 390.0, 345.0,
                                            300.0)
    tg_hold_steps: int = 5000
    tg_bootstrap: int = 500
    fail_unconverged: bool = True
    check_interval_steps: int = 10
    runaway_factor: float = 2.0
    min_distance_fraction: float = 0.5
    step_time_factor: float = 20.0
    notes: str = field(default="", compare=False)

    def validate(self) -> MDPreset:
        """Return self, or raise `OracleSetupError` naming the first impossible field."""
        positive = ("seeds", "target_atoms", "melt_steps", "quench_blocks", "timestep_fs", "production_steps",
                    "frame_interval_steps", "kinisi_samples", "tg_hold_steps", "tg_bootstrap", "check_interval_steps",
                    "melt_timestep_fs", "thermostat_taut_fs", "barostat_taup_fs", "relax_fmax_eV_A", "hop_length_A",
                    "melt_T_K", "anneal_T_K", "quench_end_K", "diffusive_slope_tolerance", "npt_per_T_steps")
        for name in positive:
            if not getattr(self, name) > 0:
                raise OracleSetupError(f"ML-MD option {name}={getattr(self, name)!r} must be > 0")
        for name in ("relax_max_steps", "quench_steps", "equilibrate_steps", "equilibrate_per_T_steps",
                     "anneal_steps", "extend_steps", "max_extensions", "nve_check_steps"):
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
        """Production time per temperature before any extension, ps."""
        return self.production_steps * self.timestep_fs / 1000.0

    def cell_key(self) -> dict[str, Any]:
        """The fields that determine one cell's results: all but how many cells there are and the notes
        (a cell made for a 3-cell campaign is the same cell in a 2-cell evaluation)."""
        return {name: value for name, value in dataclasses.asdict(self).items() if name not in ("seeds", "notes")}

    def glass_key(self) -> dict[str, Any]:
        """The fields that determine a glass cell (a cached cell is reused only if these match)."""
        names = ("potential", "target_atoms", "relax_fmax_eV_A", "relax_max_steps", "melt_T_K", "melt_timestep_fs",
                 "melt_steps", "anneal_T_K", "anneal_steps", "quench_steps", "quench_blocks", "quench_end_K",
                 "equilibrate_steps", "timestep_fs", "thermostat_taut_fs", "barostat_taup_fs", "check_interval_steps",
                 "runaway_factor", "min_distance_fraction")
        return {name: getattr(self, name) for name in names}


PRESETS: dict[str, MDPreset] = {
    # Tests: seconds per composition. Not converged, and says so: its std is the uninformative one.
    # CHGNet: the fastest potential (4x 7net-mf-0 per step), and smoke only checks the plumbing.
    "smoke": MDPreset(
        potential="chgnet", seeds=2, target_atoms=20, relax_max_steps=15, thermostat_taut_fs=20.0,
        barostat_taup_fs=200.0, melt_steps=15,
        anneal_steps=10, quench_steps=10, quench_blocks=2, equilibrate_steps=6, temperatures_K=(700.0, 900.0),
        npt_per_T_steps=6, equilibrate_per_T_steps=5, production_steps=30, extend_steps=0, max_extensions=0,
        frame_interval_steps=2, kinisi_samples=200, nve_check_steps=6,
        tg_temperatures_K=(750.0, 650.0, 550.0, 450.0, 350.0), tg_hold_steps=6, tg_bootstrap=50,
        fail_unconverged=False, notes="plumbing check only",
    ),
    # Screening: 60-atom cells, 2 cells, 4 temperatures x 8 ps (one extension of 8 ps when not diffusive).
    # quick and production run on 7net-mf-0 (r2SCAN): the potential whose crystal volumes and
    # coordination match the measured LiAlCl4/NaAlCl4 (docs/mlmd.md, "Choice of potential").
    "quick": MDPreset(
        potential="7net-mf-0", seeds=2, target_atoms=60, relax_max_steps=100, melt_steps=1000, anneal_steps=3000,
        quench_steps=2500,
        quench_blocks=6, equilibrate_steps=1000, temperatures_K=(550.0, 650.0, 750.0, 850.0), npt_per_T_steps=1500,
        equilibrate_per_T_steps=250, production_steps=4000, extend_steps=4000, max_extensions=1,
        frame_interval_steps=5, kinisi_samples=500, nve_check_steps=500, tg_hold_steps=2500, tg_bootstrap=300,
        notes="screening fidelity",
    ),
    # Paper protocol: 100-atom cells, 3 cells, 5 temperatures x 20 ps (+20 ps when not diffusive).
    "production": MDPreset(potential="7net-mf-0", notes="publication protocol"),
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
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError("expected true or false")
                clean[key] = value
            elif isinstance(default, str):
                if not isinstance(value, str):
                    raise TypeError("expected a name")
                clean[key] = value
            elif isinstance(value, bool):
                raise TypeError("booleans are not numbers")
            else:
                clean[key] = type(default)(value)
                if isinstance(default, int) and clean[key] != value:
                    raise TypeError("not a whole number")
        except (TypeError, ValueError) as err:
            kind = type(default).__name__
            raise OracleSetupError(f"ML-MD option {key}={value!r} is not a valid {kind}: {err}") from None
    return dataclasses.replace(PRESETS[name], **clean).validate()

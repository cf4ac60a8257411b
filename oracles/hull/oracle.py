"""`HullOracle`: energy above the convex hull and the electrochemical window of a composition."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..atomistic.potential import MP2020_COMPATIBLE, torch_threads
from ..composition import Composition
from ..protocol import OracleSetupError
from ..results import Evaluation, Failure
from .cache import ResultCache
from .entries import ReferenceSet, apply_mp2020, builtin_references_path, combine, load_entry_file
from .presets import resolve_preset
from .window import (
    build_phase_diagram,
    decomposition,
    electrochemical_window,
    energy_above_hull,
)

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.entries.computed_entries import ComputedEntry

logger = logging.getLogger(__name__)

OUTPUTS = {"e_hull_eV_atom": "eV/atom", "oxidation_V": "V vs M/M+", "reduction_V": "V vs M/M+"}
#: Elements of the chemical system; a phase diagram spans one alkali M plus the rest.
SYSTEM = ("Li", "Na", "Al", "Cl", "O", "S")
_FRAME = ("Al", "Cl", "O", "S")


class HullOracle:
    """Thermodynamic stability and electrochemical window from a pymatgen phase diagram.

    References (ML-relaxed phases shipped with the package, and/or a user's entries file) and the
    potential load on first use; the constructor only checks options.

    Args:
        preset: ``"smoke"`` or ``"default"`` (see `oracles.hull.presets`); recorded as fidelity.
        entries: JSON(.gz) file of pymatgen ComputedEntry/ComputedStructureEntry dicts, used
            instead of (``use_builtin=False``) or on top of the built-in references.
        use_builtin: include the shipped references of ``potential``.
        references: a references file to use as the built-in set (default: the shipped one).
        potential: ML potential for the candidate models (and of the built-in references).
        workdir, device, threads: machine settings; ``workdir`` holds the result cache file.
        **overrides: preset fields (``target_atoms``, ``n_models``, ``fmax_eV_A``, ``max_steps``, ``seed``).
    """

    outputs = OUTPUTS

    def __init__(self, *, preset: str = "default", entries: Path | str | None = None, use_builtin: bool = True,
                 references: Path | str | None = None, potential: str = "chgnet", workdir: Path | None = None,
                 device: str = "cpu", threads: int | None = None, name: str = "hull", **overrides: Any) -> None:
        from ..atomistic.potential import check_available  # cheap: no torch import

        self.name = name
        self.preset = resolve_preset(preset, overrides)
        check_available(potential)
        self.potential = potential
        self.entries = Path(entries) if entries is not None else None
        self.use_builtin = bool(use_builtin)
        self.references = Path(references) if references is not None else builtin_references_path(potential)
        if self.entries is not None and not self.entries.is_file():
            raise OracleSetupError(f"entries file {self.entries} does not exist")
        if self.use_builtin and references is not None and not self.references.is_file():
            raise OracleSetupError(f"references file {self.references} does not exist")
        if not self.use_builtin and self.entries is None:
            raise OracleSetupError("use_builtin: false needs an entries file")
        self.device, self.threads = device, threads
        self._cache = ResultCache(workdir)
        self._refs: ReferenceSet | None = None
        self._diagrams: dict[frozenset[str], PhaseDiagram] = {}
        self._calc: Calculator | None = None

    # -- lazy resources -------------------------------------------------------------------------
    def reference_set(self) -> ReferenceSet:
        """The reference entries (loaded and checked once); raises `OracleSetupError` on bad files."""
        if self._refs is None:
            sets = []
            if self.use_builtin:
                if not self.references.is_file():
                    raise OracleSetupError(
                        f"no built-in references for potential={self.potential!r} ({self.references}); "
                        f"generate them with python -m oracles.hull.references --potential {self.potential} "
                        f"--out {self.references}")
                builtin = load_entry_file(self.references, where=f"references file {self.references}")
                if builtin.energy_scale != f"mlip:{self.potential}":
                    raise OracleSetupError(f"references file {self.references} was computed on {builtin.energy_scale}, "
                                           f"but potential={self.potential!r} was requested; never mix potentials")
                sets.append(builtin)
            if self.entries is not None:
                sets.append(load_entry_file(self.entries))
            self._refs = combine(sets)
            logger.info("loaded %d reference entries (%s)", len(self._refs.entries), self._refs.energy_scale)
        return self._refs

    def diagram_for(self, elements: set[str]) -> PhaseDiagram:
        """Diagram of ``elements`` plus whichever of Al, Cl, O, S the references hold (the M-Al-Cl-O-S system).

        ValueError if one of ``elements`` has no elemental reference.
        """
        available = {e.composition.elements[0].symbol for e in self.reference_set().entries if e.composition.is_element}
        return self.diagram(frozenset(set(elements) | (set(_FRAME) & available)))

    def diagram(self, elements: frozenset[str]) -> PhaseDiagram:
        """The (cached) phase diagram of ``elements``; ValueError if an elemental reference is missing."""
        if elements not in self._diagrams:
            self._diagrams[elements] = build_phase_diagram(self.reference_set().entries, set(elements))
        return self._diagrams[elements]

    def _calculator(self) -> Calculator:
        if self._calc is None:
            from ..atomistic.potential import load_calculator

            self._calc, _ = load_calculator(self.potential, device=self.device)
        return self._calc

    @property
    def same_scale(self) -> bool:
        """Whether candidate energies (the potential) and the references share one energy scale."""
        return self.reference_set().energy_scale == f"mlip:{self.potential}"

    def _key(self, formula: str, metal: str) -> str:
        sources = "|".join(self.reference_set().sources)
        digest = hashlib.sha256(sources.encode()).hexdigest()[:10]
        return f"{formula}|vs {metal}|{self.preset.key()}|{self.potential}|refs {digest}"

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        """One `Evaluation` (or `Failure`) per glass composition, in order (torch uses ``threads`` meanwhile)."""
        with torch_threads(self.threads):
            return [self._evaluate_glass(comp) for comp in batch]

    def _evaluate_glass(self, comp: Composition) -> Evaluation | Failure:
        key = self._key(comp.formula, comp.M)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            pd = self.diagram_for(set(comp.amounts))
        except ValueError as err:
            return Failure(f"{comp.formula}: {err}")
        pmg = comp.to_pymatgen()
        window = electrochemical_window(pd, pmg, comp.M)
        assert window.oxidation_V is not None  # a glass always holds M
        values = {"oxidation_V": window.oxidation_V, "reduction_V": window.reduction_V}
        metadata: dict[str, Any] = {"formula": comp.formula, **window.as_metadata(),
                                    "hull_decomposition": decomposition(pd, pmg), **self._provenance()}
        std = None
        if self.same_scale:
            from .candidate import relax_candidate

            start = time.perf_counter()
            try:
                model = relax_candidate(comp, self.preset, self._calculator(), potential=self.potential)
            except ValueError as err:  # e.g. a composition no small cell can represent
                return Failure(f"{comp.formula}: no structure model ({err})")
            entry: ComputedEntry = model.entry
            if not MP2020_COMPATIBLE.get(self.potential, True):  # put raw-GGA-like energies on the references' scale
                (entry,) = apply_mp2020([entry], where=f"candidate {comp.formula}")
            e_hull, model_decomp = energy_above_hull(pd, entry)
            values["e_hull_eV_atom"] = round(e_hull, 5)
            metadata["model"] = {"formula": model.formula, "n_atoms": model.n_atoms, "converged": model.converged,
                                 "energies_eV_atom": [round(e, 5) for e in model.energies_eV_atom],
                                 "decomposition": model_decomp,
                                 "wall_s": round(time.perf_counter() - start, 1)}
            if len(model.energies_eV_atom) > 1:
                import numpy as np

                std = {"e_hull_eV_atom": round(float(np.std(model.energies_eV_atom, ddof=1)), 5)}
        else:
            metadata["e_hull_note"] = (f"not computed: references are {self.reference_set().energy_scale}, "
                                       f"candidate energies would be mlip:{self.potential}")
        result = Evaluation(values, std, metadata, fidelity=self.preset.name)
        self._cache.put(key, result)
        return result

    def _provenance(self) -> dict[str, Any]:
        refs = self.reference_set()
        return {"potential": self.potential, "energy_scale": refs.energy_scale, "references": list(refs.sources),
                "preset": self.preset.key()}

    def evaluate_formula(self, formula: str, *, metal: str | None = None) -> Evaluation | Failure:
        """Window (and e_hull where a structure is known) of any formula of the Li/Na-Al-Cl-O-S system.

        Known reference phases use their own entry; glass-family formulas go through `evaluate`;
        other formulas get the window only. The window is vs ``metal`` (default: the alkali in the
        formula, Li if it holds both or none). Raises ValueError for a formula that is not a
        formula or has elements outside the system.
        """
        from .formula import evaluate_formula

        return evaluate_formula(self, formula, metal=metal)

"""`HullOracle`: energy above the convex hull and the electrochemical window of a composition."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ..atomistic.potential import POTENTIALS, torch_threads
from ..composition import Composition
from ..protocol import OracleSetupError, StructureKind
from ..results import Evaluation, Failure
from .annealed import GlassCellSource, glass_cell_source
from .cache import ResultCache
from .entries import ReferenceSet, apply_mp2020, builtin_references_path, combine, load_entry_file
from .formula import choose_metal, crystal_result, glass_composition, parse_formula, resolve_structure
from .presets import resolve_preset
from .window import build_phase_diagram

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.analysis.phase_diagram import PhaseDiagram
    from pymatgen.entries.computed_entries import ComputedEntry

    from .anchoring import SpeciesCorrections

logger = logging.getLogger(__name__)

OUTPUTS = {"e_hull_eV_atom": "eV/atom", "oxidation_V": "V vs M/M+", "reduction_V": "V vs M/M+",
           "oxidation_metastable_V": "V vs M/M+"}
_FRAME = ("Al", "Cl", "O", "S")
#: The potential of the shipped references and the candidate models unless one is named (docs/potentials.md).
DEFAULT_POTENTIAL = "7net-mf-0"


class HullOracle:
    """Thermodynamic stability and electrochemical window from a pymatgen phase diagram.

    References (ML-relaxed phases shipped with the package, and/or a user's entries file) and the
    potential load on first use; the constructor only checks options.

    Args:
        preset: ``"default"`` (the ``"annealed"`` settings: 3 annealed ML-MD glass cells, hours on
            CPU), ``"packing"`` (one random packing, minutes), ``"smoke"`` or ``"annealed-smoke"``
            (plumbing); see `oracles.hull.presets`; recorded as fidelity.
        entries: JSON(.gz) file of pymatgen ComputedEntry/ComputedStructureEntry dicts, used
            instead of (``use_builtin=False``) or on top of the built-in references.
        use_builtin: include the shipped references of ``potential``.
        references: a references file to use as the built-in set (default: the shipped one).
        potential: ML potential for the candidate models (and of the built-in references).
        anchor: anchor the potential's energies to measured formation enthalpies with one fitted
            correction per species (`oracles.hull.anchoring`); False uses the potential's own
            scale (MP2020 corrections for a potential trained on uncorrected PBE energies).
        md_options: `MDPreset` fields overriding the ``md_preset`` glass protocol of an annealed
            preset (``glass_model: melt_quench``); the potential is always ``potential``.
        glass_cells_from: in a campaign, the ML-MD oracle whose glass cells this oracle shares
            (its name); ``None`` shares with the campaign's only ML-MD oracle when the glass
            protocols match; ``"own"`` never shares (resolved by `optimizer.oracle_factory`).
        workdir, device, threads: machine settings; ``workdir`` holds the result cache file and,
            unless ``glass_workdir`` is given, the annealed cells.
        glass_workdir: machine setting: the folder of the annealed glass cells (the ML-MD oracle's
            workdir, to share its cells); default ``workdir``, else ``./hull-artifacts``.
        **overrides: preset fields (``target_atoms``, ``n_models``, ``fmax_eV_A``, ``max_steps``, ``seed``,
            ``glass_model``, ``md_preset``, ``cells``).
    """

    outputs = OUTPUTS

    def __init__(self, *, preset: str = "default", entries: Path | str | None = None, use_builtin: bool = True,
                 references: Path | str | None = None, potential: str = DEFAULT_POTENTIAL, anchor: bool = True,
                 workdir: Path | None = None, device: str = "cpu", threads: int | None = None, name: str = "hull",
                 md_options: dict[str, Any] | None = None, glass_cells_from: str | None = None,
                 glass_workdir: Path | str | None = None, **overrides: Any) -> None:
        from ..atomistic.potential import check_available  # cheap: no torch import

        self.name = name
        self.preset = resolve_preset(preset, overrides)
        check_available(potential)
        self.potential = potential
        self.anchor = bool(anchor)
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
        self.glass_cells = glass_cell_source(self.preset, potential=potential, md_options=md_options,
                                             cells_from=glass_cells_from, folder=glass_workdir or workdir)
        self._cache = ResultCache(workdir)
        self._refs: ReferenceSet | None = None
        self._corrections: SpeciesCorrections | None = None
        self._diagrams: dict[frozenset[str], PhaseDiagram] = {}
        self._calc: Calculator | None = None
        self._calc_label = ""

    # -- lazy resources -------------------------------------------------------------------------
    def reference_set(self) -> ReferenceSet:
        """The reference entries (loaded, put on one scale and checked once); `OracleSetupError` on bad files."""
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
            refs = combine(sets)
            self._refs = self._on_scale(refs)
            logger.info("loaded %d reference entries (%s)", len(self._refs.entries), self._refs.energy_scale)
        return self._refs

    def _on_scale(self, refs: ReferenceSet) -> ReferenceSet:
        """ML-potential entries anchored to experiment (or MP2020-corrected for a raw-PBE potential)."""
        from dataclasses import replace

        if not refs.energy_scale.startswith("mlip:"):
            return refs
        if self.anchor:
            from .anchoring import anchor_entries, fit_corrections

            try:
                self._corrections = fit_corrections(refs.entries)
            except ValueError as err:
                raise OracleSetupError(f"cannot anchor {refs.energy_scale} to experiment: {err}; "
                                       "set anchor: false") from None
            return replace(refs, entries=tuple(anchor_entries(refs.entries, self._corrections)))
        potential = refs.energy_scale.removeprefix("mlip:")
        if potential in POTENTIALS and POTENTIALS[potential].energy_scale == "pbe":
            return replace(refs, entries=tuple(apply_mp2020(list(refs.entries), where=f"references {potential}")))
        return refs

    def _put_on_scale(self, entry: ComputedEntry) -> ComputedEntry:
        """A candidate entry with the corrections the references carry."""
        self.reference_set()
        if self._corrections is not None:
            return self._corrections.apply(entry)
        if POTENTIALS[self.potential].energy_scale == "pbe":
            (entry,) = apply_mp2020([entry], where=f"candidate {entry.composition.reduced_formula}")
        return entry

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

            self._calc, info = load_calculator(self.potential, device=self.device)
            self._calc_label = info.label()
        return self._calc

    @property
    def same_scale(self) -> bool:
        """Whether candidate energies (the potential) and the references share one energy scale."""
        return self.reference_set().energy_scale == f"mlip:{self.potential}"

    def _key(self, formula: str, metal: str, structure: StructureKind) -> str:
        sources = "|".join(self.reference_set().sources)
        digest = hashlib.sha256(sources.encode()).hexdigest()[:10]
        scale = "anchored" if self.anchor else "native"
        key = f"{formula}|{structure}|vs {metal}|{self.preset.key()}|{self.potential}|{scale}|refs {digest}"
        return key + f"|{self.glass_cells.key()}" if self.glass_cells is not None and structure == "glass" else key

    def _provenance(self) -> dict[str, Any]:
        refs = self.reference_set()
        out = {"potential": self.potential, "energy_scale": refs.energy_scale, "references": list(refs.sources),
               "preset": self.preset.key(), "glass_model": self.preset.glass_model}
        if self._corrections is not None:
            out["anchoring"] = self._corrections.as_metadata()["corrections_eV_per_atom"]
        return out

    # -- evaluation -----------------------------------------------------------------------------
    def evaluate(self, batch: Sequence[Composition], /) -> list[Evaluation | Failure]:
        """One `Evaluation` (or `Failure`) per glass composition, in order (torch uses ``threads`` meanwhile)."""
        with torch_threads(self.threads):
            return [self._evaluate_glass(comp) for comp in batch]

    def _evaluate_glass(self, comp: Composition) -> Evaluation | Failure:
        from .glass import glass_result

        key = self._key(comp.formula, comp.M, "glass")
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            pd = self.diagram_for(set(comp.amounts))
        except ValueError as err:
            return Failure(f"{comp.formula}: {err}")
        if self.glass_cells is not None:
            return self._evaluate_annealed(comp, key, pd, self.glass_cells)
        model = None
        if self.same_scale:
            from .candidate import relax_candidate

            def model() -> Any:
                return relax_candidate(comp, self.preset, self._calculator(), potential=self.potential)

        result = glass_result(comp, pd, model=model, put_on_scale=self._put_on_scale, provenance=self._provenance(),
                              fidelity=self.preset.name,
                              scale_note=f"not computed: references are {self.reference_set().energy_scale}, "
                                         f"candidate energies would be mlip:{self.potential}")
        if isinstance(result, Evaluation):
            self._cache.put(key, result)
        return result

    def _evaluate_annealed(self, comp: Composition, key: str, pd: PhaseDiagram,
                           source: GlassCellSource) -> Evaluation | Failure:
        from .annealed import make_annealed_model
        from .glass import annealed_glass_result

        if not self.same_scale:  # a user's DFT diagram: cell energies would be on another scale
            return Failure(f"{comp.formula}: annealed glass energies need the references on mlip:{self.potential}, "
                           f"not {self.reference_set().energy_scale}")

        def model() -> Any:
            return make_annealed_model(comp, preset=self.preset, source=source, calculator=self._calculator(),
                                       potential=self.potential, potential_label=self._calc_label)

        result = annealed_glass_result(comp, pd, model=model, put_on_scale=self._put_on_scale,
                                       provenance=self._provenance(), fidelity=self.preset.name)
        if isinstance(result, Evaluation):
            self._cache.put(key, result)
        return result

    def evaluate_formula(self, formula: str, /, *, structure: StructureKind | None = None,
                         metal: str | None = None) -> Evaluation | Failure:
        """Window and e_hull of any formula of the Li/Na-Al-Cl-O-S system, as a glass or as a crystal.

        ``structure="glass"``: a glass-family formula (one alkali, Al, charge-balanced Cl, O, S) through
        the same path as `evaluate`; any other formula is a `Failure`. ``structure="crystal"``: the
        lowest reference phase of that composition (its own e_hull, 0 for a stable phase; the window
        only if there is none). ``None``: glass for a glass-family formula, crystal otherwise; the
        choice is in ``metadata["structure"]``. The window is vs ``metal`` (default: the alkali in the
        formula, Li if it holds both or none); a glass's window is always vs its own alkali. Raises
        ValueError for text that is not a formula or has elements outside the system.
        """
        comp = parse_formula(formula)
        m = choose_metal(comp, metal)
        kind = resolve_structure(comp, structure)
        elements = {el.symbol for el in comp.elements}
        if elements == {m}:
            return Failure(f"{formula}: the window of {m} metal against {m}/{m}+ is not defined")
        if kind == "glass":
            glass = glass_composition(comp)
            if glass is None:
                return Failure(f"{formula} is not a glass composition (one of Li, Na with Al and charge-balanced "
                               "Cl, O, S); evaluate it with structure='crystal'")
            if metal is not None and metal != glass.M:
                raise ValueError(f"the window of a {glass.M} glass is against {glass.M}/{glass.M}+, not {metal}")
            return self.evaluate([glass])[0]
        key = self._key(comp.reduced_formula, m, "crystal")
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            pd = self.diagram_for(elements | {m})
        except ValueError as err:
            return Failure(f"{formula}: {err}")
        values, metadata = crystal_result(pd, comp, m)
        result = Evaluation(values, None, {"formula": comp.reduced_formula, "structure": "crystal", **metadata,
                                           **self._provenance()}, fidelity=self.preset.name)
        self._cache.put(key, result)
        return result


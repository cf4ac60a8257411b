"""Reference entries for the hull: the shipped ML-relaxed phases and user-supplied pymatgen entries.

Every entry carries an *energy scale* label, and one diagram holds one scale only:

* ``mlip:<potential>``: relaxed with that ML potential (the shipped references; also any user
  entry whose ``parameters`` name a ``potential``). Loaded raw: the oracle anchors them to
  experiment (`oracles.hull.anchoring`), or with ``anchor=False`` applies
  ``MaterialsProject2020Compatibility`` to a potential trained on uncorrected PBE energies.
* ``mp2020-gga``: GGA/GGA+U DFT with the MP2020 corrections (a Materials Project download;
  raw GGA entries with ``run_type`` set are corrected here).
* ``r2scan``: r2SCAN DFT (uncorrected; Materials Project r2SCAN entries).
* or any label given explicitly as ``parameters["energy_scale"]``.
"""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..protocol import OracleSetupError

if TYPE_CHECKING:
    from pymatgen.entries.computed_entries import ComputedEntry

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
#: MP2020 anion corrections that a mixed-anion entry must carry, by element.
ANION_CORRECTION = {"O": "oxide", "Cl": "Cl", "S": "S"}


def builtin_references_path(potential: str) -> Path:
    """Where the shipped reference entries of ``potential`` live (they may not exist)."""
    return DATA_DIR / f"references_{potential.replace('-', '')}.json.gz"


@dataclass(frozen=True)
class ReferenceSet:
    """Entries that may share one phase diagram, with their common energy scale and provenance."""

    entries: tuple[ComputedEntry, ...]
    energy_scale: str
    sources: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


def _read_json(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise OracleSetupError(f"entries file {path} does not exist") from None
    except (OSError, ValueError) as err:
        raise OracleSetupError(f"entries file {path} is not readable JSON: {err}") from None


def _decode_entries(raw: Any, path: Path) -> list[ComputedEntry]:
    from monty.json import MontyDecoder
    from pymatgen.entries.computed_entries import ComputedEntry

    items = raw.get("entries") if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise OracleSetupError(f"entries file {path} must hold a non-empty JSON list of pymatgen ComputedEntry dicts "
                               "(or an object with an 'entries' list)")
    out = []
    for i, item in enumerate(items):
        try:
            entry = MontyDecoder().process_decoded(item)
        except Exception as err:
            raise OracleSetupError(f"entries file {path}, item {i}: not a pymatgen entry ({err})") from None
        if not isinstance(entry, ComputedEntry):
            raise OracleSetupError(f"entries file {path}, item {i}: {type(entry).__name__} is not a ComputedEntry")
        out.append(entry)
    return out


def energy_scale_of(entry: ComputedEntry) -> str | None:
    """The energy scale label of ``entry`` (see the module docstring), or None if it cannot be told."""
    params = entry.parameters or {}
    if params.get("energy_scale"):
        return str(params["energy_scale"])
    if params.get("potential"):
        return f"mlip:{params['potential']}"
    run_type = str(params.get("run_type", "")).upper()
    if run_type in ("GGA", "GGA+U"):
        return "mp2020-gga"
    if run_type == "R2SCAN":
        return "r2scan"
    return None


def _has_mp2020(entry: ComputedEntry) -> bool:
    return any("MP2020" in adj.name for adj in entry.energy_adjustments)


def apply_mp2020(entries: list[ComputedEntry], *, where: str) -> list[ComputedEntry]:
    """MP2020-corrected copies of uncorrected GGA-scale ``entries``; checks the anion corrections.

    Raises `OracleSetupError` if the scheme rejects an entry or leaves out the correction of an
    anion the entry contains (O, Cl, S), since the energy would then be off by ~0.5-0.7 eV/anion.
    """
    import warnings

    from pymatgen.entries.compatibility import MaterialsProject2020Compatibility

    for entry in entries:
        entry.parameters.setdefault("run_type", "GGA")
        entry.parameters.setdefault("hubbards", {})
    compat = MaterialsProject2020Compatibility(check_potcar=False)
    with warnings.catch_warnings():
        # pymatgen warns per entry about missing POTCAR data; check_potcar=False makes that moot.
        warnings.simplefilter("ignore", UserWarning)
        corrected = compat.process_entries(entries, inplace=False)
    if len(corrected) != len(entries):
        lost = {e.entry_id for e in entries} - {e.entry_id for e in corrected}
        raise OracleSetupError(f"{where}: MaterialsProject2020Compatibility rejected entries {sorted(map(str, lost))}")
    for entry in corrected:
        check_anion_corrections(entry, where=where)
    return list(corrected)


def check_anion_corrections(entry: ComputedEntry, *, where: str) -> None:
    """Raise `OracleSetupError` unless every anion of ``entry`` has its MP2020 correction."""
    names = " ".join(adj.name for adj in entry.energy_adjustments)
    elements = {el.symbol for el in entry.composition.elements}
    if not elements & {"Li", "Na", "Al"}:
        return  # elemental anions and anion-only compounds carry no anion correction
    for anion, tag in ANION_CORRECTION.items():
        if anion in elements and f"({tag})" not in names:
            raise OracleSetupError(f"{where}: entry {entry.entry_id} ({entry.composition.reduced_formula}) lacks the "
                                   f"MP2020 {tag} anion correction; its energy is not on the corrected scale")


def load_entry_file(path: Path, *, where: str | None = None) -> ReferenceSet:
    """Read a JSON(.gz) file of entries and return them with their single energy scale.

    Raises `OracleSetupError` naming the file if entries have no recognisable scale or mix scales.
    """
    where = where or f"entries file {path}"
    raw = _read_json(path)
    entries = _decode_entries(raw, path)
    scales: dict[str, list[str]] = {}
    for entry in entries:
        scale = energy_scale_of(entry)
        if scale is None:
            raise OracleSetupError(
                f"{where}: cannot tell the energy scale of entry {entry.entry_id} "
                f"({entry.composition.reduced_formula}); "
                "set parameters.run_type (GGA, GGA+U, R2SCAN), parameters.potential or parameters.energy_scale")
        scales.setdefault(scale, []).append(entry.composition.reduced_formula)
    if len(scales) > 1:
        detail = "; ".join(f"{s}: {', '.join(f[:5])}" for s, f in scales.items())
        raise OracleSetupError(f"{where} mixes energy scales ({detail}); one phase diagram needs one scale")
    (scale,) = scales
    if scale == "mp2020-gga" and not all(_has_mp2020(e) for e in entries):
        entries = apply_mp2020(entries, where=where)
    metadata = raw.get("metadata", {}) if isinstance(raw, dict) else {}
    return ReferenceSet(tuple(entries), scale, (str(path),), metadata)


def combine(sets: list[ReferenceSet]) -> ReferenceSet:
    """One `ReferenceSet` from several; raises `OracleSetupError` if their energy scales differ."""
    if not sets:
        raise OracleSetupError("no reference entries: set use_builtin: true or give an entries file")
    scales = {s.energy_scale for s in sets}
    if len(scales) > 1:
        detail = ", ".join(f"{src} is {s.energy_scale}" for s in sets for src in s.sources)
        raise OracleSetupError(f"reference entries mix energy scales ({detail}); use entries on the scale of the "
                               "built-in references, or set use_builtin: false to use only your entries")
    entries = tuple(e for s in sets for e in s.entries)
    return ReferenceSet(entries, sets[0].energy_scale, tuple(x for s in sets for x in s.sources),
                        {src: s.metadata for s in sets for src in s.sources})

"""Reference phases of the Li/Na-Al-Cl-O-S systems: starting structures and their ML relaxation.

Structures come only from offline sources: ``ase.build`` prototypes with measured lattice
constants, the AFLOW prototype library that pymatgen installs, and the measured LiAlCl4/NaAlCl4
crystals of `oracles.atomistic.structures`. Every phase is relaxed (positions and cell) with the
same ML potential as the candidates, so one diagram never mixes potentials.

Regenerate the shipped data (minutes on one core)::

    python -m oracles.hull.references --potential chgnet --out oracles/hull/data/references_chgnet.json.gz
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import json
import logging
import sys
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Union

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator
    from pymatgen.core import Structure

    from ..atomistic.potential import PotentialInfo

logger = logging.getLogger(__name__)

#: A builder returns one starting structure, or several (polymorphs, orderings): the lowest relaxed one is kept.
Builder = Callable[[], Union["Atoms", "list[Atoms]"]]

REGENERATE_COMMAND = "python -m oracles.hull.references --potential {potential} --out {out}"


@cache
def _aflow_library() -> dict[str, dict]:
    from pymatgen.analysis.prototypes import AFLOW_PROTOTYPE_LIBRARY

    return {entry["tags"]["aflow"]: entry for entry in AFLOW_PROTOTYPE_LIBRARY}


def aflow_prototype(label: str) -> Structure:
    """The AFLOW prototype ``label`` (e.g. ``A2B3_hR10_167_c_e``, corundum) as a pymatgen Structure."""
    snl = _aflow_library()[label]["snl"]
    return snl.structure.copy()


def _from_aflow(label: str) -> Atoms:
    from pymatgen.io.ase import AseAtomsAdaptor

    return AseAtomsAdaptor.get_atoms(aflow_prototype(label))


def _bulk(name: str, kind: str, a: float) -> Callable[[], Atoms]:
    def build() -> Atoms:
        from ase.build import bulk

        return bulk(name, kind, a=a, cubic=False)

    return build


def _spacegroup(symbols: list[str], basis: list[tuple[float, float, float]], number: int,
                cellpar: tuple[float, ...]) -> Callable[[], Atoms]:
    def build() -> Atoms:
        from ase.spacegroup import crystal

        return crystal(symbols=symbols, basis=basis, spacegroup=number, cellpar=cellpar, primitive_cell=True)

    return build


def _aflow(label: str) -> Callable[[], Atoms]:
    return lambda: _from_aflow(label)


def _several(*builders: Builder) -> Builder:
    def build() -> list[Atoms]:
        out: list[Atoms] = []
        for b in builders:
            made = b()
            out.extend(made if isinstance(made, list) else [made])
        return out

    return build


def _wurtzite_order(anion: str, a: float, c: float, repeat: tuple[int, int, int], fill: dict[str, int]) -> Builder:
    def build() -> list[Atoms]:
        from .ordering import ordered_substitutions, wurtzite

        return ordered_substitutions(wurtzite(anion, a, c, repeat), "Zn", fill, keep=2)

    return build


def _antifluorite_order(anion: str, a: float, repeat: tuple[int, int, int], fill: dict[str, int]) -> Builder:
    def build() -> list[Atoms]:
        from .ordering import antifluorite, ordered_substitutions

        return ordered_substitutions(antifluorite(anion, a, repeat), "Zn", fill, keep=2)

    return build


def _tetrachloroaluminate(metal: str) -> Callable[[], Atoms]:
    def build() -> Atoms:
        from ..atomistic.structures import crystal_reference

        return crystal_reference(metal)

    return build


#: phase label -> (builder of the unrelaxed structure, source note). Lattice constants in Angstrom
#: are measured room-temperature values; the ML relaxation moves them to the potential's minimum.
PHASES: dict[str, tuple[Builder, str]] = {
    "Li": (_bulk("Li", "bcc", 3.44), "ase.build bcc, a=3.44"),
    "Na": (_bulk("Na", "bcc", 4.23), "ase.build bcc, a=4.23"),
    "Al": (_bulk("Al", "fcc", 4.05), "ase.build fcc, a=4.05"),
    "Cl2": (_aflow("A_tP16_138_j"), "AFLOW A_tP16_138_j (solid Cl2, A18)"),
    "O2": (_aflow("A_mC4_12_i"), "AFLOW A_mC4_12_i (alpha-O2)"),
    "S": (_aflow("A_oF128_70_4h"), "AFLOW A_oF128_70_4h (alpha-S8)"),
    "LiCl": (_bulk("LiCl", "rocksalt", 5.13), "ase.build rock salt, a=5.13"),
    "NaCl": (_bulk("NaCl", "rocksalt", 5.64), "ase.build rock salt, a=5.64"),
    "Li2O": (_bulk("OLi2", "fluorite", 4.61), "ase.build antifluorite, a=4.61"),
    "Na2O": (_bulk("ONa2", "fluorite", 5.55), "ase.build antifluorite, a=5.55"),
    "Li2S": (_bulk("SLi2", "fluorite", 5.71), "ase.build antifluorite, a=5.71"),
    "Na2S": (_bulk("SNa2", "fluorite", 6.54), "ase.build antifluorite, a=6.54"),
    "Al2O3": (_aflow("A2B3_hR10_167_c_e"), "AFLOW A2B3_hR10_167_c_e (corundum)"),
    "AlCl3": (_aflow("AB3_mC16_12_g_ij"), "AFLOW AB3_mC16_12_g_ij (AlCl3, C2/m)"),
    "LiAl": (_spacegroup(["Li", "Al"], [(0, 0, 0), (0.5, 0.5, 0.5)], 227, (6.37, 6.37, 6.37, 90, 90, 90)),
             "NaTl (B32) type, Fd-3m, a=6.37"),
    "LiAlCl4": (_tetrachloroaluminate("Li"), "measured crystal, P2_1/c (oracles.atomistic.structures)"),
    "NaAlCl4": (_tetrachloroaluminate("Na"), "measured crystal, P2_12_12_1 (oracles.atomistic.structures)"),
    # alpha-NaFeO2 (R-3m) layered rock salt: measured for alpha-LiAlO2 (a=2.80, c=14.18); for NaAlO2
    # it is a proxy of the beta (Pna2_1) ground state, so NaAlO2 comes out less stable than it is.
    "LiAlO2": (_several(
        _spacegroup(["Al", "Li", "O"], [(0, 0, 0), (0, 0, 0.5), (0, 0, 0.2602)], 166, (2.80, 2.80, 14.18, 90, 90, 120)),
        _wurtzite_order("O", 3.1, 5.0, (2, 1, 1), {"Li": 4, "Al": 4})),
        "lowest of alpha-NaFeO2 type (alpha-LiAlO2, R-3m) and Ewald-ranked cation-ordered wurtzites "
        "(beta-LiAlO2 type); the gamma ground state (P4_12_12) is not built"),
    "NaAlO2": (_several(
        _spacegroup(["Al", "Na", "O"], [(0, 0, 0), (0, 0, 0.5), (0, 0, 0.25)], 166, (2.95, 2.95, 16.2, 90, 90, 120)),
        _wurtzite_order("O", 3.25, 5.3, (2, 1, 1), {"Na": 4, "Al": 4})),
        "lowest of Ewald-ranked cation-ordered wurtzites (beta-NaAlO2 type, Pna2_1) and an alpha-NaFeO2 type proxy"),
    "LiAlS2": (_wurtzite_order("S", 3.8, 6.2, (2, 1, 1), {"Li": 4, "Al": 4}),
               "Ewald-ranked cation-ordered wurtzite (LiAlS2 is a beta-NaFeO2 type, Pna2_1)"),
    "Al2S3": (_wurtzite_order("S", 3.7, 5.95, (3, 1, 1), {"Al": 8, "X": 4}),
              "Ewald-ranked vacancy-ordered wurtzite (alpha-Al2S3 is one, P6_1); an approximation"),
    "Li5AlO4": (_antifluorite_order("O", 4.6, (2, 1, 1), {"Li": 10, "Al": 2, "X": 4}),
                "Ewald-ranked vacancy-ordered antifluorite (alpha-Li5AlO4, Pbca, is one); an approximation"),
}


def relax_phases(names: list[str], *, potential: str, threads: int | None, device: str = "cpu",
                 fmax_eV_A: float = 0.02, max_steps: int = 1500) -> tuple[list[dict], dict]:
    """Relax ``names`` with ``potential``; return (entry dicts, potential metadata)."""
    from dataclasses import asdict

    from ..atomistic.potential import load_calculator, torch_threads

    calculator, info = load_calculator(potential, device=device)
    with torch_threads(threads):
        return [_relax_phase(name, calculator, info, fmax_eV_A=fmax_eV_A, max_steps=max_steps)
                for name in names], asdict(info)


def _relax_phase(name: str, calculator: Calculator, info: PotentialInfo, *, fmax_eV_A: float,
                 max_steps: int) -> dict:
    """Relax the starting structure(s) of phase ``name`` (cell free); the lowest one as an entry dict."""
    from pymatgen.core import Structure
    from pymatgen.entries.computed_entries import ComputedStructureEntry
    from pymatgen.io.ase import AseAtomsAdaptor

    from ..atomistic.relax import relax_structure

    build, source = PHASES[name]
    made = build()
    starts = made if isinstance(made, list) else [made]
    results = [relax_structure(a, calculator, fmax_eV_A=fmax_eV_A, max_steps=max_steps, relax_cell=True)
               for a in starts]
    relaxed, energy_eV, converged = min(results, key=lambda r: r[1] / len(r[0]))
    # Rebuilt without the calculator's site properties (float32 magmoms are not JSON).
    raw = AseAtomsAdaptor.get_structure(relaxed)  # type: ignore[arg-type]
    structure = Structure(raw.lattice, raw.species, raw.frac_coords)
    entry = ComputedStructureEntry(
        structure, float(energy_eV), entry_id=f"viglas-{info.name}-{name}",
        parameters={"potential": info.name, "energy_scale": f"mlip:{info.name}"},
        data={"phase": name, "source": source, "converged": converged, "n_starts": len(starts),
              "starts_eV_atom": [round(float(r[1]) / len(r[0]), 5) for r in results]},
    )
    logger.info("%-8s %3d atoms  E=%.4f eV/atom  converged=%s", name, len(relaxed), energy_eV / len(relaxed),
                converged)
    return entry.as_dict()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Relax the hull oracle's reference phases with an ML potential.")
    parser.add_argument("--potential", default="chgnet")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = [n.strip() for n in args.phases.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PHASES))
    if unknown:
        parser.error(f"unknown phase(s) {unknown}")
    entries, info = relax_phases(names, potential=args.potential, threads=args.threads, device=args.device)
    from importlib.metadata import version

    from monty.json import MontyEncoder

    payload = {
        "metadata": {
            "potential": info,
            "energy_scale": f"mlip:{args.potential}",
            "date": datetime.date.today().isoformat(),
            "relaxation": "FIRE + FrechetCellFilter, fmax 0.02 eV/A, <= 1500 steps",
            "command": REGENERATE_COMMAND.format(potential=args.potential, out=args.out),
            "versions": {pkg: version(pkg) for pkg in ("pymatgen", "ase")},
            "phases": {n: PHASES[n][1] for n in names},
        },
        "entries": entries,
    }
    text = json.dumps(payload, indent=1, cls=MontyEncoder)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".gz":
        with gzip.open(args.out, "wt", encoding="utf-8") as fh:
            fh.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(entries)} reference entries to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

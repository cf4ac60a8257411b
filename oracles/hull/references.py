"""Reference phases of the Li/Na-Al-Cl-O-S systems relaxed with an ML potential (structures: `.phases`).

Every phase is relaxed (positions and cell) with the same ML potential as the candidates, so one
diagram never mixes potentials.

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
from pathlib import Path
from typing import TYPE_CHECKING

from .phases import PHASES

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator
    from pymatgen.entries.computed_entries import ComputedStructureEntry

logger = logging.getLogger(__name__)

REGENERATE_COMMAND = "python -m oracles.hull.references --potential {potential} --out {out}"


def relax_phases(names: list[str], *, potential: str, threads: int | None, device: str = "cpu",
                 fmax_eV_A: float = 0.02, max_steps: int = 1500) -> tuple[list[dict], dict]:
    """Relax ``names`` with ``potential``; return (entry dicts, potential metadata)."""
    from dataclasses import asdict

    from ..atomistic.potential import load_calculator, torch_threads

    calculator, info = load_calculator(potential, device=device)
    with torch_threads(threads):
        return [relax_phase(name, calculator, potential=info.name, fmax_eV_A=fmax_eV_A, max_steps=max_steps).as_dict()
                for name in names], asdict(info)


def relax_phase(name: str, calculator: Calculator, *, potential: str, fmax_eV_A: float = 0.02,
                max_steps: int = 1500) -> ComputedStructureEntry:
    """Relax the starting structure(s) of phase ``name`` (cell free); the lowest one as an entry (energy in eV)."""
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
    # Without the calculator: it holds the results (magnetic moments) of the last start relaxed, which
    # need not be this one, and its float32 site properties are not JSON.
    raw = AseAtomsAdaptor.get_structure(relaxed.copy())  # type: ignore[arg-type]
    structure = Structure(raw.lattice, raw.species, raw.frac_coords)
    entry = ComputedStructureEntry(
        structure, float(energy_eV), entry_id=f"viglas-{potential}-{name}",
        parameters={"potential": potential, "energy_scale": f"mlip:{potential}"},
        data={"phase": name, "source": source, "converged": converged, "n_starts": len(starts),
              "starts_eV_atom": [round(float(r[1]) / len(r[0]), 5) for r in results]},
    )
    logger.info("%-8s %3d atoms  E=%.4f eV/atom  converged=%s", name, len(relaxed), energy_eV / len(relaxed),
                converged)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Relax the hull oracle's reference phases with an ML potential.")
    parser.add_argument("--potential", default="chgnet")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--phases", default=",".join(PHASES), help="comma-separated subset of " + ",".join(PHASES))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--update", action="store_true",
                        help="relax only --phases and replace them in the existing --out file (same potential)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    names = [n.strip() for n in args.phases.split(",") if n.strip()]
    unknown = sorted(set(names) - set(PHASES))
    if unknown:
        parser.error(f"unknown phase(s) {unknown}")
    kept: list[dict] = []
    updates: list[dict] = []
    if args.update:
        old = _read(args.out)
        if old["metadata"].get("energy_scale") != f"mlip:{args.potential}":
            parser.error(f"{args.out} holds {old['metadata'].get('energy_scale')}, not mlip:{args.potential}")
        kept = [e for e in old["entries"] if e["data"]["phase"] not in names]
        updates = [*old["metadata"].get("updates", []),
                   {"date": datetime.date.today().isoformat(), "phases": names}]
        names_all = [e["data"]["phase"] for e in kept] + names
    else:
        names_all = names
    entries, info = relax_phases(names, potential=args.potential, threads=args.threads, device=args.device)
    entries = kept + entries
    from importlib.metadata import version

    from monty.json import MontyEncoder

    command = REGENERATE_COMMAND.format(potential=args.potential, out=args.out)
    payload = {
        "metadata": {
            "potential": info,
            "energy_scale": f"mlip:{args.potential}",
            "date": datetime.date.today().isoformat(),
            "relaxation": "FIRE + FrechetCellFilter, fmax 0.02 eV/A, <= 1500 steps",
            "command": command,
            "versions": {pkg: version(pkg) for pkg in ("pymatgen", "ase")},
            "phases": {n: PHASES[n][1] for n in names_all if n in PHASES},
            **({"updates": [*updates[:-1], {**updates[-1], "command": f"{command} --phases "
                                            f"{','.join(names)} --update"}]} if updates else {}),
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


def _read(path: Path) -> dict:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return dict(json.load(fh))


if __name__ == "__main__":
    sys.exit(main())

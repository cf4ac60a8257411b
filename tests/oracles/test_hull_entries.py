"""Hull oracle setup: options, entries files and energy scales (no ML potential needed)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from monty.json import MontyEncoder
from pymatgen.core import Lattice, Structure
from pymatgen.entries.computed_entries import ComputedEntry, ComputedStructureEntry

from oracles import OracleSetupError
from oracles.hull import HullOracle
from oracles.hull.entries import apply_mp2020, builtin_references_path, load_entry_file
from oracles.hull.oracle import DEFAULT_POTENTIAL


def _write(path: Path, entries: list) -> Path:
    path.write_text(json.dumps([e.as_dict() for e in entries], cls=MontyEncoder))
    return path


def _gga(formula: str, energy_eV: float) -> ComputedEntry:
    return ComputedEntry(formula, energy_eV, parameters={"run_type": "GGA"}, entry_id=f"user-{formula}")


def _li_cl_dft() -> list[ComputedEntry]:
    """A made-up GGA Li-Cl system: LiCl 4.0 eV/f.u. below Li + Cl before the MP2020 Cl correction."""
    return [_gga("Li", -1.9), _gga("Cl2", -3.6), _gga("LiCl", -1.9 - 1.8 - 4.0)]


@pytest.mark.parametrize("potential", ["chgnet", "7net-mf-0"])
def test_shipped_references_record_their_potential_and_command(potential: str) -> None:
    refs = load_entry_file(builtin_references_path(potential))
    assert refs.energy_scale == f"mlip:{potential}"
    assert refs.metadata["potential"]["name"] == potential
    assert f"python -m oracles.hull.references --potential {potential}" in refs.metadata["command"]
    phases = {e.data["phase"] for e in refs.entries}
    assert {"Li", "Na", "Al", "Cl2", "O2", "S", "LiCl", "NaCl", "Li2O", "Na2O", "Li2S", "Na2S", "Al2O3", "AlCl3",
            "LiAlCl4", "NaAlCl4"} <= phases


def test_default_references_hold_the_issue_12_phases() -> None:
    refs = load_entry_file(builtin_references_path(DEFAULT_POTENTIAL))
    phases = {e.data["phase"]: e.data for e in refs.entries}
    assert {"AlOCl", "Li3AlS3", "Li5AlS4", "NaAlS2", "LiAlO2", "NaAlO2", "Li5AlO4"} <= set(phases)
    assert all(phases[p]["source"] for p in phases)  # provenance of every starting structure


@pytest.mark.parametrize(("options", "match"), [
    ({"preset": "ultra"}, "preset='ultra'"),
    ({"target_atom": 10}, "unknown hull option.*target_atom"),
    ({"max_steps": 0}, "max_steps=0"),
    ({"potential": "mace"}, "potential 'mace'"),
    ({"entries": "/nonexistent/entries.json"}, "entries file /nonexistent/entries.json does not exist"),
    ({"use_builtin": False}, "needs an entries file"),
])
def test_bad_options_are_setup_errors(options: dict, match: str) -> None:
    with pytest.raises(OracleSetupError, match=match):
        HullOracle(**options)


def test_user_dft_entries_on_top_of_builtin_refuse_to_mix(tmp_path: Path) -> None:
    oracle = HullOracle(preset="smoke", entries=_write(tmp_path / "mine.json", _li_cl_dft()))
    with pytest.raises(OracleSetupError, match=r"mix energy scales.*mine\.json is mp2020-gga"):
        oracle.evaluate_formula("LiCl")


def test_file_mixing_scales_is_refused(tmp_path: Path) -> None:
    scan = ComputedEntry("Li", -2.3, parameters={"run_type": "R2SCAN"})
    path = _write(tmp_path / "mixed.json", [*_li_cl_dft(), scan])
    with pytest.raises(OracleSetupError, match=r"mixed.json mixes energy scales \(mp2020-gga.*r2scan"):
        load_entry_file(path)


def test_entry_without_a_scale_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "bare.json", [ComputedEntry("LiCl", -8.0)])
    with pytest.raises(OracleSetupError, match="cannot tell the energy scale"):
        load_entry_file(path)


def test_references_of_another_potential_are_refused(tmp_path: Path) -> None:
    other = [ComputedEntry(f, e, parameters={"energy_scale": "mlip:7net-0"}) for f, e in (("Li", -1.9), ("Cl2", -3.6))]
    path = tmp_path / "refs.json.gz"
    with gzip.open(path, "wt") as fh:
        json.dump({"metadata": {}, "entries": [e.as_dict() for e in other]}, fh, cls=MontyEncoder)
    oracle = HullOracle(preset="smoke", references=path, potential="chgnet")
    with pytest.raises(OracleSetupError, match="computed on mlip:7net-0, but potential='chgnet'"):
        oracle.evaluate_formula("LiCl")


def test_user_dft_entries_alone_give_windows_on_their_scale(tmp_path: Path) -> None:
    oracle = HullOracle(preset="smoke", entries=_write(tmp_path / "mine.json", _li_cl_dft()), use_builtin=False)
    result = oracle.evaluate_formula("LiCl")
    corrected = load_entry_file(tmp_path / "mine.json").entries[2]
    assert corrected.correction < 0  # the MP2020 Cl correction was applied to the raw GGA energy
    assert result.values["oxidation_V"] == pytest.approx(4.0 - corrected.correction, abs=1e-3)
    assert result.metadata["energy_scale"] == "mp2020-gga"


def test_mp2020_puts_both_anion_corrections_on_mixed_anion_entries() -> None:
    structure = Structure(Lattice.cubic(7.0), ["Li", "Al", "O", "Cl", "Cl"],
                          [[0, 0, 0], [0.5, 0.5, 0.5], [0.25, 0.25, 0.25], [0.75, 0.25, 0.25], [0.25, 0.75, 0.75]])
    entry = ComputedStructureEntry(structure, -20.0, entry_id="mixed", parameters={"potential": "7net-0"})
    (corrected,) = apply_mp2020([entry], where="test")
    names = " ".join(adj.name for adj in corrected.energy_adjustments)
    assert "(oxide)" in names and "(Cl)" in names

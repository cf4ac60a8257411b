"""The potentials' acceptance table (`viglas potentials`): its logic on tiny real systems, and the CLI's JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pymatgen.entries.computed_entries import ComputedEntry

from optimizer.cli import main
from oracles.acceptance.cost import CostRow
from oracles.acceptance.crystals import CrystalRow, mean_coordination
from oracles.acceptance.formation import FormationRow, formation_energy_eV_atom, formation_rows
from oracles.acceptance.table import PotentialReport
from oracles.atomistic.experiment import CRYSTALS, FORMATION_ENTHALPIES, KJ_PER_MOL_PER_EV
from oracles.atomistic.structures import crystal_reference


def test_import_does_not_load_torch() -> None:
    code = "import sys, oracles.acceptance; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_formation_energy_is_per_atom_against_elemental_references() -> None:
    entry = ComputedEntry("LiCl", -8.0)  # 2 atoms; mu(Li) = -1.9, mu(Cl) = -1.8 -> (-8 + 3.7) / 2
    assert formation_energy_eV_atom(entry, {"Li": -1.9, "Cl": -1.8}) == pytest.approx(-2.15)


def test_enthalpy_units_and_sources() -> None:
    licl = FORMATION_ENTHALPIES["LiCl"]
    assert licl.eV_atom == pytest.approx(licl.kJ_mol / KJ_PER_MOL_PER_EV / 2)
    assert all(f.source for f in FORMATION_ENTHALPIES.values())
    assert FORMATION_ENTHALPIES["Al2S3"].alternative is not None  # two tables disagree; both are shown


@pytest.mark.parametrize("metal", ["Li", "Na"])
def test_measured_crystals_have_their_recorded_coordination_and_volume(metal: str) -> None:
    atoms = crystal_reference(metal)
    ref = CRYSTALS[metal]
    assert mean_coordination(atoms, metal, "Cl") == ref.m_cl_coordination
    assert mean_coordination(atoms, "Al", "Cl") == ref.al_cl_coordination
    assert atoms.get_volume() / 4 == pytest.approx(ref.volume_A3_per_fu, abs=0.01)


def test_licl_formation_energy_with_chgnet() -> None:
    from oracles.atomistic.potential import load_calculator, torch_threads

    with torch_threads(1):
        calculator, _ = load_calculator("chgnet")
        (row,) = formation_rows(calculator, potential="chgnet", energy_scale="mp2020", compounds=["LiCl"],
                                fmax_eV_A=0.05, max_steps=60)
    assert row.formula == "LiCl" and row.mp2020_eV_atom is None  # CHGNet is already on the MP2020 scale
    assert row.expt_eV_atom == pytest.approx(FORMATION_ENTHALPIES["LiCl"].eV_atom, abs=1e-4)
    assert abs(row.raw_error_eV_atom) < 0.1  # measured: +0.02 eV/atom (docs/potentials.md)
    with pytest.raises(ValueError, match="no measured formation enthalpy"):
        formation_rows(calculator, potential="chgnet", energy_scale="mp2020", compounds=["LiAlCl4"])


def _fake_report(name: str, **_: object) -> PotentialReport:
    scale = "pbe" if name == "7net-0" else "mp2020"
    formation = (FormationRow("LiCl", -2.116, -2.10, -2.40 if scale == "pbe" else None, True),)
    crystals = (CrystalRow("LiAlCl4", 150.0, 147.81, 6.0, 6.0, 4.0, True),)
    return PotentialReport(name, f"{name} (fake)", scale, formation, crystals, CostRow(96, 3, 0.2, 0.1, 0.3, 1, 0.5),
                           1.0)


def test_cli_json_shape(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("oracles.acceptance.table.check_potential", _fake_report)
    assert main(["potentials", "--potential", "chgnet", "--potential", "7net-0", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [p["name"] for p in report["potentials"]] == ["chgnet", "7net-0"]
    chgnet, sevennet = report["potentials"]
    assert chgnet["formation_error_eV_atom"] == {"LiCl": pytest.approx(0.016)}
    assert sevennet["formation_error_eV_atom"] == {"LiCl": pytest.approx(-0.284)}  # MP2020 column for raw PBE
    assert chgnet["crystals"][0]["volume_error_pct"] == pytest.approx(1.5, abs=0.05)
    assert chgnet["cost"]["median_s"] == 0.2
    assert report["experiment"]["formation_enthalpies"]["LiCl"]["source"]
    assert report["conditions"]["command"].startswith("viglas")


def test_cli_text_table(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("oracles.acceptance.table.check_potential", _fake_report)
    assert main(["potentials", "--potential", "chgnet"]) == 0
    out = capsys.readouterr().out
    assert "Ef MAE eV/atom" in out and "LiAlCl4 dV %" in out and "chgnet" in out


def test_cli_unknown_potential_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["potentials", "--potential", "mace"]) == 2
    assert "potential 'mace' is not one of" in capsys.readouterr().err

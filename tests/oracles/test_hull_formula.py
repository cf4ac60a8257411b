"""One answer per question: `evaluate_formula(..., structure=...)` and `viglas evaluate hull --structure` agree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pymatgen.core import Composition as PmgComposition

from optimizer.cli import main
from optimizer.evaluate import evaluate_one
from oracles import Failure, FormulaOracle, OracleSetupError
from oracles.hull import HullOracle
from oracles.hull.formula import resolve_structure


@pytest.fixture(scope="module")
def oracle() -> HullOracle:
    return HullOracle(preset="smoke", threads=1)


def test_hull_oracle_is_a_formula_oracle(oracle: HullOracle) -> None:
    assert isinstance(oracle, FormulaOracle)


@pytest.mark.parametrize(("formula", "expected"), [("LiAlCl4", "glass"), ("LiAlCl2.5O0.75", "glass"),
                                                   ("LiCl", "crystal"), ("AlCl3", "crystal"), ("Li2AlCl5", "glass")])
def test_default_structure(formula: str, expected: str) -> None:
    assert resolve_structure(PmgComposition(formula), None) == expected


def test_crystalline_reference_phase_gives_its_own_e_hull(oracle: HullOracle) -> None:
    result = oracle.evaluate_formula("LiAlCl4", structure="crystal")
    assert result.values["e_hull_eV_atom"] == pytest.approx(0.0, abs=1e-6)  # stable on the anchored hull
    assert result.metadata["structure"] == "crystal" and result.metadata["reference"]["phase"] == "LiAlCl4"
    assert result.values["oxidation_metastable_V"] == result.values["oxidation_V"]  # no excess energy


def test_glass_of_a_non_glass_formula_is_a_failure(oracle: HullOracle) -> None:
    result = oracle.evaluate_formula("LiCl", structure="glass")
    assert isinstance(result, Failure) and "structure='crystal'" in result.reason
    with pytest.raises(ValueError, match="against Li/Li\\+, not Na"):
        oracle.evaluate_formula("LiAlCl4", structure="glass", metal="Na")


def test_cli_and_api_agree_on_crystalline_licl4(oracle: HullOracle, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    api = oracle.evaluate_formula("LiAlCl4", structure="crystal")
    assert main(["evaluate", "hull", "LiAlCl4", "--structure", "crystal", "--preset", "smoke", "--json",
                 "--workdir", str(tmp_path)]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["values"] == api.values
    assert cli["metadata"]["structure"] == "crystal"


def test_structure_is_refused_by_an_oracle_without_formulas(tmp_path: Path) -> None:
    with pytest.raises(OracleSetupError, match="takes no --structure"):
        evaluate_one("mlmd", "LiAlCl2.5O0.75", preset="smoke", workdir=tmp_path, structure="crystal")

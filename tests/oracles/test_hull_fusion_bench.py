"""benchmarks.hull_fusion: excess energy over the crystal, standard error and z-score from a hull result."""

from __future__ import annotations

import math
from typing import Any

import pytest

from benchmarks.hull_fusion import FUSION, evaluate, markdown
from oracles import Evaluation


class _Oracle:
    """Answers `evaluate_formula` like an annealed hull oracle with fixed per-cell e_hull."""

    def __init__(self, e_hulls: list[float], crystal: float = 0.0) -> None:
        self.e_hulls, self.crystal = e_hulls, crystal

    def evaluate_formula(self, formula: str, /, *, structure: str) -> Evaluation:
        if structure == "crystal":
            return Evaluation({"e_hull_eV_atom": self.crystal}, None, {})
        cells = [{"formula": formula, "e_hull_eV_atom": e, "density_g_cm3": 2.0, "settled": True,
                  "relax_converged": True} for e in self.e_hulls]
        model = {"cells": cells, "md_preset": "quick", "potential": "7net-mf-0", "wall_s": 1.0}
        return Evaluation({"e_hull_eV_atom": sum(self.e_hulls) / len(cells)}, None,
                          {"model": model, "warnings": []})


def test_excess_mean_standard_error_and_z_against_the_enthalpy_of_fusion() -> None:
    oracle: Any = _Oracle([0.03, 0.04, 0.05], crystal=0.001)
    row = evaluate("LiAlCl4", oracle)
    assert row["excess_eV_atom"] == pytest.approx([0.029, 0.039, 0.049])
    assert row["mean_eV_atom"] == pytest.approx(0.039) and row["sd_eV_atom"] == pytest.approx(0.01)
    assert row["sem_eV_atom"] == pytest.approx(0.01 / math.sqrt(3), abs=1e-5)
    value, sigma, _ = FUSION["LiAlCl4"]  # type: ignore[misc]
    assert row["z"] == pytest.approx((0.039 - value) / math.hypot(0.01 / math.sqrt(3), sigma), abs=0.01)
    assert row["within_bar"] is True
    text = markdown([row], {"command": "x", "date": "d", "load": "1", "preset": "annealed-smoke",
                            "potential": "p", "threads": 1, "device": "cpu"})
    assert "not been run yet" in text and "LiAlCl4" in text


def test_a_glass_without_a_cited_enthalpy_gets_no_z_score() -> None:
    row = evaluate("NaAlCl4", _Oracle([0.02, 0.03, 0.04]))  # type: ignore[arg-type]
    assert FUSION["NaAlCl4"] is None and "z" not in row and row["mean_eV_atom"] == pytest.approx(0.03)

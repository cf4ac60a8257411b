"""`viglas evaluate` says "not converged" whenever the oracle's metadata carries a warning."""

from __future__ import annotations

import json
from typing import Any

import pytest

from optimizer.cli import main


def _fake(result: dict[str, Any]) -> Any:
    def evaluate_one(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return result

    return evaluate_one


@pytest.mark.parametrize("as_json", [False, True])
def test_warnings_print_a_not_converged_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                              as_json: bool) -> None:
    result = {"values": {"log10_sigma_30C": -0.2}, "std": {"log10_sigma_30C": 3.0}, "fidelity": "smoke",
              "metadata": {"warnings": ["not converged: 0 of 2 cells give a conductivity", "seed 1: NVE drift"]}}
    monkeypatch.setattr("optimizer.evaluate.evaluate_one", _fake(result))
    assert main(["evaluate", "mlmd", "LiAlCl2.5O0.75", *(["--json"] if as_json else [])]) == 0
    out = capsys.readouterr().out
    if as_json:
        assert json.loads(out)["metadata"]["warnings"] == result["metadata"]["warnings"]
    else:
        lines = out.splitlines()
        assert lines[0].startswith("log10_sigma_30C = -0.2 ± 3")
        assert lines[1].startswith("not converged: 2 warning(s)")
        assert lines[2] == "  - 0 of 2 cells give a conductivity" and lines[3] == "  - seed 1: NVE drift"


def test_no_warning_no_line(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = {"values": {"tg_C": 10.0}, "std": {}, "fidelity": "x", "metadata": {"warnings": []}}
    monkeypatch.setattr("optimizer.evaluate.evaluate_one", _fake(result))
    assert main(["evaluate", "mlmd", "LiAlCl2.5O0.75"]) == 0
    assert "not converged" not in capsys.readouterr().out

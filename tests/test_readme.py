"""The README's Python examples run as written (on a copy of the demo campaign)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_api_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "campaigns").mkdir()
    shutil.copy(ROOT / "campaigns" / "demo.yaml", tmp_path / "campaigns" / "demo.yaml")
    monkeypatch.chdir(tmp_path)
    api = next(b for b in _python_blocks() if "Campaign.from_yaml" in b)
    namespace: dict[str, object] = {}
    exec(compile(api, "README.md", "exec"), namespace)
    campaign = namespace["campaign"]
    assert campaign.n_proposed() == 24 and len(campaign.to_dataframe()) == 25  # type: ignore[attr-defined]


def test_oracle_example_conforms() -> None:
    from oracles.testing import check_oracle

    block = next(b for b in _python_blocks() if "class MyOracle" in b)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    check_oracle(namespace["MyOracle"]())  # type: ignore[operator]

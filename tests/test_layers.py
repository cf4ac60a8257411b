"""House rules that keep the packages layered (STYLE.md rule 1)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> set[str]:
    names: set[str] = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["oracles", "surrogates"])
def test_lower_layers_never_import_optimizer(package: str) -> None:
    assert "optimizer" not in _imports(package)


def test_oracles_never_import_botorch() -> None:
    assert not {"botorch", "gpytorch", "surrogates"} & _imports("oracles")


def test_importing_oracles_does_not_load_torch() -> None:
    code = "import oracles, oracles.testing, oracles.guard, sys; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


def test_no_print_in_library_code() -> None:
    for package in ("oracles", "surrogates"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "__main__.py" or "if __name__" in path.read_text():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print":
                    pytest.fail(f"print() in library module {path.relative_to(ROOT)}:{node.lineno}")

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


def _module_imports(package: str) -> dict[str, set[str]]:
    """Module -> modules of ``package`` it imports, counting top-level, function-local and TYPE_CHECKING imports."""
    modules: dict[str, Path] = {}
    for path in (ROOT / package).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        base = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                anchor = base
                for _ in range(max(node.level - 1, 0)):
                    anchor = anchor.rpartition(".")[0]
                stem = (f"{anchor}.{node.module}" if node.module else anchor) if node.level else (node.module or "")
                targets = [f"{stem}.{alias.name}" if f"{stem}.{alias.name}" in modules else stem
                           for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):  # a package's own __init__
                    edges[name].add(target)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, if any (depth-first search with a path stack)."""
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt, [*path, nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


@pytest.mark.parametrize("package", ["oracles", "surrogates", "optimizer"])
def test_no_import_cycle_inside_a_package(package: str) -> None:
    cycle = _cycle(_module_imports(package))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


NO_TORCH = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch.") or name in ("botorch", "gpytorch"):
            raise ImportError(f"{name} is blocked by the test")
sys.meta_path.insert(0, Block())
from optimizer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_validate_status_export_tell_work_with_torch_unimportable(tmp_path: Path) -> None:
    from tests.campaign_helpers import write_campaign

    path = str(write_campaign(tmp_path, strategy="sobol"))
    commands = [["validate", path], ["status", path], ["export", path, "--csv", str(tmp_path / "o.csv")],
                ["ask", path, "-n", "2"], ["tell", path, "1", "tg_C=-20"], ["status", path]]
    for args in commands:
        done = subprocess.run([sys.executable, "-c", NO_TORCH, *args], capture_output=True, text=True, cwd=ROOT)
        assert done.returncode == 0, (args, done.stderr)
    assert (tmp_path / "o.csv").read_text().startswith("id,M,")

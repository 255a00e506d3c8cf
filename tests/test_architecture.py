"""The analysis package's layout: one subpackage per stage, small modules, imports one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "analysis"
#: What each subpackage may import from the package besides itself: shared code first, then the
#: stages in the order the data flow through them (partners reuses the survival models).
ALLOWED = {
    "common": set(),
    "census": {"common"},
    "growth": {"common", "census"},
    "survival": {"common", "census"},
    "partners": {"common", "census", "survival"},
    "focus_groups": {"common"},
}
MAX_LINES = 420


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__init__.py")


def _imports(path: Path) -> set[str]:
    """Modules of the package that ``path`` imports (absolute imports only, as the package uses)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.split(".")[0] == "analysis"}


def test_every_module_lives_in_a_stage_subpackage() -> None:
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    assert {p.parent.name for p in _modules()} == set(ALLOWED)
    for stage in ALLOWED:
        assert (PACKAGE / stage / "__init__.py").is_file()


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def _backwards(path: Path) -> list[str]:
    """Imports of ``path`` that go against the stage order, or name a package instead of a module."""
    stage = path.parent.name
    return [
        name
        for name in sorted(_imports(path))
        if len(name.split(".")) != 3 or name.split(".")[1] not in ALLOWED[stage] | {stage}
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_one_way(path: Path) -> None:
    assert _backwards(path) == []


def test_a_backwards_import_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "analysis" / "common" / "bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from analysis.growth.foundings import fit_foundings\nimport analysis.census\n")
    assert _backwards(bad) == ["analysis.census", "analysis.growth.foundings"]


def test_no_import_cycles_between_modules() -> None:
    graph = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts): _imports(p) for p in _modules()
    }
    done: set[str] = set()

    def visit(node: str, path: tuple[str, ...]) -> None:
        assert node not in path, "import cycle: " + " -> ".join((*path, node))
        if node in done:
            return
        for child in graph.get(node, ()):
            visit(child, (*path, node))
        done.add(node)

    for module in graph:
        visit(module, ())

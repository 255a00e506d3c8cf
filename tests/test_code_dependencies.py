"""Which analysis modules a workflow script runs: the inputs that make code edits rerun a rule."""

from pathlib import Path

from analysis.common.provenance import code_dependencies


def test_follows_imports_transitively_and_only_within_the_package(tmp_path: Path) -> None:
    pkg = tmp_path / "analysis"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from analysis.b import f\nimport numpy\n")
    (pkg / "b.py").write_text("import analysis.c\n")
    (pkg / "c.py").write_text("import os\n")
    (pkg / "unused.py").write_text("")
    scripts = tmp_path / "workflow" / "scripts"
    scripts.mkdir(parents=True)
    (scripts / "step.py").write_text("import sys\nfrom analysis.a import g\n")
    assert code_dependencies("workflow/scripts/step.py", root=tmp_path) == [
        "analysis/__init__.py",
        "analysis/a.py",
        "analysis/b.py",
        "analysis/c.py",
    ]


def test_real_census_step_depends_on_its_modules_and_their_packages() -> None:
    root = Path(__file__).resolve().parents[1]
    deps = code_dependencies("workflow/scripts/census.py", root=root)
    assert "analysis/census/population.py" in deps and "analysis/census/describe.py" in deps
    assert "analysis/census/__init__.py" in deps and "analysis/__init__.py" in deps

"""The per-stage conda envs pin what requirements.lock pins, so --use-conda builds the same brief."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.common.environments import (
    Disagreement,
    disagreements,
    parse_conda_env,
    parse_conda_spec,
    parse_lock,
    parse_pip_requirement,
    pins_python,
)

ROOT = Path(__file__).resolve().parents[1]
ENV_FILES = sorted((ROOT / "envs").glob("*.yaml"))
LOCK = parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))

TINY_LOCK = """\
# a comment
matplotlib==3.11.2
pandas==2.3.3
PyYAML==6.0.4
pypandoc_binary==1.17
statsmodels==0.15.0
"""

TINY_ENV = """\
channels: [conda-forge, nodefaults]
dependencies:
  - python=3.11
  - pandas=2.3.3
  - matplotlib-base=3.9.0
  - pyyaml
  - typst=0.13.1
  - pandoc=3.6
  - pip
  - pip:
      - pypandoc-binary==1.17
      - statsmodels>=0.14
"""


def test_lock_lines_are_keyed_by_normalised_name() -> None:
    lock = parse_lock(TINY_LOCK)
    assert lock == {
        "matplotlib": "3.11.2",
        "pandas": "2.3.3",
        "pyyaml": "6.0.4",
        "pypandoc-binary": "1.17",
        "statsmodels": "0.15.0",
    }


def test_a_lock_line_without_exact_pin_is_an_error() -> None:
    with pytest.raises(ValueError, match="pandas>=2"):
        parse_lock("numpy==2.4.6\npandas>=2\n")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("numpy=2.4.6", ("numpy", "2.4.6")),
        ("numpy==2.4.6", ("numpy", "2.4.6")),
        ("numpy 2.4.6", ("numpy", "2.4.6")),
        ("conda-forge::numpy=2.4.6=py311h1_0", ("numpy", "2.4.6")),
        ("Matplotlib-Base=3.11.2", ("matplotlib-base", "3.11.2")),
        ("python=3.11", ("python", "3.11")),
        ("numpy>=2", ("numpy", None)),
        ("numpy >=2,<3", ("numpy", None)),
        ("numpy", ("numpy", None)),
    ],
)
def test_conda_specs(spec: str, expected: tuple[str, str | None]) -> None:
    assert parse_conda_spec(spec) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("pypandoc_binary==1.17", ("pypandoc-binary", "1.17")),
        ("lifelines[extra]==0.30.3 ; python_version >= '3.11'", ("lifelines", "0.30.3")),
        ("statsmodels>=0.14", ("statsmodels", None)),
        ("-e .", None),
        ("# only a comment", None),
    ],
)
def test_pip_requirements(line: str, expected: tuple[str, str | None] | None) -> None:
    assert parse_pip_requirement(line) == expected


def test_env_maps_conda_names_to_pypi_and_reads_the_pip_section() -> None:
    env = parse_conda_env(TINY_ENV)
    assert env.python == "3.11"
    versions = {name: pin.version for name, pin in env.packages.items()}
    assert versions == {
        "pandas": "2.3.3",
        "matplotlib": "3.9.0",  # matplotlib-base
        "pyyaml": None,
        "pandoc": "3.6",  # not on PyPI: kept, never compared
        "pypandoc-binary": "1.17",
        "statsmodels": None,
    }  # python, pip and typst (the compiler, not PyPI's binding) are not compared


def test_disagreements_name_file_package_and_both_versions() -> None:
    found = disagreements("envs/tiny.yaml", parse_conda_env(TINY_ENV), parse_lock(TINY_LOCK))
    assert found == [
        Disagreement("envs/tiny.yaml", "matplotlib", "matplotlib-base", "3.9.0", "3.11.2"),
        Disagreement("envs/tiny.yaml", "pyyaml", "pyyaml", None, "6.0.4"),
        Disagreement("envs/tiny.yaml", "statsmodels", "statsmodels", None, "0.15.0"),
    ]
    assert str(found[0]) == (
        "envs/tiny.yaml: matplotlib-base is 3.9.0 but requirements.lock has "
        "matplotlib==3.11.2; pin 3.11.2 in envs/tiny.yaml"
    )
    assert "pyyaml is not pinned" in str(found[1])


def test_an_env_that_agrees_has_no_disagreement() -> None:
    env = parse_conda_env("dependencies:\n  - python=3.11\n  - seaborn-base=0.13.2\n")
    assert disagreements("envs/ok.yaml", env, {"seaborn": "0.13.2"}) == []


@pytest.mark.parametrize(
    ("python", "pinned"),
    [("3.11", True), ("3.11.*", True), ("3.11.9", True), ("3.12", False), ("3.110", False)],
)
def test_python_minor_pin(python: str, pinned: bool) -> None:
    env = parse_conda_env(f"dependencies:\n  - python={python}\n")
    assert pins_python(env, "3.11") is pinned


def test_an_env_without_python_does_not_pin_it() -> None:
    assert not pins_python(parse_conda_env("dependencies:\n  - pandas=2.3.3\n"), "3.11")


def test_there_are_env_files_to_check() -> None:
    assert ROOT / "envs" / "census.yaml" in ENV_FILES


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda path: path.name)
def test_env_file_pins_python_311(path: Path) -> None:
    env = parse_conda_env(path.read_text(encoding="utf-8"))
    assert pins_python(env, "3.11"), f"envs/{path.name}: pin python=3.11 (found {env.python})"


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda path: path.name)
def test_env_file_agrees_with_the_lock(path: Path) -> None:
    env = parse_conda_env(path.read_text(encoding="utf-8"))
    found = disagreements(f"envs/{path.name}", env, LOCK)
    assert not found, "\n".join(map(str, found))

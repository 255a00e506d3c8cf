"""The per-stage conda environments (`envs/*.yaml`) against the pip lock file.

A stage run with ``snakemake --use-conda`` must compute what ``bash run.sh`` computes from
``requirements.lock``: the same numbers in the brief whichever way it was built. So every
package that an env file and the lock both name must carry the same exact version. Conda and
PyPI spell some packages differently (``matplotlib-base`` is matplotlib), so names are mapped
to PyPI's before comparing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

# conda-forge name -> PyPI name where they differ; None: nothing in the lock to compare with
CONDA_TO_PYPI: dict[str, str | None] = {
    "matplotlib-base": "matplotlib",
    "seaborn-base": "seaborn",
    "pandera-base": "pandera",
    "snakemake-minimal": "snakemake",
    "pytables": "tables",
    "pip": None,
    # the interpreter is checked on its own (pins_python), not against the lock
    "python": None,
    # conda-forge's typst is the Typst compiler; PyPI's typst is its Python binding, versioned apart
    "typst": None,
}


@dataclass(frozen=True)
class Pin:
    """A package as an env file spells it, and its version (None: no exact version)."""

    spelled: str
    version: str | None


@dataclass(frozen=True)
class CondaEnv:
    """What an env file asks for: packages keyed by PyPI name, and the Python version."""

    packages: dict[str, Pin]
    python: str | None


@dataclass(frozen=True)
class Disagreement:
    """A package whose version in an env file is not the locked one."""

    file: str
    package: str
    spelled: str
    env_version: str | None
    lock_version: str

    def __str__(self) -> str:
        found = "is not pinned" if self.env_version is None else f"is {self.env_version}"
        return (
            f"{self.file}: {self.spelled} {found} but requirements.lock has "
            f"{self.package}=={self.lock_version}; pin {self.lock_version} in {self.file}"
        )


def pypi_name(name: str) -> str:
    """PyPI's normalised project name (PEP 503): case and runs of ``-_.`` do not matter."""
    return re.sub(r"[-_.]+", "-", name.split("[", 1)[0].strip()).lower()


def parse_lock(text: str) -> dict[str, str]:
    """The ``name==version`` lines of a pip lock file, keyed by normalised name."""
    pins: dict[str, str] = {}
    for line in text.splitlines():
        requirement = _requirement(line)
        if requirement is None:
            continue
        name, sep, version = requirement.partition("==")
        if not sep:
            raise ValueError(f"requirements.lock: {line!r} is not an exact pin (name==version)")
        pins[pypi_name(name)] = version.strip()
    return pins


def parse_conda_spec(spec: str) -> tuple[str, str | None]:
    """(conda name, version or None) of a conda match spec.

    ``numpy=2.4.6``, ``numpy==2.4.6``, ``numpy 2.4.6`` and ``conda-forge::numpy=2.4.6=py311_0``
    all give 2.4.6; ``numpy>=2`` or a bare ``numpy`` give no version.
    """
    spec = spec.strip().split("::")[-1]
    name = re.match(r"[^\s<>=!~\[]*", spec).group(0)
    rest = spec[len(name) :].strip()
    if rest.startswith("=="):
        version = rest[2:]
    elif rest.startswith("="):
        version = rest[1:].split("=", 1)[0]
    elif rest and rest[0] not in "<>!~[":
        version = rest.split()[0]
    else:
        return name.lower(), None
    version = version.strip()
    if not version or re.search(r"[<>!~,|]", version):
        return name.lower(), None
    return name.lower(), version


def parse_pip_requirement(line: str) -> tuple[str, str | None] | None:
    """(PyPI name, exact version or None) of a pip requirement; None for options like ``-e .``."""
    requirement = _requirement(line)
    if requirement is None:
        return None
    name, sep, version = requirement.partition("==")
    if sep:
        return pypi_name(name), version.strip()
    return pypi_name(re.split(r"[<>=!~ ]", requirement, maxsplit=1)[0]), None


def parse_conda_env(text: str) -> CondaEnv:
    """The packages of a conda environment file, keyed by PyPI name.

    Entries of a ``pip:`` sub-section are PyPI requirements already; conda entries are mapped
    through ``CONDA_TO_PYPI``.
    """
    document: dict[str, Any] = yaml.safe_load(text) or {}
    packages: dict[str, Pin] = {}
    python: str | None = None
    for entry in document.get("dependencies") or []:
        if isinstance(entry, dict):
            for line in entry.get("pip") or []:
                parsed = parse_pip_requirement(str(line))
                if parsed is not None:
                    packages[parsed[0]] = Pin(parsed[0], parsed[1])
            continue
        name, version = parse_conda_spec(str(entry))
        if name == "python":
            python = version
        target = CONDA_TO_PYPI.get(name, name)
        if target is not None:
            packages[pypi_name(target)] = Pin(name, version)
    return CondaEnv(packages=packages, python=python)


def pins_python(env: CondaEnv, minor: str) -> bool:
    """Whether the env pins the interpreter to one minor version (``3.11``, ``3.11.*``, ``3.11.9``)."""
    if env.python is None:
        return False
    version = env.python.removesuffix(".*")
    return version == minor or version.startswith(f"{minor}.")


def disagreements(file: str, env: CondaEnv, lock: dict[str, str]) -> list[Disagreement]:
    """Packages named by both the env and the lock whose env version is not the locked one."""
    return [
        Disagreement(file, package, pin.spelled, pin.version, lock[package])
        for package, pin in sorted(env.packages.items())
        if package in lock and pin.version != lock[package]
    ]


def _requirement(line: str) -> str | None:
    """A requirement line without comment and environment marker; None if blank or an option."""
    requirement = line.split("#", 1)[0].split(";", 1)[0].strip()
    return None if not requirement or requirement.startswith("-") else requirement

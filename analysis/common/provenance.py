"""What the brief quotes and where it came from: merged stage numbers plus provenance.

The brief computes nothing; it quotes ``{{< meta key >}}`` values from one metadata file,
``results/brief/meta.yml``. This module builds that file from every stage's ``numbers.json``
(keys prefixed by the stage, docs/architecture.md) and from the facts a reader needs to trust
the brief: which data (SHA-256), which code (git commit), which software, built when.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

PACKAGES = ("pandas", "statsmodels", "seaborn", "snakemake")


def merge_numbers(paths: Mapping[str, Path]) -> dict[str, Any]:
    """One flat mapping of every stage's numbers, keys prefixed ``<stage>_``.

    ``paths`` maps a stage name to its ``numbers.json``. Each file must follow the contract:
    a flat object with ``available`` and, when that is false, a ``skip_reason``.
    """
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    for stage, path in paths.items():
        path = Path(path)
        try:
            numbers = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from error
        if not isinstance(numbers, dict):
            raise ValueError(f"{path}: numbers.json must hold a JSON object")
        if "available" not in numbers:
            raise ValueError(f"{path}: numbers.json lacks the required key 'available'")
        if numbers["available"] is False and not numbers.get("skip_reason"):
            raise ValueError(f"{path}: 'available' is false, so 'skip_reason' must say why")
        for key, value in numbers.items():
            if isinstance(value, (dict, list)):
                raise ValueError(f"{path}: key {key!r} is nested; numbers.json must be flat")
            name = f"{stage}_{key}"
            if name in merged:
                raise ValueError(f"metadata key {name!r} comes from both {origin[name]} and {path}")
            merged[name], origin[name] = value, path
    return merged


def provenance(data_files: Iterable[Path], repo: Path = Path(".")) -> dict[str, str]:
    """Provenance of a build, as the brief prints it (keys ``provenance_*``).

    ``provenance_data_sha256``: the SHA-256 of the raw data file (with several files,
    ``name: hash`` pairs joined by ``; ``); ``provenance_git_commit``: ``git rev-parse --short
    HEAD`` of ``repo``, suffixed ``-dirty`` when the working tree has uncommitted changes, or
    ``not a git checkout``; ``provenance_versions``: Python and the main libraries;
    ``provenance_built``: the build time in UTC (ISO 8601), taken from ``SOURCE_DATE_EPOCH``
    when set, so a rebuild can be made byte-identical.
    """
    files = [Path(p) for p in data_files]
    hashes = [(path.name, sha256(path)) for path in files]
    data = hashes[0][1] if len(hashes) == 1 else "; ".join(f"{n}: {h}" for n, h in hashes)
    versions = [f"Python {platform.python_version()}"]
    versions += [f"{name} {_version(name)}" for name in PACKAGES]
    return {
        "provenance_data_sha256": data,
        "provenance_git_commit": git_commit(repo),
        "provenance_versions": ", ".join(versions),
        "provenance_built": build_time(),
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_commit(repo: Path = Path(".")) -> str:
    """Short commit of ``repo``'s HEAD, ``-dirty`` if it has uncommitted changes."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)

    try:
        head = git("rev-parse", "--short", "HEAD")
        if head.returncode != 0:
            return "not a git checkout"
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except FileNotFoundError:  # no git executable
        return "not a git checkout"
    return head.stdout.strip() + ("-dirty" if dirty else "")


def build_time() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), timezone.utc) if epoch else datetime.now(timezone.utc)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_meta(path: Path, mapping: Mapping[str, Any]) -> None:
    """Write the brief's metadata file, every value a string so both renderers print it as is.

    Booleans stay YAML booleans: Quarto's ``when-meta`` shows content only for a boolean
    ``true`` (a string "true" would hide it), and printed they read ``true``/``false`` anyway.
    Missing values (JSON null, from NaN) print as ``NA``.
    """
    values = {
        key: value if isinstance(value, bool) else ("NA" if value is None else str(value))
        for key, value in mapping.items()
    }
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        yaml.safe_dump(values, allow_unicode=True, sort_keys=True, width=1000), encoding="utf-8"
    )


def code_dependencies(
    script: str | Path, root: str | Path = ".", package: str = "analysis"
) -> list[str]:
    """The modules of ``package`` that ``script`` imports, directly or through each other.

    Snakemake reruns a rule when its script changes, not when a module the script imports
    does; listing these files as the rule's inputs makes a change in the analysis code rerun
    exactly the steps that run it. ``script`` and the returned paths are relative to ``root``,
    the folder that holds the package (the repository).
    """
    root = Path(root)
    seen: set[Path] = set()
    pending = [root / script]
    while pending:
        tree = ast.parse(pending.pop().read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.split(".")[0] != package:
                    continue
                parts = name.split(".")
                # importing a.b.c runs a/__init__.py and a/b/__init__.py too
                packages = [root / Path(*parts[:i]) / "__init__.py" for i in range(1, len(parts))]
                module = root / Path(*parts)
                for candidate in (*packages, module.with_suffix(".py"), module / "__init__.py"):
                    if candidate.is_file() and candidate not in seen:
                        seen.add(candidate)
                        pending.append(candidate)
    return sorted(str(path.relative_to(root)) for path in seen)

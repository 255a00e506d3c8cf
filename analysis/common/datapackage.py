"""Reading ``data/datapackage.json``, the one description of the raw tables.

Columns, types, vocabularies and the census year are written once, in the Frictionless data
package, so that people, Frictionless tools and this code read the same definitions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_package(datapackage_path: str | Path) -> dict[str, Any]:
    """The data package descriptor as a dict."""
    with open(datapackage_path, encoding="utf-8") as handle:
        return json.load(handle)


def census_year_of(datapackage_path: str | Path) -> int:
    """The census year: the last year the status information describes."""
    package = read_package(datapackage_path)
    if "census_year" not in package:
        raise ValueError(
            f'{datapackage_path} has no top-level "census_year"; add the last year the '
            'status information describes, e.g. "census_year": 2025'
        )
    return int(package["census_year"])


def resource(package: dict[str, Any], name: str) -> dict[str, Any]:
    """The resource called ``name`` (its path, format, dialect and table schema)."""
    for candidate in package.get("resources", []):
        if candidate.get("name") == name:
            return candidate
    names = [r.get("name") for r in package.get("resources", [])]
    raise ValueError(f"the data package has no resource {name!r}; it has {names}")

"""The one output contract every fitted model honours (``results/models/<model>/``).

Later stages and the brief read models only through these two files, so a model can be
refitted, replaced or added without touching its readers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

TIDY_COLUMNS = ["term", "estimate", "std_error", "conf_low", "conf_high", "p_value"]
GLANCE_REQUIRED = ["nobs", "loglik", "aic", "bic", "converged"]


def write_model(
    directory: str | Path, tidy: pd.DataFrame, glance: Mapping[str, Any]
) -> None:
    """Write ``tidy.csv`` and ``glance.json`` after checking they follow the contract."""
    missing = [c for c in TIDY_COLUMNS if c not in tidy.columns]
    if missing:
        raise ValueError(f"tidy table lacks columns {missing}; required: {TIDY_COLUMNS}")
    absent = [k for k in GLANCE_REQUIRED if k not in glance]
    if absent:
        raise ValueError(f"glance lacks keys {absent}; required: {GLANCE_REQUIRED}")
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tidy[TIDY_COLUMNS + [c for c in tidy.columns if c not in TIDY_COLUMNS]].to_csv(
        out / "tidy.csv", index=False
    )
    (out / "glance.json").write_text(json.dumps(_jsonable(glance), indent=2, sort_keys=True) + "\n")


def read_model(directory: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a model written by :func:`write_model`."""
    out = Path(directory)
    return pd.read_csv(out / "tidy.csv"), json.loads((out / "glance.json").read_text())


def _jsonable(value: Any) -> Any:
    """JSON has no NaN/inf or numpy scalars: map them to null and Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_numbers(path: str | Path, numbers: Mapping[str, Any]) -> None:
    """Write a stage's ``numbers.json`` (flat; ``available`` is required)."""
    if "available" not in numbers:
        raise ValueError("numbers.json needs an 'available' key (true, or false with 'skip_reason')")
    nested = [k for k, v in numbers.items() if isinstance(v, (Mapping, list, tuple))]
    if nested:
        raise ValueError(f"numbers.json must be flat; nested values under {nested}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(_jsonable(numbers), indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def skip_reason(table: pd.DataFrame, needed: list[str], analysis: str) -> str | None:
    """A sentence for the brief when ``table`` lacks a column ``analysis`` needs, else None.

    Optional columns may be absent from a user's table; the stage then writes its outputs in
    skipped form instead of failing.
    """
    absent = [c for c in needed if c not in table.columns or table[c].isna().all()]
    if not absent:
        return None
    names = ", ".join(f"`{c}`" for c in absent)
    return f"The {analysis} was skipped: the networks table has no values in column(s) {names}."

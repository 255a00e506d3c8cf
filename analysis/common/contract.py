"""The one output contract every fitted model honours (``results/models/<model>/``).

Later stages and the brief read models only through these two files, so a model can be
refitted, replaced or added without touching its readers. Every stage writes its numbers
(``numbers.json``) and its tables (``tables/<name>.md``) for the brief through here, too.
"""

from __future__ import annotations

import json
import math
import re
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


#: A table label the brief can cross-reference as ``@tbl-name`` (Quarto's rule: no underscores).
TABLE_LABEL = re.compile(r"tbl-[a-z0-9]+(?:-[a-z0-9]+)*")
#: Separator-line marks of each alignment: first and last character of the dashes.
ALIGN_MARKS = {"left": (":", "-"), "right": ("-", ":"), "center": (":", ":")}
#: Characters of table text across the page: 8.5 pt Libertinus Serif on the PDF's 16.6 cm text
#: width holds about 125 (the HTML's 46 rem column about 100, and its tables may scroll); a
#: little less, so that the estimate errs towards wrapping text early rather than numbers.
TABLE_CHARS = 120
#: A cell's padding, in characters (Typst inset 2 × 5 pt, HTML padding 2 × 0.6 rem).
CELL_PADDING = 3
#: A text column whose longest cell is at most this long is never wrapped.
NO_WRAP = 16


def markdown_table(
    frame: pd.DataFrame, caption: str, label: str, align: Mapping[str, str] | None = None
) -> str:
    """A pipe table of ``frame`` and its caption line ``: Caption. {#tbl-name}``.

    Cells are plain text or inline markdown (``|`` is escaped here; missing values show as
    "–"). Columns of numbers are right-aligned unless ``align`` maps a column to "left",
    "right" or "center". Pandoc sizes a pipe table's columns by the dashes under its header
    once a row is longer than 72 characters, so the dashes are each column's width in a
    table :data:`TABLE_CHARS` wide: numbers and short text keep their natural width, long
    text shares the rest in proportion to its length.
    """
    if not TABLE_LABEL.fullmatch(label):
        raise ValueError(
            f"table label {label!r} must be 'tbl-' followed by lower-case words joined by "
            "hyphens (no underscores), e.g. 'tbl-model-comparison'"
        )
    caption = " ".join(caption.split())
    if not caption or "{#" in caption:
        raise ValueError(f"caption {caption!r} must be text without its label (pass label=)")
    align = dict(align or {})
    unknown = [c for c in align if c not in frame.columns]
    if unknown:
        raise ValueError(f"align names columns {unknown}; the table has {list(frame.columns)}")
    wrong = {c: a for c, a in align.items() if a not in ALIGN_MARKS}
    if wrong:
        raise ValueError(f"alignments {wrong} must be one of {sorted(ALIGN_MARKS)}")
    header = [_cell_text(name) for name in frame.columns]
    columns = [[_cell_text(v) for v in frame.iloc[:, i]] for i in range(frame.shape[1])]
    numeric = [
        _is_number_column(frame.iloc[:, i], cells) for i, cells in enumerate(columns)
    ]
    marks = [
        ALIGN_MARKS[align.get(name, "right" if number else "left")]
        for name, number in zip(frame.columns, numeric)
    ]
    widths = _column_widths(header, columns, numeric)
    separator = [f"{a}{'-' * (w - 2)}{b}" for (a, b), w in zip(marks, widths)]
    lines = [_row(header), "|" + "|".join(separator) + "|"]
    lines += [_row(list(cells)) for cells in zip(*columns)]
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"


def _cell_text(value: Any) -> str:
    """One line of text safe inside a pipe-table cell."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return "–"
    return re.sub(r"\s+", " ", str(value)).strip().replace("|", "\\|")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _is_number_column(values: pd.Series, cells: list[str]) -> bool:
    """Numbers, or text of numbers ("0.90 (0.78–0.98)", "74%"): cells with a digit and no
    letter; cells without digits ("–", "not estimable") do not decide."""
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    counted = [c for c in cells if any(ch.isdigit() for ch in c)]
    return bool(counted) and not any(ch.isalpha() for c in counted for ch in c)


def _column_widths(header: list[str], columns: list[list[str]], numeric: list[bool]) -> list[int]:
    """Each column's characters in a table :data:`TABLE_CHARS` wide (at least 3, pandoc's
    smallest separator with alignment marks).

    A column's natural width shows every cell on one line; its least width breaks text only
    between words and never breaks numbers or short text. If the natural widths fit they are
    used; else each column gets its least width plus a share of the spare width in proportion
    to how much wider it would like to be (the way browsers lay out automatic tables).
    """
    natural, least = [], []
    for name, cells, number in zip(header, columns, numeric):
        longest = max((_width(c) for c in cells), default=0)
        words = [_width(w, bold=True) for w in name.split()]
        words += [_width(w) for c in cells for w in c.split()]
        unbroken = longest if number or longest <= NO_WRAP else 0
        natural.append(max(longest, _width(name, bold=True)) + CELL_PADDING)
        least.append(max(unbroken, *words, 1) + CELL_PADDING)
    spare = TABLE_CHARS - sum(least)
    if sum(natural) <= TABLE_CHARS or spare <= 0:
        chosen = natural if spare > 0 else least
        return [max(3, w) for w in chosen]
    growth = [n - m for n, m in zip(natural, least)]
    return [max(3, round(m + spare * g / sum(growth))) for m, g in zip(least, growth)]


def _width(text: str, bold: bool = False) -> int:
    """Characters a reader sees of a cell, without escapes and bold marks; bold type (as in
    the header row) is about a tenth wider."""
    plain = re.sub(r"\\(.)", r"\1", text)
    shown = plain.replace("**", "")
    heavy = len(shown) if bold else sum(map(len, re.findall(r"\*\*(.+?)\*\*", plain)))
    return len(shown) + math.ceil(heavy / 10)

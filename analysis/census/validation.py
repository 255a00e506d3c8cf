"""Reading the raw networks table into typed columns, with every problem reported at once.

The people who maintain the census edit it in spreadsheets. When a file is wrong they need one
message that lists everything to fix, located as they see it: the file, the spreadsheet row
(the header is row 1), the column, the value, and what to write instead. Nothing is checked
from a hand-written copy of the columns: types, required cells, vocabularies, bounds and the
cross-column rules all come from the table schema in ``data/datapackage.json``, turned into
pandera checks here.

Columns present in the file but not described in the data package are kept as text with a
:class:`NetworkTableWarning` (a user may carry extra columns along); a header that looks like a
misspelt known column ("end_yr" when ``end_year`` is absent) is an error instead, because the
analysis would silently treat that column as missing.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.census.parsing import (
    check_header,
    decode_text,
    parse_rows,
    raw_frame,
    split_ragged,
    undecodable_cells,
)
from analysis.census.problems import NetworkTableError, NetworkTableWarning, Problem, first_per_cell
from analysis.census.rules import DTYPES, check_supported, rule_problems, table_rules
from analysis.common.datapackage import census_year_of, read_package, resource

__all__ = ["NetworkTableError", "NetworkTableWarning", "census_year_of", "load_networks"]


RESOURCE = "networks"


#: Table Schema defaults (v1 and v2) for boolean fields that do not set their own
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]


DEFAULT_FALSE = ["false", "False", "FALSE", "0"]


def load_networks(
    csv_path: str | Path, datapackage_path: str | Path, census_year: int | None = None
) -> pd.DataFrame:
    """The networks table with typed columns, or :class:`NetworkTableError` listing all problems.

    Integer fields become ``Int64``, boolean fields ``boolean``, all others ``string``; empty
    cells are ``<NA>``. Optional columns absent from the file stay absent. ``census_year``
    (default: the data package's) is the latest year any year column may hold.
    """
    csv_path = Path(csv_path)
    package = read_package(datapackage_path)
    year = census_year_of(datapackage_path) if census_year is None else int(census_year)
    table = resource(package, RESOURCE)
    schema = table["schema"]
    fields = {field["name"]: field for field in schema["fields"]}
    check_supported(fields, Path(datapackage_path).name)

    encoding = table.get("encoding", "utf-8")
    text = decode_text(csv_path, encoding)
    records, problems = parse_rows(csv_path, text, table.get("dialect", {}))
    header = records[0][1]
    problems += undecodable_cells(records, text, encoding)
    rows, ragged = split_ragged(records)
    problems += ragged
    header_problems, usable = check_header(header, fields, rows)
    problems += header_problems
    typed = pd.DataFrame()
    if usable:
        typed, type_problems = _typed(
            raw_frame(header, rows), fields, schema.get("missingValues", [""])
        )
        problems += type_problems
        problems += rule_problems(typed, table_rules(typed, schema, year, Path(datapackage_path).name))
    problems = first_per_cell(problems, header)
    if problems:
        raise NetworkTableError(csv_path, problems)
    extra = [name for name in header if name not in fields]
    if extra:
        warnings.warn(
            f"{csv_path.name}: columns not described in {Path(datapackage_path).name} are kept "
            f"as text, unchecked: {', '.join(extra)}. Describe them in the data package to "
            "have them checked and typed.",
            NetworkTableWarning,
            stacklevel=2,
        )
    ordered = [name for name in fields if name in typed.columns] + extra
    return typed[ordered].reset_index(drop=True)


def _typed(
    frame: pd.DataFrame, fields: dict[str, dict[str, Any]], missing_values: list[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Each column cast to the type its field declares; cells that do not cast are problems."""
    typed: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for column in frame.columns:
        field = fields.get(column, {"name": column})
        kind = field.get("type", "string")
        cells = frame[column]
        missing = cells.isin(missing_values)
        if kind == "integer":
            ok = cells.str.fullmatch(r"[+-]?\d+") & ~missing
            values = pd.to_numeric(cells.where(ok))
            example = field.get("example", 12)
            hint = f"is not a whole number. Fix: write digits only, e.g. {example}."
        elif kind == "boolean":
            true = field.get("trueValues", DEFAULT_TRUE)
            false = field.get("falseValues", DEFAULT_FALSE)
            ok = cells.isin(true + false)
            values = cells.where(ok).map(
                {**dict.fromkeys(true, True), **dict.fromkeys(false, False)}
            )
            hint = f"is not true or false. Fix: write one of {', '.join(true + false)}."
        else:
            ok = ~missing
            values = cells.where(ok)
            hint = ""
        typed[column] = values.astype(DTYPES[kind])
        for number, cell in cells[~ok & ~missing].items():
            problems.append(Problem(hint, rows=(int(number),), column=column, value=cell))
    return pd.DataFrame(typed, index=frame.index), problems

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

import csv
import difflib
import io
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from analysis.datapackage import census_year_of, read_package, resource

__all__ = ["NetworkTableError", "NetworkTableWarning", "census_year_of", "load_networks"]

#: how many problems a message lists before "... and N more"
MAX_LISTED = 50
RESOURCE = "networks"
DTYPES = {"integer": "Int64", "boolean": "boolean", "string": "string"}
#: Table Schema defaults (v1 and v2) for boolean fields that do not set their own
DEFAULT_TRUE = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE = ["false", "False", "FALSE", "0"]
SUPPORTED_CONSTRAINTS = {"required", "unique", "pattern", "enum", "minimum", "maximum"}
OTHER_DELIMITERS = {";": "';'", "\t": "tabs", "|": "'|'"}
UTF8_FIX = (
    "Fix: save the file with UTF-8 encoding (Excel: Save As > 'CSV UTF-8 (Comma delimited)'; "
    "LibreOffice: Save As > Text CSV, character set 'Unicode (UTF-8)')."
)
_UNDECODABLE = re.compile("[\udc80-\udcff]+")  # bytes kept by the "surrogateescape" handler


class NetworkTableError(ValueError):
    """The networks table cannot be used; the message lists every problem found."""

    def __init__(self, path: str | Path, problems: Sequence[Problem]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(_report(self.path, self.problems))


class NetworkTableWarning(UserWarning):
    """The table is usable but carries something the data package does not describe."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the table, located as a spreadsheet user finds it.

    ``rows`` are spreadsheet rows (header = row 1; empty for the file as a whole), ``line`` and
    ``byte`` locate undecodable bytes, ``text`` says what is wrong and ends with "Fix: ...".
    """

    text: str
    rows: tuple[int, ...] = ()
    column: str | None = None
    value: str | None = None
    line: int | None = None
    byte: int | None = None

    def located(self, file_name: str) -> str:
        """The problem as one line of the report, starting with the file name."""
        where = [file_name]
        if self.rows:
            where.append(_rows_phrase(self.rows))
        if self.line is not None:
            where.append(
                f"line {self.line}"
                + (f", byte offset {self.byte}" if self.byte is not None else "")
            )
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.value is not None:
            where.append(f'value "{_shorten(self.value)}"')
        return f"{', '.join(where)}: {self.text}"


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
    _check_supported(fields, Path(datapackage_path).name)

    encoding = table.get("encoding", "utf-8")
    text = _decode(csv_path, encoding)
    records, problems = _parse(csv_path, text, table.get("dialect", {}))
    header = records[0][1]
    problems += _undecodable_cells(records, text, encoding)
    rows, ragged = _split_ragged(records)
    problems += ragged
    header_problems, usable = _check_header(header, fields, rows)
    problems += header_problems
    typed = pd.DataFrame()
    if usable:
        typed, type_problems = _typed(
            _raw_frame(header, rows), fields, schema.get("missingValues", [""])
        )
        problems += type_problems
        problems += _rule_problems(typed, _rules(typed, schema, year, Path(datapackage_path).name))
    problems = _first_per_cell(problems, header)
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


# --- reading the file ---------------------------------------------------------------------


def _decode(path: Path, encoding: str) -> str:
    """The file's text; undecodable bytes survive as lone surrogates, reported per cell later."""
    raw = path.read_bytes()
    if not raw.strip():
        size = "0 bytes" if not raw else "only blank space"
        raise NetworkTableError(
            path,
            [
                Problem(
                    f"the file is empty ({size}). Fix: export the table again with the header "
                    "row (network_id,name,founded_year,...) and one row per network."
                )
            ],
        )
    text = raw.decode(encoding, errors="surrogateescape")
    return text.removeprefix("\ufeff")  # a byte-order mark, as Excel writes it


def _parse(
    path: Path, text: str, dialect: dict[str, Any]
) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """The non-blank records with their spreadsheet row numbers (header first), and problems.

    Stops at once when the header shows the file uses another separator: every row would be
    one cell and nothing else could be said.
    """
    delimiter = dialect.get("delimiter", ",")
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar=dialect.get("quoteChar", '"')
    )
    records: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if number == 1:
                _check_delimiter(path, text, cells, delimiter)
            if number == 1 or any(cell.strip() for cell in cells):
                records.append((number, cells))
    except csv.Error as error:
        problems.append(
            Problem(
                f"the file cannot be read as CSV from here on ({error}). Fix: check the quotes: "
                "a cell that contains a double quote must be wrapped in double quotes, with the "
                'quote inside doubled ("").',
                line=reader.line_num,
            )
        )
    if len(records) == 1 and not problems:
        problems.append(
            Problem(
                "the file has a header row but no data rows. Fix: add one row per network "
                "under the header.",
                rows=(1,),
            )
        )
    return records, problems


def _check_delimiter(path: Path, text: str, header: list[str], delimiter: str) -> None:
    """Stop early when the file was saved with another separator."""
    if len(header) > 1:
        return
    first_line = text.split("\n", 1)[0]
    counts = {other: first_line.count(other) for other in OTHER_DELIMITERS if other != delimiter}
    other = max(counts, key=counts.__getitem__)
    if counts[other] == 0:
        return
    raise NetworkTableError(
        path,
        [
            Problem(
                f"the file seems to be separated by {OTHER_DELIMITERS[other]}, not {delimiter!r}. "
                "Fix: save it as comma-separated CSV (Excel: Save As > 'CSV UTF-8 (Comma "
                "delimited)'; LibreOffice: field delimiter ',').",
                rows=(1,),
            )
        ],
    )


def _undecodable_cells(
    records: list[tuple[int, list[str]]], text: str, encoding: str
) -> list[Problem]:
    """Cells holding bytes that are not valid in the declared encoding.

    Records hold every non-blank cell in the order of the text, so the n-th run of
    undecodable bytes in the text is the n-th one found cell by cell: that pairs each cell
    with its line and byte position.
    """
    header = records[0][1]
    positions = _undecodable_positions(text, encoding)
    problems: list[Problem] = []
    for number, cells in records:
        for index, cell in enumerate(cells):
            runs = list(_UNDECODABLE.finditer(cell))
            if not runs:
                continue
            line, byte = next(positions)
            for _ in runs[1:]:
                next(positions)
            codes = [f"0x{ord(c) - 0xDC00:02X}" for run in runs for c in run.group()]
            bad = f"byte {codes[0]} is" if len(codes) == 1 else f"bytes {', '.join(codes)} are"
            shown = cell.encode(encoding, "surrogateescape").decode(encoding, "backslashreplace")
            problems.append(
                Problem(
                    f"{bad} not valid {encoding.upper()}; the file seems to be saved in another "
                    f"encoding (often Latin-1 / Windows-1252). {UTF8_FIX}",
                    rows=(number,),
                    column=header[index] if number > 1 and index < len(header) else None,
                    value=_excerpt(shown, shown.find("\\x")),
                    line=line,
                    byte=byte,
                )
            )
    return problems


def _undecodable_positions(text: str, encoding: str) -> Iterator[tuple[int, int]]:
    """(line, byte offset) of each run of undecodable bytes, in text order."""
    line, byte, previous = 1, 0, 0
    for match in _UNDECODABLE.finditer(text):
        chunk = text[previous : match.start()]
        line += chunk.count("\n")
        byte += len(chunk.encode(encoding, "surrogateescape"))
        previous = match.start()
        yield line, byte


def _split_ragged(
    records: list[tuple[int, list[str]]],
) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """Data rows that line up with the header, and a problem for each row that does not.

    A ragged row is left out of the cell checks: its columns would be shifted.
    """
    expected = len(records[0][1])
    rows, problems = [], []
    for number, cells in records[1:]:
        if len(cells) == expected:
            rows.append((number, cells))
            continue
        if len(cells) > expected and not any(c.strip() for c in cells[expected:]):
            fix = "delete the separators after the last column"
        elif len(cells) > expected:
            fix = (
                "a cell probably contains a comma without being quoted: wrap that cell in "
                "double quotes, or remove the extra comma"
            )
        else:
            fix = (
                "add the missing cells (empty cells still need their commas), or close a "
                "double quote that was opened in this row and never closed"
            )
        problems.append(
            Problem(
                f"the row has {len(cells)} cells but the header has {expected} (first cell "
                f'"{_shorten(cells[0])}"). Fix: {fix}.',
                rows=(number,),
            )
        )
    return rows, problems


# --- the header ---------------------------------------------------------------------------


def _check_header(
    header: list[str], fields: dict[str, dict[str, Any]], rows: list[tuple[int, list[str]]]
) -> tuple[list[Problem], bool]:
    """Problems with the column names, and whether the cells can be checked column by column."""
    problems: list[Problem] = []
    required = [n for n, f in fields.items() if f.get("constraints", {}).get("required")]
    missing = [name for name in required if name not in header]
    if missing:
        problems.append(
            Problem(
                f"required column(s) {', '.join(missing)} missing. Required columns: "
                f"{', '.join(required)}; found: {', '.join(header) or 'none'}. Fix: add the "
                "column with exactly this name in the header row, or rename the column that "
                "holds it.",
            )
        )
    absent = [name for name in fields if name not in header]
    for position, name in enumerate(header, start=1):
        if not name.strip():
            problems.append(
                Problem(
                    f"column {position} has no name. Fix: name it, or delete the column if it "
                    "is empty.",
                    rows=(1,),
                )
            )
        elif header.count(name) > 1 and header.index(name) == position - 1:
            places = [str(i) for i, other in enumerate(header, start=1) if other == name]
            problems.append(
                Problem(
                    f"the column name appears {len(places)} times (columns {', '.join(places)}). "
                    "Fix: keep one of them and rename or delete the others.",
                    rows=(1,),
                    column=name,
                )
            )
        elif name not in fields:
            close = difflib.get_close_matches(name.strip().lower(), absent, n=1, cutoff=0.75)
            if close:
                problems.append(
                    Problem(
                        f"unknown column; the table has no column {close[0]}, which this one "
                        f"looks like. Fix: rename the header to {close[0]} (exact spelling), or "
                        "rename it to something clearly different if it is another variable.",
                        rows=(1,),
                        column=name,
                    )
                )
    usable = bool(rows) and len(set(header)) == len(header) and all(n.strip() for n in header)
    return problems, usable


# --- typing the cells ---------------------------------------------------------------------


def _raw_frame(header: list[str], rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """The cells as text, indexed by spreadsheet row number."""
    return pd.DataFrame(
        [cells for _, cells in rows], columns=header, index=[n for n, _ in rows], dtype=object
    )


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


# --- rules from the table schema, run by pandera ------------------------------------------


@dataclass(frozen=True)
class _Rule:
    """One check from the table schema: where it applies and how to explain a failing row.

    ``test`` takes the column (or, when ``row_wise``, the whole frame) and is True where the
    row passes. ``grouped`` rules explain all failing rows that share a value in one problem.
    """

    column: str
    test: Callable[[Any], pd.Series]
    explain: Callable[[pd.Series], str]
    row_wise: bool = False
    grouped: bool = False


def _rules(
    frame: pd.DataFrame, schema: dict[str, Any], census_year: int, package_name: str
) -> list[_Rule]:
    """The table schema's constraints and custom ``x-`` rules for the columns present."""
    rules: list[_Rule] = []
    for field in schema["fields"]:
        if field["name"] not in frame.columns:
            continue
        rules += _constraint_rules(field, schema.get("primaryKey", []))
        if "x-list-enum" in field:
            rules.append(_list_enum_rule(field))
        for key, after in (("x-not-after", True), ("x-not-before", False)):
            for reference in field.get(key, []):
                rule = _order_rule(field, reference, frame, census_year, package_name, after)
                rules += [rule] if rule else []
    for requirement in schema.get("x-conditional-requirements", []):
        if requirement["when"]["field"] in frame.columns:
            rules.append(_conditional_rule(requirement, frame))
    return rules


def _constraint_rules(field: dict[str, Any], primary_key: list[str] | str) -> list[_Rule]:
    """The standard Table Schema constraints of one field (a one-field primary key is unique)."""
    name, constraints = field["name"], field.get("constraints", {})
    about = field.get("description", field.get("title", name))
    rules: list[_Rule] = []
    if constraints.get("required"):
        rules.append(
            _Rule(
                name,
                lambda s: s.notna(),
                lambda row: f"the cell is empty but {name} is required ({about}). Fix: fill it in.",
            )
        )
    if constraints.get("unique") or primary_key in ([name], name):
        rules.append(
            _Rule(
                name,
                lambda s: ~(s.duplicated(keep=False) & s.notna()),
                lambda row: f"{name} must be unique but these rows share the value. Fix: give "
                "each network its own identifier, or delete the duplicate row.",
                grouped=True,
            )
        )
    if "pattern" in constraints:
        pattern, example = constraints["pattern"], field.get("example")
        rules.append(
            _Rule(
                name,
                lambda s: s.str.fullmatch(pattern).fillna(True).astype(bool),
                lambda row: f"does not have the required form ({about}). Fix: rewrite it"
                + (f" like {example}." if example else f" to match the pattern {pattern}."),
            )
        )
    if "enum" in constraints:
        allowed = constraints["enum"]
        rules.append(
            _Rule(
                name,
                lambda s: s.isin(allowed).fillna(False).astype(bool) | s.isna(),
                lambda row: f"is not an allowed value. Fix: use one of {', '.join(allowed)} "
                "(exact spelling).",
            )
        )
    for bound, fails, word in (("minimum", "lt", "below"), ("maximum", "gt", "above")):
        if bound in constraints:
            limit = constraints[bound]
            rules.append(
                _Rule(
                    name,
                    lambda s, lim=limit, op=fails: ~getattr(s, op)(lim).fillna(False),
                    lambda row, lim=limit, w=word, b=bound: f"is {w} the {b} {lim}. Fix: "
                    "correct the value (a typo?).",
                )
            )
    return rules


def _list_enum_rule(field: dict[str, Any]) -> _Rule:
    """Every item of a multi-valued cell must come from the field's ``x-list-enum``."""
    name, allowed, sep = field["name"], field["x-list-enum"], field.get("x-separator", ";")

    def unknown(cell: Any) -> list[str]:
        return [] if pd.isna(cell) else [i for i in str(cell).split(sep) if i not in allowed]

    def explain(row: pd.Series) -> str:
        bad = ", ".join(f'"{item}"' for item in unknown(row[name]))
        return (
            f"unknown value(s) {bad}. Fix: use only {', '.join(allowed)}, separated by "
            f'"{sep}" without spaces.'
        )

    return _Rule(name, lambda s: s.map(lambda c: not unknown(c)).astype(bool), explain)


def _order_rule(
    field: dict[str, Any],
    reference: str,
    frame: pd.DataFrame,
    census_year: int,
    package_name: str,
    after: bool,
) -> _Rule | None:
    """``x-not-after`` / ``x-not-before``: a year may not pass the census year or another column."""
    name = field["name"]
    if reference == "census_year":
        if not after:
            raise ValueError(f"{package_name}: x-not-before cannot refer to census_year ({name})")
        return _Rule(
            name,
            lambda s: ~(s > census_year).fillna(False),
            lambda row: f"is after the census year {census_year}. Fix: correct the year; if "
            f'the table describes a later census, raise "census_year" in {package_name}.',
        )
    if reference not in frame.columns:
        return None
    word, fails = ("after", "gt") if after else ("before", "lt")
    return _Rule(
        name,
        lambda d: ~getattr(d[name], fails)(d[reference]).fillna(False),
        lambda row: f"is {word} {reference} {row[reference]} in the same row. Fix: correct "
        "one of the two years.",
        row_wise=True,
    )


def _conditional_rule(requirement: dict[str, Any], frame: pd.DataFrame) -> _Rule:
    """Cells that must be filled when another column holds given values."""
    when, needed = requirement["when"], requirement["require_any"]
    present = [c for c in needed if c in frame.columns]

    def test(d: pd.DataFrame) -> pd.Series:
        applies = d[when["field"]].isin(when["in"]).fillna(False).astype(bool)
        filled = d[present].notna().any(axis=1) if present else False
        return ~applies | filled

    return _Rule(
        when["field"],
        test,
        lambda row: f"{when['field']} is {row[when['field']]} but neither "
        f"{' nor '.join(needed)} is filled in. "
        f"{requirement.get('description', '')} Fix: fill in {' or '.join(needed)}.",
        row_wise=True,
    )


def _rule_problems(frame: pd.DataFrame, rules: list[_Rule]) -> list[Problem]:
    """Run the rules as one lazy pandera schema and turn its failure cases into problems."""
    keys = {f"rule-{i}": rule for i, rule in enumerate(rules)}

    def check(key: str, rule: _Rule) -> pa.Check:
        return pa.Check(rule.test, error=key, ignore_na=False)

    schema = pa.DataFrameSchema(
        {
            column: pa.Column(
                str(frame[column].dtype),
                checks=[
                    check(k, r) for k, r in keys.items() if r.column == column and not r.row_wise
                ],
                nullable=True,
            )
            for column in frame.columns
        },
        checks=[check(k, r) for k, r in keys.items() if r.row_wise],
    )
    try:
        with warnings.catch_warnings():
            # pandera's own report building trips a pandas deprecation; it says nothing to users
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        failures = errors.failure_cases
        if not set(failures["check"]) <= set(keys):
            raise RuntimeError(
                "the typed table fails checks not derived from the schema"
            ) from errors
    else:
        return []
    problems: list[Problem] = []
    for key, cases in failures.groupby("check", sort=False):
        rule = keys[key]
        rows = sorted({int(i) for i in cases["index"]})
        if rule.grouped:
            values = frame.loc[rows, rule.column]
            for value, group in values.groupby(values, sort=False):
                problems.append(
                    Problem(
                        rule.explain(frame.loc[group.index[0]]),
                        rows=tuple(int(i) for i in group.index),
                        column=rule.column,
                        value=str(value),
                    )
                )
            continue
        for number in rows:
            row = frame.loc[number]
            value = row[rule.column]
            problems.append(
                Problem(
                    rule.explain(row),
                    rows=(number,),
                    column=rule.column,
                    value=None if pd.isna(value) else str(value),
                )
            )
    return problems


# --- the report ---------------------------------------------------------------------------


def _check_supported(fields: dict[str, dict[str, Any]], package_name: str) -> None:
    """Refuse a data package that asks for checks this reader would silently skip."""
    for name, field in fields.items():
        if field.get("type", "string") not in DTYPES:
            raise ValueError(
                f"{package_name}: field {name} has type {field['type']!r}; the networks reader "
                f"handles {', '.join(DTYPES)}"
            )
        unknown = set(field.get("constraints", {})) - SUPPORTED_CONSTRAINTS
        if unknown:
            raise ValueError(
                f"{package_name}: field {name} uses constraint(s) {sorted(unknown)} that the "
                f"networks reader does not check; it checks {sorted(SUPPORTED_CONSTRAINTS)}"
            )


def _first_per_cell(problems: list[Problem], header: list[str]) -> list[Problem]:
    """One problem per cell (the first found: encoding, then type, then rules), in reading order.

    A cell that does not parse is empty for the later checks, which would otherwise report it
    again as a missing required value.
    """
    seen: set[tuple[int, str]] = set()
    kept: list[Problem] = []
    for problem in problems:
        if len(problem.rows) == 1 and problem.column is not None:
            cell = (problem.rows[0], problem.column)
            if cell in seen:
                continue
            seen.add(cell)
        kept.append(problem)
    position = {name: i for i, name in enumerate(header)}
    return sorted(kept, key=lambda p: (p.rows[0] if p.rows else 0, position.get(p.column, -1)))


def _report(path: Path, problems: list[Problem]) -> str:
    """The error message: a summary line, then one line per problem, capped."""
    count = len(problems)
    lines = [
        f"{path} cannot be used: {count} problem{'s' if count != 1 else ''} "
        "(rows are numbered as in a spreadsheet: the header is row 1)."
    ]
    lines += [f"  - {p.located(path.name)}" for p in problems[:MAX_LISTED]]
    if count > MAX_LISTED:
        lines.append(f"  ... and {count - MAX_LISTED} more.")
    return "\n".join(lines)


def _rows_phrase(rows: tuple[int, ...]) -> str:
    """'row 1 (header)', 'row 7', 'rows 5 and 9', 'rows 5, 9 and 12'."""
    if rows == (1,):
        return "row 1 (header)"
    if len(rows) == 1:
        return f"row {rows[0]}"
    return f"rows {', '.join(map(str, rows[:-1]))} and {rows[-1]}"


def _excerpt(value: str, at: int, width: int = 30) -> str:
    """The part of a long cell around position ``at``."""
    start, end = max(0, at - width), at + width
    return ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")


def _shorten(value: str, limit: int = 80) -> str:
    """Long cells (notes, sources) cut for the message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"

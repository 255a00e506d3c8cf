"""Parsing a raw census file: encoding, delimiter, header and ragged rows.

The file is read as text first, so that every problem a spreadsheet export can have (a
wrong encoding, another delimiter, a misspelt header, a row with too many cells) is found and
located before any value is typed.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.census.problems import UTF8_FIX, NetworkTableError, Problem, excerpt_at, shortened

OTHER_DELIMITERS = {";": "';'", "\t": "tabs", "|": "'|'"}


_UNDECODABLE = re.compile("[\udc80-\udcff]+")  # bytes kept by the "surrogateescape" handler


def decode_text(path: Path, encoding: str) -> str:
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


def parse_rows(
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


def undecodable_cells(
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
                    value=excerpt_at(shown, shown.find("\\x")),
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


def split_ragged(
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
                f'"{shortened(cells[0])}"). Fix: {fix}.',
                rows=(number,),
            )
        )
    return rows, problems


def check_header(
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


def raw_frame(header: list[str], rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """The cells as text, indexed by spreadsheet row number."""
    return pd.DataFrame(
        [cells for _, cells in rows], columns=header, index=[n for n, _ in rows], dtype=object
    )

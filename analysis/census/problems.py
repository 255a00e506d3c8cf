"""A problem in the census file, located as its editor sees it, and the one message listing all.

People who maintain the census edit it in spreadsheets, so every problem names the file, the
spreadsheet row (the header is row 1), the column and the value, and says what to write instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: how many problems a message lists before "... and N more"
MAX_LISTED = 50


UTF8_FIX = (
    "Fix: save the file with UTF-8 encoding (Excel: Save As > 'CSV UTF-8 (Comma delimited)'; "
    "LibreOffice: Save As > Text CSV, character set 'Unicode (UTF-8)')."
)


class NetworkTableError(ValueError):
    """The networks table cannot be used; the message lists every problem found."""

    def __init__(self, path: str | Path, problems: Sequence[Problem]) -> None:
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(problems_report(self.path, self.problems))


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
            where.append(f'value "{shortened(self.value)}"')
        return f"{', '.join(where)}: {self.text}"


def first_per_cell(problems: list[Problem], header: list[str]) -> list[Problem]:
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


def problems_report(path: Path, problems: list[Problem]) -> str:
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


def excerpt_at(value: str, at: int, width: int = 30) -> str:
    """The part of a long cell around position ``at``."""
    start, end = max(0, at - width), at + width
    return ("…" if start else "") + value[start:end] + ("…" if end < len(value) else "")


def shortened(value: str, limit: int = 80) -> str:
    """Long cells (notes, sources) cut for the message."""
    return value if len(value) <= limit else value[: limit - 1] + "…"

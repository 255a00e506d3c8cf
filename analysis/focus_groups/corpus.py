"""Focus groups with city officials: the coded corpus and what it says (methods.md §4).

The paper's fourth policy implication rests on what officials said in focus groups: cities
join networks for investment and legitimacy but call the network a "community of practice".
This module makes that qualitative evidence reproducible: it loads and validates a coded
corpus (four CSV tables plus ``codebook.yaml``), counts codes and themes by segments,
participants and sessions, measures co-occurrence, traces saturation across sessions and
picks exemplar quotes by a fixed rule, so every number in the brief can be rebuilt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.focus_groups.codebook import NO_CODE, Codebook, load_codebook

#: The four tables of a corpus and their required columns, in file order.
COLUMNS: dict[str, list[str]] = {
    "sessions": ["session_id", "date", "place", "network", "n_participants", "language"],
    "participants": ["pseudonym", "session_id", "role", "city_size_class", "country"],
    "segments": ["segment_id", "session_id", "pseudonym", "turn", "text"],
    "codings": ["segment_id", "coder", "code"],
}


def step_seed(seed: int, step: str) -> int:
    """An independent seed for one random step, derived from the workflow's single seed."""
    return int(np.random.SeedSequence([seed, *step.encode("utf-8")]).generate_state(1)[0])


@dataclass(frozen=True)
class Problem:
    """One bad value, located as a spreadsheet user sees it (header = row 1)."""

    file: str
    row: int | None
    column: str
    value: str
    issue: str
    fix: str

    def __str__(self) -> str:
        if self.row is None:
            return f"{self.file}, header (row 1): column '{self.column}' {self.issue}. Fix: {self.fix}."
        value = f"value '{self.value}'" if self.value != "" else "(empty)"
        return f"{self.file}, row {self.row}, column '{self.column}': {value} {self.issue}. Fix: {self.fix}."


class CorpusError(ValueError):
    """The corpus has bad values; ``problems`` lists all of them, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        lines = "\n  - ".join(str(p) for p in self.problems)
        super().__init__(
            f"The focus-group corpus has {len(self.problems)} problem(s):\n  - {lines}"
        )


@dataclass(frozen=True)
class Corpus:
    """A validated corpus: typed tables plus the codebook they were coded with."""

    sessions: pd.DataFrame
    participants: pd.DataFrame
    segments: pd.DataFrame
    codings: pd.DataFrame
    codebook: Codebook = field(repr=False)

    @property
    def coders(self) -> list[str]:
        return sorted(self.codings["coder"].unique())


def read_corpus_tables(directory: str | Path) -> dict[str, pd.DataFrame]:
    """The four CSV tables as text (no type guessing: validation reports bad values)."""
    folder = Path(directory)
    missing = [f"{name}.csv" for name in COLUMNS if not (folder / f"{name}.csv").is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {', '.join(missing)}. Fix: put the corpus tables there "
            "(see data/datapackage.json) or set focus_groups.source: synthetic in config."
        )
    return {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in COLUMNS
    }


def load_processed(codebook_path: str | Path, provenance_path: str | Path) -> tuple[Codebook, Corpus, bool]:
    """The codebook, the pseudonymised corpus beside ``provenance.json``, and whether it is
    synthetic: what every analysis step of the stage starts from."""
    codebook = load_codebook(codebook_path)
    corpus = load_corpus(Path(provenance_path).parent, codebook)
    synthetic = bool(json.loads(Path(provenance_path).read_text(encoding="utf-8"))["synthetic"])
    return codebook, corpus, synthetic


def load_corpus(directory: str | Path, codebook: Codebook) -> Corpus:
    """Read and validate a corpus directory (``sessions.csv`` … ``codings.csv``)."""
    return validate_corpus(read_corpus_tables(directory), codebook)


def write_corpus(corpus: Corpus, directory: str | Path) -> None:
    """Write the validated tables (pseudonymised only; same format as the input)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for name in COLUMNS:
        getattr(corpus, name).to_csv(folder / f"{name}.csv", index=False)


def validate_corpus(tables: Mapping[str, pd.DataFrame], codebook: Codebook) -> Corpus:
    """Check every table and the links between them; raise :class:`CorpusError` listing all.

    Checks: required columns; unique ids (sessions, participants, segments, and one row per
    segment × coder × code); every participant's and segment's session exists; every segment's
    speaker is a participant of that session; every coding names a coder, an existing segment
    and a code of the codebook (or ``none``); integers and ISO dates parse.
    """
    text = {name: _as_text(tables[name]) for name in COLUMNS}
    problems: list[Problem] = []
    for name, columns in COLUMNS.items():
        for column in columns:
            if column not in text[name].columns:
                problems.append(
                    Problem(
                        f"{name}.csv",
                        None,
                        column,
                        "",
                        "is missing",
                        f"add a column named '{column}'",
                    )
                )
    if problems:
        raise CorpusError(problems)

    sessions, participants = text["sessions"], text["participants"]
    segments, codings = text["segments"], text["codings"]
    problems += _required(sessions, "sessions.csv", ["session_id"])
    problems += _required(participants, "participants.csv", ["pseudonym", "session_id"])
    problems += _required(
        segments, "segments.csv", ["segment_id", "session_id", "pseudonym", "text"]
    )
    problems += _required(codings, "codings.csv", ["segment_id", "code"])
    problems += [
        Problem(
            "codings.csv",
            _row(i),
            "coder",
            "",
            "is a coding without a coder",
            "write the coder's id (e.g. A) so reliability can be computed",
        )
        for i in codings.index[codings["coder"] == ""]
    ]
    problems += _duplicates(sessions, "sessions.csv", ["session_id"])
    problems += _duplicates(participants, "participants.csv", ["pseudonym"])
    problems += _duplicates(segments, "segments.csv", ["segment_id"])
    problems += _duplicates(codings, "codings.csv", ["segment_id", "coder", "code"])

    session_ids = set(sessions["session_id"])
    fix_session = "add the session to sessions.csv or correct the id"
    for name, table in (("participants.csv", participants), ("segments.csv", segments)):
        problems += _unknown(
            table, name, "session_id", session_ids, "is not a session in sessions.csv", fix_session
        )
    speaker_session = dict(zip(participants["pseudonym"], participants["session_id"]))
    problems += _unknown(
        segments,
        "segments.csv",
        "pseudonym",
        set(speaker_session),
        "is not a participant in participants.csv",
        "add the participant to participants.csv or correct the pseudonym",
    )
    for i, row in segments.iterrows():
        home = speaker_session.get(row["pseudonym"])
        if home and row["session_id"] in session_ids and home != row["session_id"]:
            problems.append(
                Problem(
                    "segments.csv",
                    _row(i),
                    "pseudonym",
                    row["pseudonym"],
                    f"took part in session {home}, not {row['session_id']}",
                    "correct the segment's session_id or pseudonym",
                )
            )
    problems += _unknown(
        codings,
        "codings.csv",
        "segment_id",
        set(segments["segment_id"]),
        "is not a segment in segments.csv",
        "add the segment to segments.csv or correct the id",
    )
    known = set(codebook.code_ids) | {NO_CODE}
    problems += _unknown(
        codings,
        "codings.csv",
        "code",
        known,
        f"is not a code of codebook version {codebook.version}",
        f"use a code id from codebook.yaml, or '{NO_CODE}' when no code applies",
    )
    mixed = (
        codings[codings["code"] != ""]
        .groupby(["segment_id", "coder"])["code"]
        .agg(lambda c: NO_CODE in set(c) and len(set(c)) > 1)
    )
    for segment_id, coder in mixed[mixed].index:
        i = codings.index[
            (codings["segment_id"] == segment_id)
            & (codings["coder"] == coder)
            & (codings["code"] == NO_CODE)
        ][0]
        problems.append(
            Problem(
                "codings.csv",
                _row(i),
                "code",
                NO_CODE,
                f"contradicts other codes coder {coder} gave segment {segment_id}",
                f"remove the '{NO_CODE}' row or the other codes",
            )
        )
    if "codebook_version" in codings.columns:
        problems += _unknown(
            codings,
            "codings.csv",
            "codebook_version",
            {codebook.version},
            f"differs from the codebook's version {codebook.version}",
            "recode with the current codebook or ship the matching codebook",
        )
    problems += _integers(sessions, "sessions.csv", "n_participants", minimum=1)
    problems += _integers(segments, "segments.csv", "turn", minimum=0)
    dates = pd.to_datetime(sessions["date"], format="%Y-%m-%d", errors="coerce")
    problems += [
        Problem(
            "sessions.csv",
            _row(i),
            "date",
            sessions.at[i, "date"],
            "is not a date",
            "write it as YYYY-MM-DD",
        )
        for i in sessions.index[dates.isna() & (sessions["date"] != "")]
    ]
    if problems:
        raise CorpusError(problems)

    sessions = sessions.assign(
        n_participants=sessions["n_participants"].replace("", pd.NA).astype("Int64")
    )
    segments = segments.assign(turn=segments["turn"].replace("", pd.NA).astype("Int64"))
    return Corpus(sessions, participants, segments, codings, codebook)


def _as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Cells as stripped strings, missing as "" (CSV text and generated frames alike)."""
    return table.astype(object).where(table.notna(), "").astype(str).apply(lambda c: c.str.strip())


def _row(index: int) -> int:
    """Spreadsheet row of a data row (header = row 1)."""
    return int(index) + 2


def _required(table: pd.DataFrame, name: str, columns: Sequence[str]) -> list[Problem]:
    return [
        Problem(name, _row(i), column, "", "is required", f"fill in '{column}'")
        for column in columns
        for i in table.index[table[column] == ""]
    ]


def _duplicates(table: pd.DataFrame, name: str, key: list[str]) -> list[Problem]:
    filled = table[(table[key] != "").all(axis=1)]
    repeated = filled[filled.duplicated(key, keep="first")]
    first = filled.drop_duplicates(key).reset_index().set_index(key)["index"]
    problems = []
    for i, row in repeated.iterrows():
        lookup = tuple(row[key]) if len(key) > 1 else row[key[0]]
        what = "row" if len(key) > 1 else key[0]
        problems.append(
            Problem(
                name,
                _row(i),
                key[-1],
                row[key[-1]],
                f"duplicates row {_row(first.loc[lookup])} ({', '.join(key)})",
                f"give each {what} a unique id or delete the repeated row",
            )
        )
    return problems


def _unknown(
    table: pd.DataFrame, name: str, column: str, allowed: set[str], issue: str, fix: str
) -> list[Problem]:
    bad = table.index[(table[column] != "") & ~table[column].isin(allowed)]
    return [Problem(name, _row(i), column, table.at[i, column], issue, fix) for i in bad]


def _integers(table: pd.DataFrame, name: str, column: str, minimum: int) -> list[Problem]:
    values = pd.to_numeric(table[column], errors="coerce")
    ok = values.notna() & (values == values.round()) & (values >= minimum)
    bad = table.index[~ok & (table[column] != "")]
    return [
        Problem(
            name,
            _row(i),
            column,
            table.at[i, column],
            "is not a whole number",
            f"write a whole number ≥ {minimum}",
        )
        for i in bad
    ]

"""Focus groups with city officials: the coded corpus and what it says (methods.md §4).

The paper's fourth policy implication rests on what officials said in focus groups: cities
join networks for investment and legitimacy but call the network a "community of practice".
This module makes that qualitative evidence reproducible: it loads and validates a coded
corpus (four CSV tables plus ``codebook.yaml``), counts codes and themes by segments,
participants and sessions, measures co-occurrence, traces saturation across sessions and
picks exemplar quotes by a fixed rule, so every number in the brief can be rebuilt.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from statsmodels.stats.proportion import proportion_confint

from analysis.contract import markdown_table
from analysis.figure_style import WIDTH, apply_theme, save_figure
from analysis.reliability import (
    THRESHOLDS,
    Estimate,
    alpha_from_coincidences,
    bootstrap,
    kappa_from_table,
    unit_coincidences,
    unit_tables,
    verdict,
)
from analysis.wording import format_share

#: The four tables of a corpus and their required columns, in file order.
COLUMNS: dict[str, list[str]] = {
    "sessions": ["session_id", "date", "place", "network", "n_participants", "language"],
    "participants": ["pseudonym", "session_id", "role", "city_size_class", "country"],
    "segments": ["segment_id", "session_id", "pseudonym", "turn", "text"],
    "codings": ["segment_id", "coder", "code"],
}
#: Reserved value in ``codings.code``: the coder read the segment and no code applies. Without
#: it a coder's "nothing here" would be indistinguishable from "not coded by this coder".
NO_CODE = "none"
CODE_FIELDS = ["label", "definition", "when_to_use", "when_not_to_use", "example"]
#: Guest, Namey & Chen (2020): new-information threshold, base sizes and run lengths.
SATURATION_THRESHOLD = 0.05
SATURATION_BASES = (2, 3, 4)
SATURATION_RUNS = (1, 2)
#: Exemplar quotes: shortest text within these bounds (characters) is chosen.
QUOTE_CHARS = (60, 300)
#: Bootstrap replicates for reliability CIs; random session orders for the saturation envelope.
BOOTSTRAP_REPLICATES = 2000
SATURATION_ORDERS = 1000


def step_seed(seed: int, step: str) -> int:
    """An independent seed for one random step, derived from the workflow's single seed."""
    return int(np.random.SeedSequence([seed, *step.encode("utf-8")]).generate_state(1)[0])


# --------------------------------------------------------------------------------------------
# Codebook and corpus
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Codebook:
    """Themes and their codes; ``codes`` keeps the file's order (one row per code)."""

    version: str
    themes: pd.DataFrame  # theme_id, label, definition
    codes: (
        pd.DataFrame
    )  # code_id, theme_id, label, definition, when_to_use, when_not_to_use, example

    @property
    def code_ids(self) -> list[str]:
        return self.codes["code_id"].tolist()

    @property
    def theme_ids(self) -> list[str]:
        return self.themes["theme_id"].tolist()

    def code_labels(self) -> dict[str, str]:
        return dict(zip(self.codes["code_id"], self.codes["label"]))

    def theme_labels(self) -> dict[str, str]:
        return dict(zip(self.themes["theme_id"], self.themes["label"]))


class CodebookError(ValueError):
    """The codebook file is malformed; the message lists every problem."""


def load_codebook(path: str | Path) -> Codebook:
    """Read ``codebook.yaml`` and check that every code has the six MacQueen et al. fields."""
    source = Path(path).name
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    problems: list[str] = []
    if not str(raw.get("version", "")).strip():
        problems.append(f'{source}: no `version`. Fix: add e.g. `version: "1.0.0"`.')
    themes, codes = [], []
    for t, theme in enumerate(raw.get("themes") or [], start=1):
        theme_id = str(theme.get("id", "")).strip()
        if not theme_id:
            problems.append(f"{source}: theme {t} has no `id`. Fix: give it a short unique id.")
        themes.append(
            {
                "theme_id": theme_id,
                "label": theme.get("label") or theme_id,
                "definition": theme.get("definition", ""),
            }
        )
        for c, code in enumerate(theme.get("codes") or [], start=1):
            code_id = str(code.get("id", "")).strip()
            where = f"code `{code_id}`" if code_id else f"code {c} of theme `{theme_id}`"
            if not code_id:
                problems.append(f"{source}: {where} has no `id`. Fix: give it a unique id.")
            elif code_id == NO_CODE:
                problems.append(
                    f"{source}: `{NO_CODE}` is reserved for 'no code applies'. "
                    "Fix: rename the code."
                )
            absent = [f for f in CODE_FIELDS if not str(code.get(f, "") or "").strip()]
            if absent:
                problems.append(
                    f"{source}: {where} lacks {', '.join(absent)}. "
                    "Fix: fill in every field of the code."
                )
            codes.append(
                {
                    "code_id": code_id,
                    "theme_id": theme_id,
                    **{f: str(code.get(f, "") or "").strip() for f in CODE_FIELDS},
                }
            )
    if not codes:
        problems.append(f"{source}: no codes. Fix: list codes under `themes: - codes:`.")
    for kind, ids in (
        ("theme", [t["theme_id"] for t in themes]),
        ("code", [c["code_id"] for c in codes]),
    ):
        for dup in sorted({i for i in ids if i and ids.count(i) > 1}):
            problems.append(
                f"{source}: {kind} id `{dup}` is used more than once. " "Fix: make ids unique."
            )
    if problems:
        raise CodebookError("Problems in the codebook:\n  - " + "\n  - ".join(problems))
    return Codebook(str(raw["version"]), pd.DataFrame(themes), pd.DataFrame(codes))


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


# --------------------------------------------------------------------------------------------
# Which codes are present on which segment
# --------------------------------------------------------------------------------------------


def primary_coder(codings: pd.DataFrame) -> str:
    """The coder who coded the most segments (ties: first in alphabetical order).

    In team coding one coder codes everything and others double-code a share; that coder
    breaks ties between two coders.
    """
    counts = codings.groupby("coder")["segment_id"].nunique()
    return sorted(counts.index, key=lambda c: (-counts[c], c))[0]


def code_presence(corpus: Corpus) -> pd.DataFrame:
    """Boolean segments × codes: is the code present on the segment?

    Rule: present when more than half of the coders who coded the segment applied it; on an
    even split the primary coder (:func:`primary_coder`) decides. With one coder that coder's
    coding counts. Segments nobody coded have no code.
    """
    codings, segment_ids, code_ids = (
        corpus.codings,
        corpus.segments["segment_id"],
        corpus.codebook.code_ids,
    )
    coders_per_segment = (
        codings.groupby("segment_id")["coder"].nunique().reindex(segment_ids, fill_value=0)
    )
    applied = codings[codings["code"] != NO_CODE]
    votes = (
        applied.groupby(["segment_id", "code"])["coder"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(index=segment_ids, columns=code_ids, fill_value=0)
    )
    by_primary = applied[applied["coder"] == primary_coder(codings)] if len(codings) else applied
    primary = (pd.crosstab(by_primary["segment_id"], by_primary["code"]) > 0).reindex(
        index=segment_ids, columns=code_ids, fill_value=False
    )
    n = coders_per_segment.to_numpy()[:, None]
    present = (2 * votes.to_numpy() > n) | (
        (2 * votes.to_numpy() == n) & (n > 0) & primary.to_numpy()
    )
    return pd.DataFrame(present, index=pd.Index(segment_ids, name="segment_id"), columns=code_ids)


def theme_presence(presence: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Boolean segments × themes: any code of the theme is present."""
    theme_of = dict(zip(codebook.codes["code_id"], codebook.codes["theme_id"]))
    themes = presence.T.groupby(presence.columns.map(theme_of)).any().T
    return themes.reindex(columns=codebook.theme_ids, fill_value=False)


# --------------------------------------------------------------------------------------------
# Frequencies and co-occurrence
# --------------------------------------------------------------------------------------------


def frequencies(presence: pd.DataFrame, corpus: Corpus, level: float = 0.95) -> pd.DataFrame:
    """Per code (or theme): segments, distinct participants and sessions where it is present.

    Participants and sessions keep talkative speakers from dominating (methods.md §4.2). The
    share of participants carries a Wilson interval (descriptive: focus-group participants are
    not a probability sample, and speakers in one session are not independent).
    """
    speakers = corpus.segments.set_index("segment_id").loc[presence.index]
    total = len(corpus.participants)
    rows = []
    for column in presence.columns:
        hit = presence[column].to_numpy()
        n_participants = speakers["pseudonym"][hit].nunique()
        low, high = proportion_confint(n_participants, total, alpha=1 - level, method="wilson")
        rows.append(
            {
                "id": column,
                "segments": int(hit.sum()),
                "participants": int(n_participants),
                "sessions": int(speakers["session_id"][hit].nunique()),
                "participant_share": n_participants / total,
                "share_low": float(low),
                "share_high": float(high),
            }
        )
    return pd.DataFrame(rows)


def code_frequencies(corpus: Corpus) -> pd.DataFrame:
    """:func:`frequencies` of every code, with theme and labels."""
    table = frequencies(code_presence(corpus), corpus).rename(columns={"id": "code_id"})
    codes = corpus.codebook.codes[["code_id", "theme_id", "label"]]
    return codes.merge(table, on="code_id")


def theme_frequencies(corpus: Corpus) -> pd.DataFrame:
    """:func:`frequencies` of every theme (a theme is present when any of its codes is)."""
    presence = theme_presence(code_presence(corpus), corpus.codebook)
    table = frequencies(presence, corpus).rename(columns={"id": "theme_id"})
    return corpus.codebook.themes[["theme_id", "label"]].merge(table, on="theme_id")


def cooccurrence(presence: pd.DataFrame) -> pd.DataFrame:
    """Every pair of codes: n1, n2, n12 and two normalisations (methods.md §4.2).

    C = XᵀX over segments; the c-coefficient n12 / (n1 + n2 − n12) is distorted when n1 and n2
    differ a lot (ATLAS.ti), so n12 / min(n1, n2) is reported too. Undefined ratios are NaN.
    """
    x = presence.to_numpy(dtype=int)
    c = x.T @ x
    codes = list(presence.columns)
    rows = []
    for i, j in itertools.combinations(range(len(codes)), 2):
        n1, n2, n12 = int(c[i, i]), int(c[j, j]), int(c[i, j])
        union, smaller = n1 + n2 - n12, min(n1, n2)
        rows.append(
            {
                "code_1": codes[i],
                "code_2": codes[j],
                "n1": n1,
                "n2": n2,
                "n12": n12,
                "c_coefficient": n12 / union if union else np.nan,
                "overlap": n12 / smaller if smaller else np.nan,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Saturation
# --------------------------------------------------------------------------------------------


def session_order(corpus: Corpus) -> list[str]:
    """Sessions in the order they were held (date, then id): the order codes were discovered."""
    sessions = corpus.sessions.assign(
        _date=pd.to_datetime(corpus.sessions["date"], errors="coerce")
    )
    return sessions.sort_values(["_date", "session_id"], na_position="last")["session_id"].tolist()


def codes_by_session(corpus: Corpus) -> dict[str, frozenset[str]]:
    """The set of codes present in each session (all sessions, possibly empty)."""
    presence = code_presence(corpus)
    session_of = corpus.segments.set_index("segment_id")["session_id"]
    present = presence.groupby(session_of.loc[presence.index].to_numpy()).any()
    return {
        s: frozenset(present.columns[present.loc[s]]) if s in present.index else frozenset()
        for s in corpus.sessions["session_id"]
    }


def saturation_curve(code_sets: Sequence[frozenset[str]]) -> pd.DataFrame:
    """New and cumulative codes per additional session, in the given order."""
    seen: set[str] = set()
    rows = []
    for k, codes in enumerate(code_sets, start=1):
        new = set(codes) - seen
        seen |= codes
        rows.append(
            {
                "position": k,
                "codes_in_session": len(codes),
                "new_codes": len(new),
                "cumulative_codes": len(seen),
            }
        )
    return pd.DataFrame(rows)


def guest_ratios(
    cumulative: Sequence[int],
    bases: Sequence[int] = SATURATION_BASES,
    runs: Sequence[int] = SATURATION_RUNS,
) -> pd.DataFrame:
    """Guest, Namey & Chen (2020) saturation ratios: new codes in the run / codes in the base.

    ``cumulative[k-1]`` is the number of distinct codes after k sessions. Only combinations
    with base + run ≤ number of sessions are returned.
    """
    rows = []
    for base in bases:
        for run in runs:
            if base + run > len(cumulative) or cumulative[base - 1] == 0:
                continue
            new = cumulative[base + run - 1] - cumulative[base - 1]
            rows.append(
                {
                    "base": base,
                    "run": run,
                    "base_codes": cumulative[base - 1],
                    "new_in_run": new,
                    "ratio": new / cumulative[base - 1],
                }
            )
    return pd.DataFrame(rows, columns=["base", "run", "base_codes", "new_in_run", "ratio"])


def saturation_base(ratios: pd.DataFrame, threshold: float = SATURATION_THRESHOLD) -> int | None:
    """The smallest base at which the longest available run adds ≤ threshold new codes."""
    for base, group in ratios.groupby("base", sort=True):
        if group.loc[group["run"].idxmax(), "ratio"] <= threshold:
            return int(base)
    return None


def saturation_envelope(
    code_sets: Sequence[frozenset[str]], n_orders: int, seed: int, level: float = 0.95
) -> tuple[pd.DataFrame, float]:
    """Cumulative-code envelope over random session orders, and how often saturation holds.

    Returns (position, low, median, high) of the cumulative code count across ``n_orders``
    seeded permutations, and the share of orders in which :func:`saturation_base` finds a base.
    """
    rng = np.random.default_rng(seed)
    curves, reached = [], 0
    for _ in range(n_orders):
        order = rng.permutation(len(code_sets))
        cumulative = saturation_curve([code_sets[i] for i in order])["cumulative_codes"]
        curves.append(cumulative.to_numpy())
        reached += saturation_base(guest_ratios(cumulative.tolist())) is not None
    curves_arr = np.vstack(curves)
    tail = (1 - level) / 2 * 100
    envelope = pd.DataFrame(
        {
            "position": np.arange(1, len(code_sets) + 1),
            "low": np.percentile(curves_arr, tail, axis=0),
            "median": np.median(curves_arr, axis=0),
            "high": np.percentile(curves_arr, 100 - tail, axis=0),
        }
    )
    return envelope, reached / n_orders


# --------------------------------------------------------------------------------------------
# Inter-coder reliability
# --------------------------------------------------------------------------------------------

POOLED = "all codes"


def coder_presence(corpus: Corpus) -> tuple[list[str], list[str], np.ndarray]:
    """Presence (1), absence (0) or not coded (NaN) of each code, by coder, per segment.

    Units are the segments coded by at least two coders (reliability is defined over units
    several coders saw). Returns (coders, segment_ids, array codes × coders × segments).
    """
    codings = corpus.codings
    coders = corpus.coders
    per_segment = codings.groupby("segment_id")["coder"].nunique()
    segment_ids = [s for s in corpus.segments["segment_id"] if per_segment.get(s, 0) >= 2]
    covered = (
        (pd.crosstab(codings["segment_id"], codings["coder"]) > 0)
        .reindex(index=segment_ids, columns=coders, fill_value=False)
        .to_numpy()
        .T
    )  # coders × segments
    applied = codings[codings["code"] != NO_CODE]
    data = np.full((len(corpus.codebook.code_ids), len(coders), len(segment_ids)), np.nan)
    for k, code in enumerate(corpus.codebook.code_ids):
        hits = applied[applied["code"] == code]
        marks = (
            (pd.crosstab(hits["segment_id"], hits["coder"]) > 0)
            .reindex(index=segment_ids, columns=coders, fill_value=False)
            .to_numpy()
            .T
        )
        data[k] = np.where(covered, marks.astype(float), np.nan)
    return coders, segment_ids, data


def reliability_table(corpus: Corpus, n_boot: int, seed: int) -> pd.DataFrame:
    """Alpha (all coders) and Cohen's kappa (each coder pair) per code and pooled.

    Presence/absence of a code on a segment is a nominal value; alpha uses every coder, kappa
    every pair's segments coded by both. The pooled row treats each segment × code cell as a
    unit but resamples whole segments. Intervals: percentile bootstrap over segments (the same
    seeded resamples for every code). Columns: code_id, statistic, coders, n_segments,
    estimate, conf_low, conf_high, verdict (alpha only).
    """
    coders, _, data = coder_presence(corpus)
    rows = []
    codes = [*corpus.codebook.code_ids, POOLED]
    for k, code in enumerate(codes):
        cells = data if code == POOLED else data[k : k + 1]
        contributions = sum(unit_coincidences(c, values=[0, 1]) for c in cells)
        alpha = bootstrap(contributions, alpha_from_coincidences, n_boot, seed)
        rows.append(
            {
                "code_id": code,
                "statistic": "alpha",
                "coders": "all",
                "n_segments": alpha.n_units,
                "estimate": alpha.estimate,
                "conf_low": alpha.low,
                "conf_high": alpha.high,
                "verdict": verdict(alpha.estimate),
            }
        )
        for i, j in itertools.combinations(range(len(coders)), 2):
            tables = sum(unit_tables(c[i], c[j], values=[0, 1]) for c in cells)
            kappa = bootstrap(tables, kappa_from_table, n_boot, seed)
            rows.append(
                {
                    "code_id": code,
                    "statistic": "kappa",
                    "coders": f"{coders[i]}–{coders[j]}",
                    "n_segments": kappa.n_units,
                    "estimate": kappa.estimate,
                    "conf_low": kappa.low,
                    "conf_high": kappa.high,
                    "verdict": "",
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Exemplar quotes
# --------------------------------------------------------------------------------------------


def unanimous_themes(corpus: Corpus) -> pd.DataFrame:
    """Boolean segments × themes: every coder who coded the segment gave it a code of the theme."""
    theme_of = dict(zip(corpus.codebook.codes["code_id"], corpus.codebook.codes["theme_id"]))
    codings = corpus.codings.assign(theme_id=corpus.codings["code"].map(theme_of))
    coders = codings.groupby("segment_id")["coder"].nunique()
    agreeing = (
        codings.dropna(subset=["theme_id"])
        .groupby(["segment_id", "theme_id"])["coder"]
        .nunique()
        .unstack(fill_value=0)
    )
    agreeing = agreeing.reindex(
        index=corpus.segments["segment_id"], columns=corpus.codebook.theme_ids, fill_value=0
    )
    n = coders.reindex(agreeing.index, fill_value=0).to_numpy()[:, None]
    return pd.DataFrame(
        (agreeing.to_numpy() == n) & (n > 0), index=agreeing.index, columns=agreeing.columns
    )


def exemplar_quotes(corpus: Corpus, bounds: tuple[int, int] = QUOTE_CHARS) -> pd.DataFrame:
    """One quote per theme, chosen by a fixed rule so nobody picks quotes to fit a story.

    Rule: among segments that every coder who coded them assigned to the theme, the shortest
    text of ``bounds[0]``–``bounds[1]`` characters; ties go to the smallest segment_id. Themes
    without such a segment get no quote. Speakers are labelled by pseudonym, role and city
    size class only (indirect identifiers such as country and network are left out).
    """
    unanimous = unanimous_themes(corpus)
    segments = corpus.segments.set_index("segment_id")
    length = segments["text"].str.len()
    people = corpus.participants.set_index("pseudonym")
    language = corpus.sessions.set_index("session_id")["language"]
    rows = []
    for theme_id, label in corpus.codebook.theme_labels().items():
        ids = unanimous.index[unanimous[theme_id].to_numpy()]
        fits = length.loc[ids][(length.loc[ids] >= bounds[0]) & (length.loc[ids] <= bounds[1])]
        if fits.empty:
            continue
        chosen = sorted(fits.index, key=lambda s: (fits[s], s))[0]
        who = segments.at[chosen, "pseudonym"]
        rows.append(
            {
                "theme_id": theme_id,
                "theme": label,
                "segment_id": chosen,
                "text": segments.at[chosen, "text"],
                "pseudonym": who,
                "role": people.at[who, "role"],
                "city_size_class": people.at[who, "city_size_class"],
                "language": language.get(segments.at[chosen, "session_id"], ""),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "theme_id",
            "theme",
            "segment_id",
            "text",
            "pseudonym",
            "role",
            "city_size_class",
            "language",
        ],
    )


def speaker_label(pseudonym: str, role: str, city_size_class: str) -> str:
    """How a quote is attributed: "P-1a2b3c4d, senior official, large city"."""
    size = f"{city_size_class} city" if city_size_class else "city of unstated size"
    return ", ".join(part for part in (pseudonym, role, size) if part)


# --------------------------------------------------------------------------------------------
# Presentation: tables and figures for the brief
# --------------------------------------------------------------------------------------------

SYNTHETIC_MARK = "SYNTHETIC DATA"


def quotes_markdown(quotes: pd.DataFrame, synthetic: bool) -> str:
    """Pipe table of exemplar quotes plus caption line."""
    rows = [
        [
            row.theme,
            f"“{row.text}”" + (" (translated)" if row.language not in ("", "en") else ""),
            speaker_label(row.pseudonym, row.role, row.city_size_class),
        ]
        for row in quotes.itertuples()
    ] or [["—", "No segment met the quote rule.", "—"]]
    mark = f"{SYNTHETIC_MARK}: generated utterances, not real quotations. " if synthetic else ""
    caption = (
        f"{mark}One exemplar quote per theme, chosen by a fixed rule: the shortest "
        f"segment of {QUOTE_CHARS[0]}–{QUOTE_CHARS[1]} characters that every coder "
        "assigned to the theme."
    )
    frame = pd.DataFrame(rows, columns=["Theme", "What was said", "Speaker"])
    return markdown_table(frame, caption, "tbl-quotes")


def reliability_markdown(table: pd.DataFrame, codebook: Codebook, synthetic: bool) -> str:
    """Pipe table: α and κ per code with bootstrap CIs and Krippendorff's reading."""
    pairs = [c for c in table.loc[table["statistic"] == "kappa", "coders"].unique()]
    labels = {**codebook.code_labels(), POOLED: f"**All {len(codebook.code_ids)} codes (pooled)**"}
    themes = {
        **dict(
            zip(codebook.codes["code_id"], codebook.codes["theme_id"].map(codebook.theme_labels()))
        ),
        POOLED: "",
    }
    rows = []
    for code, group in table.groupby("code_id", sort=False):
        alpha = group[group["statistic"] == "alpha"].iloc[0]
        kappas = [
            _estimate_cell(group[(group["statistic"] == "kappa") & (group["coders"] == p)].iloc[0])
            for p in pairs
        ]
        cells = [alpha["n_segments"], _estimate_cell(alpha), *kappas, alpha["verdict"]]
        rows.append([themes[code], labels[code], *cells])
    header = ["Theme", "Code", "Segments", "α (95% CI)", *[f"κ {p} (95% CI)" for p in pairs]]
    frame = pd.DataFrame(rows, columns=[*header, "Reading"])
    segments = frame["Segments"].unique()
    if len(segments) == 1:  # every code judged on the same segments: say so once, in the caption
        frame = frame.drop(columns="Segments")
        over = f"the {segments[0]} double-coded segments"
    else:
        over = "the double-coded segments (Segments)"
    if table.empty or table["n_segments"].max() == 0:
        frame = pd.DataFrame({"Reliability": ["No segment was coded by two coders."]})
    mark = (
        f"{SYNTHETIC_MARK}: coder B's disagreements were planted by the generator. "
        if synthetic
        else ""
    )
    caption = (
        f"{mark}Inter-coder reliability per code: Krippendorff's α (nominal, presence or "
        "absence of the code per segment) and Cohen's κ per coder pair, with 95% "
        f"bootstrap intervals over {over}; {THRESHOLDS}."
    )
    return markdown_table(frame, caption, "tbl-reliability")


def _estimate_text(row: pd.Series) -> str:
    return Estimate(
        row["estimate"], row["conf_low"], row["conf_high"], int(row["n_segments"])
    ).text()


def _estimate_cell(row: pd.Series) -> str:
    """ "0.88 (0.83–0.92)": the column header says the interval is a 95% CI; a table of
    numbers gets true minus signs."""
    return _estimate_text(row).replace("(95% CI ", "(").replace("-", "−")


# --------------------------------------------------------------------------------------------
# Numbers the brief quotes (flat; merged into numbers.json)
# --------------------------------------------------------------------------------------------


def corpus_numbers(corpus: Corpus) -> dict:
    """Size of the corpus, for the brief's first sentence about the focus groups."""
    languages = corpus.sessions["language"].replace("", "unstated")
    return {
        "n_sessions": len(corpus.sessions),
        "n_participants": len(corpus.participants),
        "n_segments": len(corpus.segments),
        "n_codes": len(corpus.codebook.code_ids),
        "n_themes": len(corpus.codebook.theme_ids),
        "n_coders": len(corpus.coders),
        "codebook_version": corpus.codebook.version,
        "n_sessions_translated": int((~languages.isin(["en", "unstated"])).sum()),
        "languages": ", ".join(sorted(languages.unique())),
    }


def theme_numbers(codes: pd.DataFrame, themes: pd.DataFrame, quotes: pd.DataFrame) -> dict:
    """Which themes and codes most participants raised, as prose-ready strings."""
    ranked = themes.sort_values(
        ["participants", "segments", "theme_id"], ascending=[False, False, True]
    )
    top_codes = codes.sort_values(
        ["participants", "segments", "code_id"], ascending=[False, False, True]
    )
    first, top_code = ranked.iloc[0], top_codes.iloc[0]
    parts = [
        f"{_mid_sentence(r.label)} by {format_share(r.participant_share, r.share_low, r.share_high)}"
        for r in ranked.iloc[1:].itertuples()
    ]
    lead = f"{first['label']} was raised by " + format_share(
        first["participant_share"], first["share_low"], first["share_high"], " of participants"
    )
    return {
        "top_theme": first["label"],
        "top_theme_share": format_share(
            first["participant_share"], first["share_low"], first["share_high"]
        ),
        "top_code": top_code["label"],
        "top_code_share": format_share(
            top_code["participant_share"], top_code["share_low"], top_code["share_high"]
        ),
        "themes_sentence": _listing([lead, *parts]) + ".",
        "n_quotes": len(quotes),
    }


def reliability_numbers(table: pd.DataFrame, n_codes: int) -> dict:
    """Reliability summary sentences (pooled α, how many codes pass which threshold)."""
    alphas = table[table["statistic"] == "alpha"]
    pooled = alphas[alphas["code_id"] == POOLED].iloc[0]
    if pooled["n_segments"] == 0 or not np.isfinite(pooled["estimate"]):
        reason = (
            "Reliability was not estimated: no turn was coded by two coders, or the "
            "coders never varied in the codes they applied."
        )
        return {
            "reliability_available": False,
            "reliability_skip_reason": reason,
            "reliability_sentence": reason,
            "reliability_thresholds": THRESHOLDS,
        }
    per_code = alphas[alphas["code_id"] != POOLED]
    counts = per_code["verdict"].value_counts()
    kappas = table[(table["statistic"] == "kappa") & (table["code_id"] != POOLED)][
        "estimate"
    ].dropna()
    worst = per_code.dropna(subset=["estimate"]).sort_values(["estimate", "code_id"]).iloc[0]
    n_reliable, n_tentative = int(counts.get("reliable", 0)), int(counts.get("tentative", 0))
    n_unreliable = int(counts.get("not reliable", 0))
    sentence = (
        f"Pooled over {n_codes} codes and {pooled['n_segments']} double-coded segments, "
        f"Krippendorff's α was {_estimate_text(pooled)}, which reads as "
        f"{pooled['verdict']}; {_count(n_reliable)} of {n_codes} codes reached α ≥ .800, "
        f"{_count(n_tentative)} allow{'s' if n_tentative == 1 else ''} only tentative "
        f"conclusions (.667–.800) and {_count(n_unreliable)} fell below .667."
    )
    return {
        "reliability_available": True,
        "n_double_coded": int(pooled["n_segments"]),
        "alpha_pooled": _estimate_text(pooled),
        "alpha_pooled_verdict": pooled["verdict"],
        "codes_reliable": n_reliable,
        "codes_tentative": n_tentative,
        "codes_unreliable": n_unreliable,
        "codes_not_estimable": int(counts.get("not estimable", 0)),
        "lowest_alpha_code": worst["code_id"],
        "lowest_alpha": _estimate_text(worst),
        "kappa_range": f"{kappas.min():.2f}–{kappas.max():.2f}" if len(kappas) else "not estimable",
        "reliability_sentence": sentence,
        "reliability_thresholds": THRESHOLDS,
        "reliability_skip_reason": "",
    }


def saturation_numbers(
    curve: pd.DataFrame, ratios: pd.DataFrame, orders_share: float, n_orders: int, n_codes: int
) -> dict:
    """Whether the Guest et al. (2020) criterion holds, in the order held and across orders."""
    base = saturation_base(ratios)
    found = int(curve["cumulative_codes"].iloc[-1]) if len(curve) else 0
    reach = curve.loc[curve["cumulative_codes"] >= 0.8 * found, "position"]
    criterion = f"≤{SATURATION_THRESHOLD:.0%} new codes, Guest et al. 2020"
    if ratios.empty:
        sentence = (
            f"No saturation claim: {len(curve)} sessions are too few for a base of 2 and "
            f"a run of 1 ({criterion})."
        )
    elif base is None:
        sentence = (
            f"No saturation claim: in the order the sessions were held, every base of "
            f"{ratios['base'].min()}–{ratios['base'].max()} sessions was followed by more "
            f"new codes than the threshold ({criterion}); more sessions would be needed."
        )
    else:
        row = ratios[ratios["base"] == base].sort_values("run").iloc[-1]
        sentence = (
            f"After {base} sessions ({int(row['base_codes'])} codes), the next "
            f"{int(row['run'])} added {int(row['new_in_run'])} new codes ({row['ratio']:.0%}; "
            f"{criterion}); the criterion held in {orders_share:.0%} of {n_orders:,} random "
            "session orders."
        )
    return {
        "saturation_reached": base is not None,
        "saturation_base": base if base is not None else "not reached",
        "saturation_orders_share": f"{orders_share:.0%}",
        "codes_found": found,
        "codes_in_codebook": n_codes,
        "sessions_to_80pct": (
            _first_sessions(int(reach.iloc[0])) if len(reach) and found else "no session"
        ),
        "saturation_sentence": sentence,
    }


def _first_sessions(k: int) -> str:
    """ "the first session" / "the first 3 sessions"."""
    return "the first session" if k == 1 else f"the first {k} sessions"


def _count(n: int) -> str:
    return "none" if n == 0 else str(n)


def _listing(parts: Sequence[str]) -> str:
    """ "a, b and c"."""
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else "".join(parts)


def _mid_sentence(label: str) -> str:
    """A label inside a sentence: "Problems of networking" → "problems of networking"."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def _annotate_synthetic(ax, synthetic: bool, top: bool = False) -> None:  # noqa: ANN001 (Axes)
    """Stamp "SYNTHETIC DATA" in a right-hand corner of the plot."""
    if synthetic:
        ax.text(
            0.98,
            0.97 if top else 0.03,
            SYNTHETIC_MARK,
            transform=ax.transAxes,
            ha="right",
            va="top" if top else "bottom",
            fontsize=11,
            fontweight="bold",
            color="0.35",
        )


def plot_theme_frequencies(
    codes: pd.DataFrame, theme_labels: Mapping[str, str], path: str | Path, synthetic: bool
) -> None:
    """Share of participants raising each code, grouped and coloured by theme, Wilson 95% CI."""
    colours = dict(zip(theme_labels, itertools.cycle(apply_theme())))
    import matplotlib.pyplot as plt

    data = codes.assign(_theme=pd.Categorical(codes["theme_id"], categories=list(theme_labels)))
    data = data.sort_values(["_theme", "participant_share"], ascending=[True, False])
    y = np.arange(len(data))[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(data) + 1.6))
    for theme_id, label in theme_labels.items():
        part = data["theme_id"].to_numpy() == theme_id
        share = data["participant_share"].to_numpy()[part] * 100
        err = np.vstack(
            [
                share - data["share_low"].to_numpy()[part] * 100,
                data["share_high"].to_numpy()[part] * 100 - share,
            ]
        )
        ax.errorbar(
            share, y[part], xerr=err, fmt="o", color=colours[theme_id], capsize=3, label=label
        )
    ax.set_yticks(y, data["label"])
    ax.set_xlabel("Participants who raised the code\n(% of all, 95% Wilson CI)")
    ax.set_ylabel("")
    ax.set_xlim(0, 100)
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    _annotate_synthetic(ax, synthetic)
    save_figure(fig, path)


def plot_cooccurrence(
    pairs: pd.DataFrame, labels: Mapping[str, str], path: str | Path, synthetic: bool
) -> None:
    """Heatmap of the c-coefficient between codes (lower triangle; sequential, CVD-safe).

    Codes are numbered: each row carries the number and name, the columns only the number,
    so the long names are written once and the cells stay large enough to read.
    """
    apply_theme()
    import matplotlib.pyplot as plt
    import seaborn as sns

    codes = list(labels)
    matrix = pd.DataFrame(np.nan, index=codes, columns=codes)
    for row in pairs.itertuples():
        matrix.loc[row.code_2, row.code_1] = row.c_coefficient
    matrix = matrix.iloc[:, :-1]  # the first row stays (empty) so that code 1 is named
    values = matrix.to_numpy()
    text = np.where(
        np.isnan(values),
        "",
        [["0" if v == 0 else f"{v:.2f}".lstrip("0") for v in line] for line in values],
    )
    fig, ax = plt.subplots(figsize=(WIDTH, 5.0))
    sns.heatmap(
        matrix,
        ax=ax,
        cmap="Blues",  # one hue, light to dark: darker = more often together
        vmin=0,
        vmax=max(0.05, np.nanmax(values)),
        annot=text,
        fmt="",
        annot_kws={"fontsize": 10},  # the cells' values; the colour carries them on a phone
        square=True,
        linewidths=0.5,
        cbar_kws={
            "label": "c-coefficient (0–1)",
            "orientation": "horizontal",
            "shrink": 0.6,
            "pad": 0.04,
        },
        mask=matrix.isna(),
    )
    ax.set_xticklabels(range(1, len(codes)), rotation=0)
    ax.set_yticklabels([f"{i} {labels[c]}" for i, c in enumerate(codes, start=1)], rotation=0)
    ax.set_xlabel("Code (numbered as in the rows)")
    ax.set_ylabel("")
    ax.grid(False)  # grid lines would show through the empty upper triangle
    _annotate_synthetic(ax, synthetic, top=True)
    save_figure(fig, path)


def plot_saturation(
    curve: pd.DataFrame, envelope: pd.DataFrame, n_codes: int, path: str | Path, synthetic: bool
) -> None:
    """Cumulative codes by session in the order held, against the random-order envelope."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    ax.fill_between(
        envelope["position"],
        envelope["low"],
        envelope["high"],
        color=colours[0],
        alpha=0.2,
        lw=0,
        label="Random session orders (95% range)",
    )
    ax.plot(
        curve["position"],
        curve["cumulative_codes"],
        marker="o",
        color=colours[0],
        label="Sessions in the order held",
    )
    ax.bar(
        curve["position"],
        curve["new_codes"],
        width=0.5,
        color=colours[1],
        alpha=0.8,
        label="New codes in the session",
    )
    ax.axhline(n_codes, color="0.5", ls="--", lw=1, label="Codes in the codebook")
    ax.set_xlabel("Sessions held (count)")
    ax.set_ylabel("Distinct codes (count)")
    ax.set_xticks(curve["position"])
    ax.set_ylim(0, n_codes + 1)
    ax.legend(loc="center right", frameon=False)
    _annotate_synthetic(ax, synthetic)
    save_figure(fig, path)

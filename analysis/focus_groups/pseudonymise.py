"""Pseudonymising focus-group transcripts, and a guard that keeps personal data out of outputs.

Focus-group participants are city officials, identifiable by name and often by role and city
(methods.md §4.5). Users who start from named transcripts turn them into the corpus format
here: each speaker gets a keyed HMAC-SHA256 pseudonym, stable across runs and files but not
reversible without the key (kept outside the repository, in an environment variable), names
in the text are replaced by the pseudonym in brackets, and every replacement is logged to a
separate file (GDPR Art. 4(5): the additional information is kept separately). The guard
fails the workflow if a roster name, e-mail address or phone number would reach ``results/``
or ``reports/``.

Command line (writes the corpus tables and the log; the log must live outside the outputs)::

    CITYDIPLOMACY_PSEUDONYM_KEY=... python -m analysis.focus_groups.pseudonymise \\
        --segments named_segments.csv --roster roster.csv \\
        --out data/raw/focus_groups --log ../restricted/replacement_log.csv
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

KEY_ENV = "CITYDIPLOMACY_PSEUDONYM_KEY"
#: Output trees the replacement log must never be written into.
PUBLIC_TREES = ("results", "reports")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: International (+44 20 7946 0958, +358-40-123-4567) or national with a leading 0 and
#: separators (020 7946 0958, (030) 1234-5678). Bare digit runs (years, seeds) do not match.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}(?:[ .\-]?\(?\d{1,5}\)?){2,5}"
    r"|\(?0\d{1,4}\)?[ \-/]\d{3,4}[ \-]?\d{3,5})(?![\w])"
)
TEXT_SUFFIXES = {".csv", ".tsv", ".md", ".qmd", ".json", ".txt", ".yml", ".yaml", ".html", ".typ"}


class PseudonymKeyError(RuntimeError):
    """The pseudonymisation key is not set."""


class PersonalDataError(RuntimeError):
    """Personal data would reach a public output; the message names file and match."""

    def __init__(self, message: str, files: list[Path]):
        super().__init__(message)
        self.files = files


def pseudonym_key(environ: Mapping[str, str] = os.environ) -> bytes:
    """The secret key from ``CITYDIPLOMACY_PSEUDONYM_KEY`` (never stored in the repository)."""
    key = environ.get(KEY_ENV, "")
    if not key:
        raise PseudonymKeyError(
            f"{KEY_ENV} is not set. Fix: export a long random secret, e.g. "
            f"`export {KEY_ENV}=$(python -c 'import secrets; print(secrets.token_hex(32))')`, "
            "and keep it with the roster, outside the repository: the same key gives the same "
            "pseudonyms next time."
        )
    return key.encode("utf-8")


def pseudonym(name: str, key: bytes) -> str:
    """``P-`` + the first 8 hex digits of HMAC-SHA256(key, name); case and spacing ignored."""
    normal = " ".join(name.split()).casefold()
    return "P-" + hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:8]


def roster_strings(roster: pd.DataFrame) -> list[str]:
    """Every string that identifies a participant: names and ``;``-separated aliases."""
    aliases = roster["aliases"] if "aliases" in roster.columns else pd.Series([""] * len(roster))
    strings = [*roster["name"].astype(str)]
    for cell in aliases.fillna("").astype(str):
        strings += [a.strip() for a in cell.split(";") if a.strip()]
    return sorted({s for s in strings if s.strip()}, key=lambda s: (-len(s), s))


@dataclass(frozen=True)
class Pseudonymised:
    """Corpus-format tables and the replacement log (keep the log with the roster)."""

    segments: pd.DataFrame  # segment_id, session_id, pseudonym, turn, text
    participants: pd.DataFrame  # pseudonym, session_id, role, city_size_class, country
    log: pd.DataFrame  # segment_id, original, replacement, count


def pseudonymise_transcripts(
    named_segments: pd.DataFrame,
    roster: pd.DataFrame,
    key: bytes,
    other_terms: Mapping[str, str] | None = None,
) -> Pseudonymised:
    """Replace speakers by keyed pseudonyms and names in the text by ``[P-…]`` tags.

    ``named_segments``: segment_id, session_id, speaker, turn, text. ``roster``: name,
    session_id, role, city_size_class, country and optionally ``aliases`` (first names,
    nicknames; ``;``-separated), all replaced by the person's pseudonym. ``other_terms`` maps
    further identifying strings (cities, organisations) to tags such as ``[CITY-A]``.
    Matching is case-insensitive at word boundaries; longer strings are replaced first, so
    "Anna Virtanen" wins over "Anna".
    """
    unknown = sorted(set(named_segments["speaker"]) - set(roster["name"]))
    if unknown:
        raise ValueError(
            f"Speakers missing from the roster: {', '.join(unknown)}. Fix: add them "
            "to the roster (name, session_id, role, city_size_class, country)."
        )
    tag_of: dict[str, str] = {}
    for row in roster.itertuples():
        tag = f"[{pseudonym(row.name, key)}]"
        for string in roster_strings(roster.loc[[row.Index]]):
            if tag_of.get(string.casefold(), tag) != tag:
                raise ValueError(
                    f"'{string}' names more than one roster person. Fix: give "
                    "aliases that identify one person (e.g. full names)."
                )
            tag_of[string.casefold()] = tag
    for term, tag in (other_terms or {}).items():
        tag_of[term.casefold()] = tag
    strings = sorted(tag_of, key=lambda s: (-len(s), s))
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(s) for s in strings) + r")(?!\w)", re.IGNORECASE
    )
    texts, log = [], []
    for row in named_segments.itertuples():
        found: dict[tuple[str, str], int] = {}

        def replace(match: re.Match[str]) -> str:
            tag = tag_of[match.group(0).casefold()]
            found[(match.group(0), tag)] = found.get((match.group(0), tag), 0) + 1
            return tag

        texts.append(pattern.sub(replace, str(row.text)))
        log += [
            {"segment_id": row.segment_id, "original": original, "replacement": tag, "count": count}
            for (original, tag), count in found.items()
        ]
    segments = pd.DataFrame(
        {
            "segment_id": named_segments["segment_id"],
            "session_id": named_segments["session_id"],
            "pseudonym": [pseudonym(s, key) for s in named_segments["speaker"]],
            "turn": named_segments["turn"],
            "text": texts,
        }
    )
    participants = roster.assign(pseudonym=[pseudonym(n, key) for n in roster["name"]])[
        ["pseudonym", "session_id", "role", "city_size_class", "country"]
    ]
    return Pseudonymised(
        segments,
        participants,
        pd.DataFrame(log, columns=["segment_id", "original", "replacement", "count"]),
    )


def find_personal_data(text: str, forbidden_strings: Iterable[str]) -> list[tuple[int, str, str]]:
    """(line, kind, match) for every roster string, e-mail address and phone number in text."""
    strings = [s for s in forbidden_strings if s.strip()]
    names = (
        re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(s) for s in strings) + r")(?!\w)", re.IGNORECASE
        )
        if strings
        else None
    )
    hits = []
    for number, line in enumerate(text.splitlines(), start=1):
        for kind, regex in (
            ("roster name", names),
            ("e-mail address", EMAIL),
            ("phone number", PHONE),
        ):
            if regex is None:
                continue
            hits += [
                (number, kind, m.group(0))
                for m in regex.finditer(line)
                if kind != "phone number" or sum(ch.isdigit() for ch in m.group(0)) >= 8
            ]
    return hits


def assert_no_personal_data(
    paths: Iterable[str | Path], forbidden_strings: Iterable[str]
) -> list[Path]:
    """Raise :class:`PersonalDataError` if a text file holds a roster string, e-mail or phone.

    Every problem in every file is listed. Files that are not text (figures) are skipped.
    Returns the files scanned.
    """
    forbidden = list(forbidden_strings)
    scanned, problems, leaky = [], [], []
    for path in map(Path, paths):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        scanned.append(path)
        found = find_personal_data(path.read_text(encoding="utf-8", errors="replace"), forbidden)
        problems += [f"{path}, line {line}: {kind} '{match}'" for line, kind, match in found]
        leaky += [path] if found else []
    if problems:
        raise PersonalDataError(
            "Personal data would reach a public output:\n  - "
            + "\n  - ".join(problems)
            + "\nFix: pseudonymise the corpus (python -m analysis.focus_groups.pseudonymise) or remove the "
            "string from the source data, then rerun.",
            leaky,
        )
    return scanned


def main(argv: list[str] | None = None) -> None:
    """Command line: named transcripts + roster → corpus tables, log kept apart."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--segments", required=True, help="CSV: segment_id, session_id, speaker, turn, text"
    )
    parser.add_argument(
        "--roster",
        required=True,
        help="CSV: name, session_id, role, city_size_class, country[, aliases]",
    )
    parser.add_argument("--terms", help="optional CSV: term, replacement (cities, organisations)")
    parser.add_argument("--out", required=True, help="folder for segments.csv and participants.csv")
    parser.add_argument(
        "--log", required=True, help="replacement log CSV, outside results/ and reports/"
    )
    args = parser.parse_args(argv)
    log_path = Path(args.log).resolve()
    if (
        any(part in PUBLIC_TREES for part in log_path.parts)
        or log_path.parent == Path(args.out).resolve()
    ):
        raise SystemExit(
            f"Refusing to write the replacement log to {log_path}: keep it apart from "
            "the corpus and outside results/ and reports/ (it links names to pseudonyms)."
        )
    terms = (
        dict(pd.read_csv(args.terms, dtype=str).itertuples(index=False, name=None))
        if args.terms
        else None
    )
    result = pseudonymise_transcripts(
        pd.read_csv(args.segments, dtype=str),
        pd.read_csv(args.roster, dtype=str),
        pseudonym_key(),
        terms,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.segments.to_csv(out / "segments.csv", index=False)
    result.participants.to_csv(out / "participants.csv", index=False)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    result.log.to_csv(log_path, index=False)


if __name__ == "__main__":
    main()

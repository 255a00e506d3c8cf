"""Keyed pseudonyms, name replacement, and the guard that keeps personal data out of outputs."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pandas as pd
import pytest

from analysis.focus_groups.pseudonymise import (
    KEY_ENV,
    PersonalDataError,
    PseudonymKeyError,
    assert_no_personal_data,
    find_personal_data,
    main,
    pseudonym,
    pseudonym_key,
    pseudonymise_transcripts,
    roster_strings,
)

KEY = b"test key, not a secret"
# invented people for the test
ROSTER = pd.DataFrame(
    {
        "name": ["Anna Virtanen", "Marco Rossi"],
        "session_id": ["S1", "S1"],
        "role": ["senior official", "technical officer"],
        "city_size_class": ["large", "small"],
        "country": ["Finland", "Italy"],
        "aliases": ["Anna; Ms Virtanen", ""],
    }
)
NAMED = pd.DataFrame(
    {
        "segment_id": ["S1-1", "S1-2", "S1-3"],
        "session_id": ["S1", "S1", "S1"],
        "speaker": ["Anna Virtanen", "Marco Rossi", "Anna Virtanen"],
        "turn": [1, 2, 3],
        "text": [
            "As Marco said, the fees are too high.",
            "I agree with ANNA VIRTANEN; anna knows the network better than Ms Virtanen's deputy.",
            "Annabel from our office joined late, and Kuopio hosted us.",
        ],
    }
)


def test_pseudonym_is_hmac_sha256_prefix() -> None:
    expected = "P-" + hmac.new(KEY, b"anna virtanen", hashlib.sha256).hexdigest()[:8]
    assert pseudonym("Anna Virtanen", KEY) == expected
    assert len(expected) == 10


def test_pseudonyms_are_stable_under_a_key_and_change_with_it() -> None:
    assert pseudonym("Anna Virtanen", KEY) == pseudonym("  anna   VIRTANEN ", KEY)
    assert pseudonym("Anna Virtanen", KEY) != pseudonym("Anna Virtanen", b"another key")
    assert pseudonym("Anna Virtanen", KEY) != pseudonym("Marco Rossi", KEY)


def test_key_comes_from_the_environment_with_a_clear_error() -> None:
    assert pseudonym_key({KEY_ENV: "s3cret"}) == b"s3cret"
    with pytest.raises(PseudonymKeyError, match=f"{KEY_ENV} is not set. Fix: export"):
        pseudonym_key({})


def test_names_are_replaced_and_logged() -> None:
    result = pseudonymise_transcripts(NAMED, ROSTER, KEY, other_terms={"Kuopio": "[CITY-A]"})
    anna = f"[{pseudonym('Anna Virtanen', KEY)}]"
    texts = result.segments["text"].tolist()
    # "Marco" alone is not in the roster (no alias), so it stays: see the next test
    assert texts[0] == "As Marco said, the fees are too high."
    assert texts[1] == f"I agree with {anna}; {anna} knows the network better than {anna}'s deputy."
    # word boundaries: "Annabel" is not "Anna"
    assert texts[2] == "Annabel from our office joined late, and [CITY-A] hosted us."
    assert result.segments["pseudonym"].tolist() == [
        pseudonym("Anna Virtanen", KEY),
        pseudonym("Marco Rossi", KEY),
        pseudonym("Anna Virtanen", KEY),
    ]
    assert list(result.participants.columns) == [
        "pseudonym",
        "session_id",
        "role",
        "city_size_class",
        "country",
    ]
    log = result.log.set_index(["segment_id", "original"])
    assert log.loc[("S1-2", "ANNA VIRTANEN"), "replacement"] == anna
    assert log.loc[("S1-2", "anna"), "count"] == 1
    assert log.loc[("S1-2", "Ms Virtanen"), "count"] == 1
    assert log.loc[("S1-3", "Kuopio"), "replacement"] == "[CITY-A]"
    joined = " ".join(texts) + result.participants.to_csv()
    for name in ("Virtanen", "Rossi", "anna "):
        assert name.lower() not in joined.lower()


def test_first_name_in_text_needs_an_alias() -> None:
    roster = ROSTER.assign(aliases=["Anna; Ms Virtanen", "Marco"])
    result = pseudonymise_transcripts(NAMED, roster, KEY)
    assert (
        result.segments["text"].iloc[0]
        == f"As [{pseudonym('Marco Rossi', KEY)}] said, the fees are too high."
    )


def test_unknown_speaker_and_ambiguous_alias_are_errors() -> None:
    with pytest.raises(ValueError, match="Speakers missing from the roster: Zoe"):
        pseudonymise_transcripts(NAMED.assign(speaker=["Zoe"] * 3), ROSTER, KEY)
    with pytest.raises(ValueError, match="'Anna' names more than one roster person"):
        pseudonymise_transcripts(NAMED, ROSTER.assign(aliases=["Anna", "Anna"]), KEY)


def test_roster_strings_longest_first() -> None:
    assert roster_strings(ROSTER) == ["Anna Virtanen", "Marco Rossi", "Ms Virtanen", "Anna"]


@pytest.mark.parametrize(
    ("text", "kind", "match"),
    [
        (
            "Contact a.virtanen@city.example.fi for slides",
            "e-mail address",
            "a.virtanen@city.example.fi",
        ),
        ("call +44 20 7946 0958 after the meeting", "phone number", "+44 20 7946 0958"),
        ("mobile +358-40-123-4567", "phone number", "+358-40-123-4567"),
        ("office 020 7946 0958", "phone number", "020 7946 0958"),
        ("as Anna Virtanen put it", "roster name", "Anna Virtanen"),
    ],
)
def test_detector_finds_planted_personal_data(text: str, kind: str, match: str) -> None:
    assert find_personal_data(text, roster_strings(ROSTER)) == [(1, kind, match)]


@pytest.mark.parametrize(
    "text",
    [
        "seed 20170101",
        "0.89 (95% CI 0.85–0.93)",
        "2015-06-01",
        "FG01-003, P-1a2b3c4d",
        "| 188 | 0.95 | 1.00 |",
        "2017 2018 2019 2020",
        "0 1 0 1 0 1 1 0",
        "Annabel joined",
    ],
)
def test_detector_leaves_numbers_and_ids_alone(text: str) -> None:
    assert find_personal_data(text, roster_strings(ROSTER)) == []


def test_guard_fails_naming_file_line_and_match(tmp_path: Path) -> None:
    clean = tmp_path / "numbers.json"
    clean.write_text('{"alpha": "0.89 (95% CI 0.85–0.93)", "seed": 20170101}\n', encoding="utf-8")
    leaky = tmp_path / "quotes.md"
    leaky.write_text(
        "| Theme | Quote |\n| a | Write to marco.rossi@comune.example.it or call +39 06 1234 5678, Marco Rossi |\n",
        encoding="utf-8",
    )
    figure = tmp_path / "figure.png"
    figure.write_bytes(b"\x89PNG Marco Rossi")
    assert assert_no_personal_data([clean, figure], roster_strings(ROSTER)) == [clean]
    with pytest.raises(PersonalDataError) as error:
        assert_no_personal_data([clean, leaky], roster_strings(ROSTER))
    message = str(error.value)
    assert f"{leaky}, line 2: e-mail address 'marco.rossi@comune.example.it'" in message
    assert f"{leaky}, line 2: phone number '+39 06 1234 5678'" in message
    assert f"{leaky}, line 2: roster name 'Marco Rossi'" in message
    assert str(clean) not in message


def test_guard_without_roster_still_catches_contacts(tmp_path: Path) -> None:
    leaky = tmp_path / "section.qmd"
    leaky.write_text("Questions: a.b@example.org\n", encoding="utf-8")
    with pytest.raises(PersonalDataError, match="e-mail address 'a.b@example.org'"):
        assert_no_personal_data([leaky], [])


def test_command_line_writes_corpus_and_keeps_the_log_apart(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    NAMED.to_csv(tmp_path / "named.csv", index=False)
    ROSTER.to_csv(tmp_path / "roster.csv", index=False)
    out, log = tmp_path / "corpus", tmp_path / "restricted" / "log.csv"
    main(
        [
            "--segments",
            str(tmp_path / "named.csv"),
            "--roster",
            str(tmp_path / "roster.csv"),
            "--out",
            str(out),
            "--log",
            str(log),
        ]
    )
    segments = pd.read_csv(out / "segments.csv")
    assert set(segments["pseudonym"]) == {
        pseudonym("Anna Virtanen", KEY),
        pseudonym("Marco Rossi", KEY),
    }
    assert (
        "Virtanen"
        not in (out / "segments.csv").read_text() + (out / "participants.csv").read_text()
    )
    assert "Virtanen" in log.read_text()
    with pytest.raises(SystemExit, match="Refusing to write the replacement log"):
        main(
            [
                "--segments",
                str(tmp_path / "named.csv"),
                "--roster",
                str(tmp_path / "roster.csv"),
                "--out",
                str(out),
                "--log",
                str(tmp_path / "results" / "log.csv"),
            ]
        )

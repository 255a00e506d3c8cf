"""Focus-group corpus: validation, frequencies, co-occurrence, saturation, quotes (known answers).

The hand-made fixture (tests/fixtures/focus_groups) has 3 sessions, 6 participants (one never
speaks), 8 segments and 4 codes in 2 themes; coder A codes all 8 segments, coder B the first 6
with two disagreements on ``overlap``. Every expected value below is counted by hand from the
tables in the fixture.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.focus_groups.codebook import CodebookError, load_codebook
from analysis.focus_groups.corpus import COLUMNS, CorpusError, load_corpus, validate_corpus
from analysis.focus_groups.reliability import (
    reliability_markdown,
    reliability_numbers,
    reliability_table,
)
from analysis.focus_groups.saturation import (
    codes_by_session,
    guest_ratios,
    saturation_base,
    saturation_curve,
    saturation_envelope,
    saturation_numbers,
    session_order,
)
from analysis.focus_groups.themes import (
    code_frequencies,
    code_presence,
    cooccurrence,
    exemplar_quotes,
    primary_coder,
    quotes_markdown,
    speaker_label,
    theme_frequencies,
    theme_numbers,
)

FIXTURE = Path(__file__).parent / "fixtures" / "focus_groups"
SHIPPED_CODEBOOK = Path(__file__).parents[1] / "data" / "raw" / "focus_groups" / "codebook.yaml"
Z = 1.959963984540054


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(FIXTURE, load_codebook(FIXTURE / "codebook.yaml"))


def wilson(k: int, n: int) -> tuple[float, float]:
    """The Wilson score interval written out (Wilson 1927), to check statsmodels' use."""
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return centre - half, centre + half


# ----------------------------------------------------------------------------- codebook


def test_shipped_codebook_has_the_papers_themes_and_complete_codes() -> None:
    codebook = load_codebook(SHIPPED_CODEBOOK)
    assert codebook.theme_ids == [
        "reasons_to_join",
        "community_of_practice",
        "networking_problems",
        "strategic_networking",
    ]
    assert {
        "investment_market",
        "legitimacy",
        "peer_learning",
        "network_overlap",
        "scarce_staff",
        "scarce_money",
        "selective_membership",
    } <= set(codebook.code_ids)
    assert len(codebook.code_ids) == len(set(codebook.code_ids)) == 15
    fields = codebook.codes[["label", "definition", "when_to_use", "when_not_to_use", "example"]]
    assert (fields.apply(lambda c: c.str.len()) > 5).all().all()


def test_codebook_problems_are_all_listed(tmp_path: Path) -> None:
    (tmp_path / "codebook.yaml").write_text(
        "themes:\n  - id: t\n    codes:\n      - id: a\n        label: A\n"
        "      - id: a\n        label: A again\n        definition: d\n        when_to_use: w\n"
        "        when_not_to_use: n\n        example: e\n",
        encoding="utf-8",
    )
    with pytest.raises(CodebookError) as error:
        load_codebook(tmp_path / "codebook.yaml")
    message = str(error.value)
    assert "no `version`" in message
    assert "code `a` lacks definition, when_to_use, when_not_to_use, example" in message
    assert "code id `a` is used more than once" in message


# ----------------------------------------------------------------------------- validation


def test_fixture_loads_with_types(corpus) -> None:
    assert len(corpus.sessions) == 3 and len(corpus.participants) == 6
    assert len(corpus.segments) == 8 and len(corpus.codings) == 19
    assert corpus.coders == ["A", "B"]
    assert str(corpus.segments["turn"].dtype) == "Int64"
    assert corpus.sessions["n_participants"].tolist() == [2, 2, 2]


def corrupt(tmp_path: Path, table: str, edit) -> Path:
    """A copy of the fixture with one table edited (``edit`` takes and returns a DataFrame)."""
    folder = tmp_path / "corpus"
    shutil.copytree(FIXTURE, folder)
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    edit(frame).to_csv(folder / f"{table}.csv", index=False)
    return folder


def problems_of(folder: Path) -> str:
    with pytest.raises(CorpusError) as error:
        load_corpus(folder, load_codebook(folder / "codebook.yaml"))
    return str(error.value)


def set_cell(row: int, column: str, value: str):
    def edit(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[row, column] = value
        return frame

    return edit


def test_unknown_code_is_named_with_row_column_value_and_fix(tmp_path: Path) -> None:
    message = problems_of(corrupt(tmp_path, "codings", set_cell(2, "code", "legitimacy")))
    assert (
        "codings.csv, row 4, column 'code': value 'legitimacy' is not a code of codebook "
        "version 0.1-test. Fix: use a code id from codebook.yaml"
    ) in message


def test_segment_in_missing_session_is_rejected(tmp_path: Path) -> None:
    message = problems_of(corrupt(tmp_path, "segments", set_cell(4, "session_id", "S9")))
    assert (
        "segments.csv, row 6, column 'session_id': value 'S9' is not a session in "
        "sessions.csv. Fix: add the session to sessions.csv or correct the id."
    ) in message


def test_coding_without_coder_is_rejected(tmp_path: Path) -> None:
    message = problems_of(corrupt(tmp_path, "codings", set_cell(0, "coder", "")))
    assert "codings.csv, row 2, column 'coder': (empty) is a coding without a coder" in message


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "expected"),
    [
        (
            "segments",
            3,
            "segment_id",
            "S1-1",
            "segments.csv, row 5, column 'segment_id': value 'S1-1' duplicates row 2",
        ),
        (
            "sessions",
            1,
            "session_id",
            "S1",
            "sessions.csv, row 3, column 'session_id': value 'S1' duplicates row 2",
        ),
        (
            "participants",
            5,
            "pseudonym",
            "P-00000001",
            "participants.csv, row 7, column 'pseudonym': value 'P-00000001' duplicates row 2",
        ),
        (
            "codings",
            1,
            "code",
            "invest",
            "codings.csv, row 3, column 'code': value 'invest' duplicates row 2 (segment_id, coder, code)",
        ),
    ],
)
def test_duplicate_ids_are_rejected(
    tmp_path: Path, table: str, row: int, column: str, value: str, expected: str
) -> None:
    assert expected in problems_of(corrupt(tmp_path, table, set_cell(row, column, value)))


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    def many(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[0, "code"] = "nonsense"
        frame.loc[1, "coder"] = ""
        frame.loc[2, "segment_id"] = "S7-7"
        return frame

    message = problems_of(corrupt(tmp_path, "codings", many))
    assert message.startswith("The focus-group corpus has 3 problem(s):")
    assert "row 2, column 'code': value 'nonsense'" in message
    assert "row 3, column 'coder': (empty)" in message
    assert "row 4, column 'segment_id': value 'S7-7' is not a segment in segments.csv" in message


def test_other_bad_values_are_named(tmp_path: Path) -> None:
    folder = corrupt(tmp_path, "sessions", set_cell(0, "n_participants", "two"))
    folder_dates = corrupt(tmp_path / "b", "sessions", set_cell(1, "date", "10/02/2015"))
    speaker = corrupt(tmp_path / "c", "segments", set_cell(0, "pseudonym", "P-00000003"))
    assert (
        "sessions.csv, row 2, column 'n_participants': value 'two' is not a whole number"
        in problems_of(folder)
    )
    assert (
        "sessions.csv, row 3, column 'date': value '10/02/2015' is not a date. Fix: write it as YYYY-MM-DD"
        in problems_of(folder_dates)
    )
    assert (
        "segments.csv, row 2, column 'pseudonym': value 'P-00000003' took part in session S2, "
        "not S1"
    ) in problems_of(speaker)


def test_missing_column_and_contradictory_none(tmp_path: Path) -> None:
    no_text = corrupt(tmp_path, "segments", lambda f: f.drop(columns="text"))
    assert (
        "segments.csv, header (row 1): column 'text' is missing. Fix: add a column named 'text'."
        in problems_of(no_text)
    )
    both = corrupt(
        tmp_path / "b",
        "codings",
        lambda f: pd.concat(
            [f, pd.DataFrame([{"segment_id": "S2-3", "coder": "A", "code": "staff"}])],
            ignore_index=True,
        ),
    )
    assert (
        "codings.csv, row 9, column 'code': value 'none' contradicts other codes coder A gave segment S2-3"
        in problems_of(both)
    )


def test_missing_files_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(
        FileNotFoundError, match="lacks codings.csv.*focus_groups.source: synthetic"
    ):
        folder = tmp_path / "c"
        shutil.copytree(FIXTURE, folder)
        (folder / "codings.csv").unlink()
        load_corpus(folder, load_codebook(folder / "codebook.yaml"))


# ----------------------------------------------------------------------------- presence


def test_presence_follows_the_primary_coder_on_a_tie(corpus) -> None:
    assert primary_coder(corpus.codings) == "A"  # 8 segments against B's 6
    presence = code_presence(corpus)
    assert not presence.loc["S1-2", "overlap"]  # B only, A decides
    assert presence.loc["S2-1", "overlap"]  # A only, A decides
    assert presence.sum().to_dict() == {"invest": 3, "legit": 2, "overlap": 3, "staff": 2}
    assert not presence.loc["S2-3"].any()


def test_presence_is_the_majority_with_three_coders(corpus) -> None:
    extra = pd.DataFrame(
        [
            {"segment_id": "S1-2", "coder": "C", "code": "overlap"},
            {"segment_id": "S2-1", "coder": "C", "code": "invest"},
        ]
    )
    three = validate_corpus(
        {
            "sessions": corpus.sessions,
            "participants": corpus.participants,
            "segments": corpus.segments,
            "codings": pd.concat([corpus.codings, extra], ignore_index=True),
        },
        corpus.codebook,
    )
    presence = code_presence(three)
    assert presence.loc["S1-2", "overlap"]  # B and C: 2 of 3
    assert not presence.loc["S2-1", "overlap"]  # A alone: 1 of 3


# ----------------------------------------------------------------------------- frequencies


def test_code_frequencies_count_segments_participants_sessions(corpus) -> None:
    table = code_frequencies(corpus).set_index("code_id")
    assert table[["segments", "participants", "sessions"]].to_dict("index") == {
        "invest": {"segments": 3, "participants": 3, "sessions": 3},
        "legit": {"segments": 2, "participants": 2, "sessions": 1},
        "overlap": {"segments": 3, "participants": 3, "sessions": 3},
        "staff": {"segments": 2, "participants": 2, "sessions": 2},
    }
    # the share is of all 6 participants, including the one who never spoke
    assert table.loc["invest", "participant_share"] == pytest.approx(0.5)
    low, high = wilson(3, 6)
    assert (table.loc["invest", "share_low"], table.loc["invest", "share_high"]) == pytest.approx(
        (low, high)
    )
    assert table.loc["legit", ["share_low", "share_high"]].tolist() == pytest.approx(
        list(wilson(2, 6))
    )
    assert table.loc["legit", "theme_id"] == "reasons"


def test_theme_frequencies(corpus) -> None:
    table = theme_frequencies(corpus).set_index("theme_id")
    assert table[["segments", "participants", "sessions"]].to_dict("index") == {
        "reasons": {"segments": 4, "participants": 4, "sessions": 3},
        "problems": {"segments": 4, "participants": 4, "sessions": 3},
    }
    assert table.loc["problems", "label"] == "Problems of networking"


def test_cooccurrence_c_coefficient_and_overlap(corpus) -> None:
    pairs = cooccurrence(code_presence(corpus)).set_index(["code_1", "code_2"])
    assert len(pairs) == 6
    assert pairs.loc[("invest", "legit")].tolist() == pytest.approx([3, 2, 1, 1 / 4, 1 / 2])
    assert pairs.loc[("invest", "overlap")].tolist() == pytest.approx([3, 3, 1, 1 / 5, 1 / 3])
    assert pairs.loc[("overlap", "staff")].tolist() == pytest.approx([3, 2, 1, 1 / 4, 1 / 2])
    assert pairs.loc[("legit", "staff"), ["n12", "c_coefficient", "overlap"]].tolist() == [0, 0, 0]


def test_cooccurrence_of_an_absent_code_is_undefined() -> None:
    presence = pd.DataFrame({"a": [True, False], "b": [False, False]})
    row = cooccurrence(presence).iloc[0]
    assert row["n12"] == 0 and math.isnan(row["overlap"]) and row["c_coefficient"] == 0


# ----------------------------------------------------------------------------- saturation


def test_saturation_in_session_order(corpus) -> None:
    order = session_order(corpus)
    assert order == ["S1", "S2", "S3"]
    sets = codes_by_session(corpus)
    assert sets == {
        "S1": {"invest", "legit", "overlap"},
        "S2": {"invest", "overlap", "staff"},
        "S3": {"invest", "overlap", "staff"},
    }
    curve = saturation_curve([sets[s] for s in order])
    assert curve["new_codes"].tolist() == [3, 1, 0]
    assert curve["cumulative_codes"].tolist() == [3, 4, 4]
    ratios = guest_ratios(curve["cumulative_codes"].tolist())
    assert ratios.to_dict("records") == [
        {"base": 2, "run": 1, "base_codes": 4, "new_in_run": 0, "ratio": 0.0}
    ]
    assert saturation_base(ratios) == 2


def test_guest_ratio_and_saturation_base_by_hand() -> None:
    cumulative = [10, 14, 17, 18, 18, 19, 19]
    ratios = guest_ratios(cumulative).set_index(["base", "run"])["ratio"]
    assert ratios[(2, 1)] == pytest.approx(3 / 14) and ratios[(2, 2)] == pytest.approx(4 / 14)
    assert ratios[(3, 2)] == pytest.approx(1 / 17) and ratios[(4, 2)] == pytest.approx(1 / 18)
    assert saturation_base(guest_ratios(cumulative)) is None  # 1/18 = 5.6% > 5%
    assert saturation_base(guest_ratios(cumulative), threshold=0.06) == 3  # 1/17 = 5.9%


def test_order_envelope_is_seeded_and_matches_the_share_worked_out_by_hand() -> None:
    sets = [frozenset("ab"), frozenset("c"), frozenset("abcd"), frozenset("e")]
    envelope, share = saturation_envelope(sets, 2000, seed=7)
    again, share_again = saturation_envelope(sets, 2000, seed=7)
    pd.testing.assert_frame_equal(envelope, again)
    assert share == share_again
    assert envelope["high"].iloc[-1] == envelope["low"].iloc[-1] == 5  # every order ends at 5
    assert envelope["low"].iloc[0] == 1 and envelope["high"].iloc[0] == 4
    # saturated when the last session adds nothing (it is {a, b} or {c}: base 3, run 1), which
    # covers the other way ({a, b, c, d} and {e} first: base 2, run 2): probability 1/2
    assert share == pytest.approx(0.5, abs=0.05)


# ----------------------------------------------------------------------------- quotes


def test_exemplar_quotes_follow_the_rule(corpus) -> None:
    quotes = exemplar_quotes(corpus).set_index("theme_id")
    # reasons: S1-1 (127), S1-2 (64), S2-1 (64) qualify, S3-2 (46) is too short: tie -> S1-2
    assert quotes.loc["reasons", "segment_id"] == "S1-2"
    # problems: S2-1 is not unanimous (B did not code overlap), S2-2 (346) is too long,
    # S1-3 (88) loses to S3-1 (83)
    assert quotes.loc["problems", "segment_id"] == "S3-1"
    assert quotes.loc[
        "problems", ["pseudonym", "role", "city_size_class", "language"]
    ].tolist() == ["P-00000005", "senior official", "very large", "fr"]
    table = quotes_markdown(quotes.reset_index(), synthetic=False)
    assert (
        "| Problems of networking | “Too many networks ask for the same reports, and we have no staff to write them all.” (translated) | P-00000005, senior official, very large city |"
        in table
    )
    assert "France" not in table and "SYNTHETIC" not in table
    assert table.rstrip().endswith("{#tbl-quotes}")
    assert "SYNTHETIC DATA" in quotes_markdown(quotes.reset_index(), synthetic=True)


def test_speaker_label_uses_only_pseudonym_role_and_size() -> None:
    assert speaker_label("P-1", "senior official", "large") == "P-1, senior official, large city"
    assert speaker_label("P-1", "", "") == "P-1, city of unstated size"


# ----------------------------------------------------------------------------- reliability on the fixture


def test_reliability_per_code_by_hand(corpus) -> None:
    table = reliability_table(corpus, n_boot=200, seed=1).set_index(["code_id", "statistic"])
    # overlap over the 6 double-coded segments: A = 0 0 1 1 0 0, B = 0 1 1 0 0 0
    # kappa: po = 4/6, pe = (2*2 + 4*4)/36 -> (24 - 20)/(36 - 20) = 0.25
    # alpha: coincidences o11 = 2, o00 = 6, o01 = o10 = 2; 1 - 11 * 4 / (144 - 16 - 64) = 0.3125
    assert table.loc[("overlap", "kappa"), "estimate"] == pytest.approx(0.25)
    assert table.loc[("overlap", "alpha"), "estimate"] == pytest.approx(0.3125)
    assert table.loc[("overlap", "alpha"), "n_segments"] == 6
    assert table.loc[("overlap", "alpha"), "verdict"] == "not reliable"
    for code in ("invest", "legit", "staff"):
        assert table.loc[(code, "alpha"), "estimate"] == pytest.approx(1.0)
        assert table.loc[(code, "kappa"), "estimate"] == pytest.approx(1.0)
    # pooled 24 cells: n11 = 6, n10 = n01 = 1, n00 = 16
    assert table.loc[("all codes", "alpha"), "estimate"] == pytest.approx(
        1 - 47 * 4 / (48**2 - 14**2 - 34**2)
    )
    assert table.loc[("all codes", "kappa"), "estimate"] == pytest.approx(190 / 238)
    assert table.loc[("all codes", "kappa"), "coders"] == "A–B"


def test_reliability_numbers_and_table(corpus) -> None:
    table = reliability_table(corpus, n_boot=200, seed=1)
    numbers = reliability_numbers(table, n_codes=4)
    assert numbers["codes_reliable"] == 3 and numbers["codes_unreliable"] == 1
    assert numbers["lowest_alpha_code"] == "overlap"
    assert numbers["reliability_sentence"].startswith(
        "Pooled over 4 codes and 6 double-coded segments, Krippendorff's α was 0.80 (95% CI "
    )
    assert (
        "3 of 4 codes reached α ≥ .800, none allow only tentative conclusions"
        in numbers["reliability_sentence"]
    )
    markdown = reliability_markdown(table, corpus.codebook, synthetic=False)
    assert "| Problems of networking | Overlap | 0.31 (−0." in markdown
    # the header says the intervals are 95% CIs and the caption that all 6 segments were used
    assert markdown.count("95% CI") == 2 and "over the 6 double-coded segments" in markdown
    assert "Segments" not in markdown
    # codes judged on different numbers of segments keep a column saying how many
    table.loc[table["code_id"] == "overlap", "n_segments"] = 5
    markdown = reliability_markdown(table, corpus.codebook, synthetic=False)
    assert "| Problems of networking | Overlap | 5 | 0.31 (−0." in markdown
    assert "κ A–B (95% CI)" in markdown and "{#tbl-reliability}" in markdown


def test_reliability_is_skipped_without_double_coding(corpus) -> None:
    single = validate_corpus(
        {
            "sessions": corpus.sessions,
            "participants": corpus.participants,
            "segments": corpus.segments,
            "codings": corpus.codings[corpus.codings["coder"] == "A"],
        },
        corpus.codebook,
    )
    numbers = reliability_numbers(reliability_table(single, n_boot=50, seed=1), n_codes=4)
    assert numbers["reliability_available"] is False
    assert "no turn was coded by two coders" in numbers["reliability_skip_reason"]


def test_theme_numbers_sentence(corpus) -> None:
    numbers = theme_numbers(
        code_frequencies(corpus), theme_frequencies(corpus), exemplar_quotes(corpus)
    )
    low, high = wilson(4, 6)
    # both themes reach 4 of 6 participants and 4 segments: ties go to the theme id
    assert numbers["top_theme"] == "Problems of networking"
    assert numbers["top_theme_share"] == f"67% (95% CI {low:.0%}–{high:.0%})".replace("%–", "–")
    assert numbers["themes_sentence"] == (
        f"Problems of networking was raised by 67% of participants (95% CI {low * 100:.0f}–{high:.0%}) "
        f"and reasons to join by 67% (95% CI {low * 100:.0f}–{high:.0%})."
    )
    assert numbers["top_code"] == "Investment" and numbers["n_quotes"] == 2


def test_data_package_describes_the_same_columns_the_loader_checks() -> None:
    package = json.loads(
        (Path(__file__).parents[1] / "data" / "datapackage.json").read_text(encoding="utf-8")
    )
    resources = {r["name"]: r for r in package["resources"]}
    for table, columns in COLUMNS.items():
        resource = resources[f"focus_group_{table}"]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        assert fields[: len(columns)] == columns
        assert resource["data"][0] == fields  # header-only template: no rows are shipped


def test_saturation_numbers_in_words(corpus) -> None:
    sets = codes_by_session(corpus)
    curve = saturation_curve([sets[s] for s in session_order(corpus)])
    numbers = saturation_numbers(
        curve, guest_ratios(curve["cumulative_codes"].tolist()), 0.5, 10, 4
    )
    assert numbers["saturation_reached"] is True and numbers["saturation_base"] == 2
    assert numbers["sessions_to_80pct"] == "the first 2 sessions"  # 3 of 4 codes after one: 75%
    assert numbers["saturation_sentence"] == (
        "After 2 sessions (4 codes), the next 1 added 0 new codes (0%; ≤5% new codes, Guest et al. "
        "2020); the criterion held in 50% of 10 random session orders."
    )
    too_few = saturation_numbers(curve.iloc[:2], guest_ratios([3, 4]), 0.0, 10, 4)
    assert too_few["saturation_reached"] is False
    assert too_few["saturation_sentence"].startswith("No saturation claim: 2 sessions are too few")

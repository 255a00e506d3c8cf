"""The synthetic corpus: seeded, valid, labelled, and its planted disagreement is recovered.

Also runs every analysis on two differently sized corpora to check that nothing depends on
the default size (swapping corpora needs only config).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.focus_groups.agreement import alpha_from_table, kappa_from_table
from analysis.focus_groups.codebook import load_codebook
from analysis.focus_groups.corpus import step_seed, validate_corpus
from analysis.focus_groups.figures import plot_cooccurrence, plot_saturation, plot_theme_frequencies
from analysis.focus_groups.reliability import reliability_numbers, reliability_table
from analysis.focus_groups.saturation import (
    codes_by_session,
    guest_ratios,
    saturation_curve,
    saturation_envelope,
    saturation_numbers,
    session_order,
)
from analysis.focus_groups.synthetic_corpus import TEMPLATES, expected_agreement, generate
from analysis.focus_groups.themes import (
    code_frequencies,
    code_presence,
    cooccurrence,
    corpus_numbers,
    exemplar_quotes,
    theme_frequencies,
    theme_numbers,
    unanimous_themes,
)

CODEBOOK = load_codebook(
    Path(__file__).parents[1] / "data" / "raw" / "focus_groups" / "codebook.yaml"
)


def build(sessions: int, per_session: int, rate: float, seed: int, share: float = 1.0):
    tables = generate(CODEBOOK, sessions, per_session, rate, seed, double_coded_share=share)
    return tables, validate_corpus(tables, CODEBOOK)


def test_every_shipped_code_has_templates() -> None:
    assert set(TEMPLATES) == set(CODEBOOK.code_ids)
    assert all(len(sentences) >= 4 for sentences in TEMPLATES.values())


def test_generator_is_seeded_and_valid() -> None:
    first, corpus = build(4, 5, 0.1, seed=3)
    again, _ = build(4, 5, 0.1, seed=3)
    other, _ = build(4, 5, 0.1, seed=4)
    for name in first:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["segments"]["text"].equals(other["segments"]["text"])
    assert len(corpus.sessions) == 4 and len(corpus.participants) == 20
    assert corpus.sessions["n_participants"].tolist() == [5] * 4
    assert corpus.sessions["language"].iloc[0] == "en"
    assert corpus.participants["pseudonym"].str.fullmatch(r"P-[0-9a-f]{8}").all()
    # every participant speaks 3-6 turns; coder A codes every segment, B all of them here
    turns = corpus.segments.groupby("pseudonym").size()
    assert turns.between(3, 6).all() and len(turns) == 20
    assert set(corpus.codings.loc[corpus.codings["coder"] == "A", "segment_id"]) == set(
        corpus.segments["segment_id"]
    )
    assert set(corpus.codings.loc[corpus.codings["coder"] == "B", "segment_id"]) == set(
        corpus.segments["segment_id"]
    )
    assert corpus.segments["text"].str.len().between(30, 400).all()


def test_double_coded_share_and_no_disagreement() -> None:
    _, corpus = build(3, 6, 0.0, seed=5, share=0.4)
    b_segments = corpus.codings.loc[corpus.codings["coder"] == "B", "segment_id"].nunique()
    assert b_segments == round(0.4 * len(corpus.segments))
    table = reliability_table(corpus, n_boot=100, seed=1)
    alphas = table.loc[table["statistic"] == "alpha", "estimate"].dropna()
    assert (alphas == 1.0).all()


def test_planted_disagreement_rate_is_the_share_of_segments_coded_differently() -> None:
    rate = 0.2
    _, corpus = build(12, 8, rate, seed=11)
    sets = corpus.codings.groupby(["segment_id", "coder"])["code"].agg(frozenset).unstack()
    observed = (sets["A"] != sets["B"]).mean()
    n = len(sets)
    assert abs(observed - rate) < 3 * np.sqrt(rate * (1 - rate) / n)


@pytest.mark.parametrize(("rate", "seed"), [(0.1, 21), (0.25, 22)])
def test_reliability_recovers_the_planted_truth(rate: float, seed: int) -> None:
    """Expected alpha and kappa implied by the rate lie within the bootstrap intervals."""
    _, corpus = build(10, 8, rate, seed=seed)
    table = reliability_table(corpus, n_boot=1000, seed=seed).set_index(["code_id", "statistic"])
    expected = expected_agreement(corpus.codings, CODEBOOK.code_ids, rate).set_index("code")
    tables = {c: np.array([[r.n00, r.n01], [r.n10, r.n11]]) for c, r in expected.iterrows()}
    pooled = sum(tables.values())
    for statistic, truth in (
        ("alpha", alpha_from_table(pooled)),
        ("kappa", kappa_from_table(pooled)),
    ):
        row = table.loc[("all codes", statistic)]
        assert row["conf_low"] <= truth <= row["conf_high"], (statistic, truth, row.to_dict())
    # per code (95% intervals, 15 codes): nearly all must cover their expected alpha
    covered = [
        table.loc[(c, "alpha"), "conf_low"]
        <= alpha_from_table(t)
        <= table.loc[(c, "alpha"), "conf_high"]
        for c, t in tables.items()
    ]
    assert sum(covered) >= 13
    # more planted disagreement, lower reliability
    assert alpha_from_table(pooled) < 1 - rate / 4


def test_more_disagreement_lowers_the_estimate() -> None:
    estimates = []
    for rate in (0.0, 0.15, 0.4):
        _, corpus = build(6, 7, rate, seed=8)
        table = reliability_table(corpus, n_boot=50, seed=1)
        estimates.append(
            table.loc[
                (table["code_id"] == "all codes") & (table["statistic"] == "alpha"), "estimate"
            ].item()
        )
    assert estimates[0] == 1.0 and estimates[0] > estimates[1] > estimates[2]


@pytest.mark.parametrize(("sessions", "per_session", "share"), [(6, 7, 1.0), (3, 4, 0.5)])
def test_analyses_run_end_to_end_on_corpora_of_any_size(
    tmp_path: Path, sessions: int, per_session: int, share: float
) -> None:
    _, corpus = build(sessions, per_session, 0.15, seed=step_seed(20170101, "corpus"), share=share)
    presence = code_presence(corpus)
    codes, themes = code_frequencies(corpus), theme_frequencies(corpus)
    assert codes["segments"].tolist() == presence.sum().tolist()
    assert (codes["participants"] <= sessions * per_session).all()
    assert (codes["sessions"] <= sessions).all()
    assert (
        themes["participants"]
        >= codes.groupby("theme_id")["participants"].max().reindex(themes["theme_id"]).to_numpy()
    ).all()
    assert (
        (codes["share_low"] <= codes["participant_share"])
        & (codes["participant_share"] <= codes["share_high"])
    ).all()
    pairs = cooccurrence(presence)
    assert len(pairs) == 15 * 14 // 2
    assert pairs["c_coefficient"].dropna().between(0, 1).all()
    assert (pairs["c_coefficient"].fillna(0) <= pairs["overlap"].fillna(0)).all()

    table = reliability_table(corpus, n_boot=200, seed=1)
    double = corpus.codings.loc[corpus.codings["coder"] == "B", "segment_id"].nunique()
    assert (table["n_segments"] == double).all()
    reliability = reliability_numbers(table, len(CODEBOOK.code_ids))

    order = session_order(corpus)
    sets = codes_by_session(corpus)
    curve = saturation_curve([sets[s] for s in order])
    assert curve["cumulative_codes"].iloc[-1] == int((codes["segments"] > 0).sum())
    assert curve["new_codes"].sum() == curve["cumulative_codes"].iloc[-1]
    ratios = guest_ratios(curve["cumulative_codes"].tolist())
    assert len(ratios) == sum(1 for b in (2, 3, 4) for r in (1, 2) if b + r <= sessions)
    envelope, share_saturated = saturation_envelope([sets[s] for s in order], 100, seed=1)
    saturation = saturation_numbers(curve, ratios, share_saturated, 100, len(CODEBOOK.code_ids))

    quotes = exemplar_quotes(corpus)
    unanimous = unanimous_themes(corpus)
    for row in quotes.itertuples():
        assert unanimous.loc[row.segment_id, row.theme_id]
        assert 60 <= len(row.text) <= 300

    numbers = (
        corpus_numbers(corpus) | theme_numbers(codes, themes, quotes) | reliability | saturation
    )
    assert numbers["n_sessions"] == sessions and numbers["n_participants"] == sessions * per_session
    assert numbers["n_double_coded"] == double
    # the same keys whatever the corpus size: the brief quotes them all
    assert {
        "themes_sentence",
        "reliability_sentence",
        "saturation_sentence",
        "alpha_pooled",
        "top_theme",
        "top_code_share",
        "codes_found",
        "sessions_to_80pct",
    } <= set(numbers)

    for name, plot in (
        ("themes.png", lambda p: plot_theme_frequencies(codes, CODEBOOK.theme_labels(), p, True)),
        ("cooccurrence.png", lambda p: plot_cooccurrence(pairs, CODEBOOK.code_labels(), p, True)),
        ("saturation.png", lambda p: plot_saturation(curve, envelope, 15, p, True)),
    ):
        plot(tmp_path / name)
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"

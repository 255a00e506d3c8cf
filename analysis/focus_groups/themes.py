"""What officials raised: code and theme frequencies, co-occurrence and exemplar quotes.

Counts are by segments, participants and sessions (a talkative participant must not make a
theme look common), with Wilson intervals; quotes are chosen by a fixed rule, never by hand.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from analysis.common.contract import markdown_table
from analysis.common.wording import format_share, join_words
from analysis.focus_groups.codebook import NO_CODE, Codebook
from analysis.focus_groups.corpus import Corpus

#: Exemplar quotes: shortest text within these bounds (characters) is chosen.
QUOTE_CHARS = (60, 300)


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
        "themes_sentence": join_words([lead, *parts]) + ".",
        "n_quotes": len(quotes),
    }



def _mid_sentence(label: str) -> str:
    """A label inside a sentence: "Problems of networking" → "problems of networking"."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label

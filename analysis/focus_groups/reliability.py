"""Inter-coder reliability of the corpus: per code, per theme and pooled.

The estimators live in :mod:`analysis.focus_groups.agreement`; this module applies them to
the two coders' presence tables and writes the table, numbers and sentences the brief quotes.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis.common.contract import markdown_table
from analysis.focus_groups.agreement import (
    THRESHOLDS,
    Estimate,
    alpha_from_coincidences,
    bootstrap,
    kappa_from_table,
    unit_coincidences,
    unit_tables,
    verdict,
)
from analysis.focus_groups.codebook import NO_CODE, Codebook
from analysis.focus_groups.corpus import Corpus
from analysis.focus_groups.themes import SYNTHETIC_MARK

#: Bootstrap replicates for reliability CIs; random session orders for the saturation envelope.
BOOTSTRAP_REPLICATES = 2000


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


def _count(n: int) -> str:
    return "none" if n == 0 else str(n)

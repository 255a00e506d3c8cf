"""Founding-partner composition: shares with Wilson intervals, association and trend tests.

Shares by founding period and decade show how the mix of founders changed; chi-square (with
a Monte-Carlo p-value for sparse tables) and Cramér's V test association with period, theme
and region, and a Cochran-Armitage test per flag (Holm-adjusted) tests a trend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.common.contract import markdown_table
from analysis.common.wording import format_p, format_share
from analysis.partners.coding import (
    COMPOSITE_FLAGS,
    FLAG_LABELS,
    FLAGS,
    REGION_GROUPS,
    THEME_GROUPS,
    code_partners,
    founding_periods,
    short_label,
)


def wilson_interval(count: int, nobs: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval: stays inside [0, 1] and behaves at 0 or n events (small cells)."""
    if nobs == 0:
        return (np.nan, np.nan)
    from statsmodels.stats.proportion import proportion_confint

    low, high = proportion_confint(count, nobs, alpha=1 - level, method="wilson")
    return float(low), float(high)


def shares(
    coded: pd.DataFrame,
    groups: Sequence | pd.Categorical | None = None,
    flags: Sequence[str] = FLAGS,
) -> pd.DataFrame:
    """Share of sourced networks with each flag, per group, with Wilson 95% intervals.

    Columns: group, flag, label, n (sourced networks in the group), n_unsourced, count,
    share, conf_low, conf_high. Groups keep their categorical order; ``None`` gives one
    group "All".
    """
    group = pd.Categorical(["All"] * len(coded)) if groups is None else pd.Categorical(groups)
    frame = coded.assign(_group=np.asarray(group)).reset_index(drop=True)
    frame["_group"] = pd.Categorical(
        frame["_group"], categories=group.categories, ordered=group.ordered
    )
    rows = []
    for name, sub in frame.groupby("_group", observed=False, sort=True):
        sourced = sub[sub["sourced"]]
        n = len(sourced)
        for flag_name in flags:
            count = int(sourced[flag_name].sum())
            low, high = wilson_interval(count, n)
            rows.append(
                {
                    "group": name,
                    "flag": flag_name,
                    "label": FLAG_LABELS[flag_name],
                    "n": n,
                    "n_unsourced": len(sub) - n,
                    "count": count,
                    "share": count / n if n else np.nan,
                    "conf_low": low,
                    "conf_high": high,
                }
            )
    out = pd.DataFrame(rows)
    out["group"] = pd.Categorical(out["group"], categories=group.categories, ordered=group.ordered)
    return out


@dataclass(frozen=True)
class Association:
    """A chi-square test of independence with its effect size (Cramér's V)."""

    statistic: float
    dof: int
    p_value: float
    monte_carlo: bool
    cramers_v: float
    n: int
    min_expected: float

    def sentence(self) -> str:
        """E.g. ``χ²(6) = 12.3, Monte Carlo p = 0.09, Cramér's V = 0.14 (n = 198)``."""
        kind = "Monte Carlo p" if self.monte_carlo else "p"
        return (
            f"χ²({self.dof}) = {self.statistic:.1f}, {kind} {format_p(self.p_value)}, "
            f"Cramér's V = {self.cramers_v:.2f} (n = {self.n})"
        )


def association_test(
    rows: Sequence, columns: Sequence, seed: int, n_resamples: int = 9999
) -> Association:
    """Pearson chi-square of ``rows`` × ``columns`` (missing values dropped).

    Where an expected count is below 5 the asymptotic p-value is unreliable, so the p-value
    comes from ``n_resamples`` random tables with the observed margins (scipy's
    ``MonteCarloMethod``, Patefield tables), seeded for reproducibility.
    """
    from scipy.stats import MonteCarloMethod, chi2_contingency
    from scipy.stats.contingency import association, expected_freq

    frame = pd.DataFrame(
        {"r": np.asarray(rows, dtype=object), "c": np.asarray(columns, dtype=object)}
    )
    frame = frame[frame["r"].notna() & frame["c"].notna()]
    table = pd.crosstab(frame["r"], frame["c"]).to_numpy()
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        raise ValueError("a test of association needs at least two non-empty rows and columns")
    min_expected = float(expected_freq(table).min())
    monte_carlo = min_expected < 5
    method = (
        MonteCarloMethod(n_resamples=n_resamples, rng=np.random.default_rng(seed))
        if monte_carlo
        else None
    )
    result = chi2_contingency(table, correction=False, method=method)
    return Association(
        statistic=float(result.statistic),
        dof=int((table.shape[0] - 1) * (table.shape[1] - 1)),
        p_value=float(result.pvalue),
        monte_carlo=monte_carlo,
        cramers_v=float(association(table, method="cramer", correction=False)),
        n=int(table.sum()),
        min_expected=min_expected,
    )


def ordinal_trend(table: np.ndarray, scores: Sequence[float]) -> tuple[float, float]:
    """Cochran–Armitage trend test of a k × 2 table (rows ordered; columns: has, has not).

    statsmodels' linear-by-linear test with the given row scores: z² is Agresti's
    M² = (n − 1) r², equal to Cochran–Armitage's z² up to (n − 1)/n. Positive z means the
    share in the first column rises with the score. Returns (z, two-sided p).
    """
    from statsmodels.stats.contingency_tables import Table

    test = Table(np.asarray(table, dtype=float), shift_zeros=False).test_ordinal_association(
        row_scores=np.asarray(scores, dtype=float), col_scores=np.array([1.0, 0.0])
    )
    return float(test.zscore), float(test.pvalue)


def trend_tests(
    coded: pd.DataFrame, periods: pd.Categorical, years: Sequence[int], flags: Sequence[str] = FLAGS
) -> pd.DataFrame:
    """Cochran–Armitage test of a linear trend in each flag's share over ordered periods.

    Scores are the mean founding year of each period's networks (so unequal period lengths
    count as they should) and p-values are Holm-adjusted over all flags tested. A flag that
    never (or always) occurs has no test. Columns: flag, z, p_value, p_holm.
    """
    from statsmodels.stats.multitest import multipletests

    frame = pd.DataFrame(
        {"period": pd.Categorical(periods), "year": np.asarray(years, dtype=float)}
    ).assign(**{f: coded[f].to_numpy() for f in flags})
    frame = frame[coded["sourced"].to_numpy()]
    by_period = frame.groupby("period", observed=True)
    scores = by_period["year"].mean().to_numpy()
    total = by_period.size().to_numpy()
    rows = []
    for flag_name in flags:
        has = by_period[flag_name].sum().to_numpy(dtype=int)
        if len(total) < 2 or has.sum() in (0, total.sum()):
            rows.append({"flag": flag_name, "z": np.nan, "p_value": np.nan})
            continue
        z, p = ordinal_trend(np.column_stack([has, total - has]), scores)
        rows.append({"flag": flag_name, "z": z, "p_value": p})
    out = pd.DataFrame(rows)
    tested = out["p_value"].notna()
    out["p_holm"] = np.nan
    if tested.any():
        out.loc[tested, "p_holm"] = multipletests(out.loc[tested, "p_value"], method="holm")[1]
    return out


#: Factors whose association with the founding coalition is tested.
ASSOCIATION_FACTORS = ("period", "theme", "region")


def composition_keys() -> list[str]:
    """Every key :func:`composition_numbers` writes, whatever the data.

    The brief's fallback renderer substitutes every ``{{< meta >}}`` before it hides
    conditional content, so the skipped form must carry the same keys as the full form.
    """
    return [
        "available",
        "skip_reason",
        "n_networks",
        "n_sourced",
        "n_unsourced",
        "period_first",
        "period_last",
        "periods",
        *(f"{kind}_{flag}" for flag in FLAGS for kind in ("n", "share", "trend")),
        *(f"{when}_{flag}" for flag in COMPOSITE_FLAGS for when in ("first", "last")),
        *(f"association_{factor}" for factor in ASSOCIATION_FACTORS),
    ]


def composition_numbers(networks: pd.DataFrame, period_breaks: Sequence[int], seed: int) -> dict:
    """The composition values the brief quotes (flat; prose values preformatted)."""
    coded = code_partners(networks)
    periods = founding_periods(networks, period_breaks)
    overall = shares(coded).set_index("flag")
    by_period = shares(coded, periods)
    trends = trend_tests(coded, periods, networks["founded_year"].astype(int)).set_index("flag")
    labels = list(periods.categories)
    first, last = labels[0], labels[-1]
    numbers: dict = {
        "available": True,
        "skip_reason": "",
        "n_networks": len(networks),
        "n_sourced": int(coded["sourced"].sum()),
        "n_unsourced": int((~coded["sourced"]).sum()),
        "period_first": first,
        "period_last": last,
        "periods": ", ".join(labels),
    }
    for flag_name in FLAGS:
        row = overall.loc[flag_name]
        numbers[f"n_{flag_name}"] = int(row["count"])
        numbers[f"share_{flag_name}"] = format_share(
            row["share"], row["conf_low"], row["conf_high"]
        )
        numbers[f"trend_{flag_name}"] = _trend_sentence(
            flag_name, by_period[by_period["flag"] == flag_name], trends.loc[flag_name], first, last
        )
    for flag_name in COMPOSITE_FLAGS:  # short shares for captions: "71%"
        by = by_period[by_period["flag"] == flag_name].set_index("group")["share"]
        numbers[f"first_{flag_name}"] = f"{by[first]:.0%}"
        numbers[f"last_{flag_name}"] = f"{by[last]:.0%}"
    sourced = coded["sourced"].to_numpy()
    coalition = coded["coalition"].astype(str).to_numpy()[sourced]
    factors = {
        "period": np.asarray(periods.astype(str))[sourced],
        "theme": _grouped(networks, "primary_theme", THEME_GROUPS)[sourced],
        "region": _grouped(networks, "region", REGION_GROUPS)[sourced],
    }
    for offset, name in enumerate(ASSOCIATION_FACTORS):
        factor = factors[name]
        numbers[f"association_{name}"] = _association_sentence(coalition, factor, seed + offset)
    return numbers


def _grouped(networks: pd.DataFrame, column: str, groups: dict[str, str]) -> np.ndarray:
    """A coarse grouping of an optional column (all missing when the column is absent)."""
    if column not in networks.columns:
        return np.full(len(networks), None, dtype=object)
    return networks[column].astype("object").map(groups).to_numpy(dtype=object)


def _association_sentence(coalition: np.ndarray, factor: np.ndarray, seed: int) -> str:
    """The test as a sentence, or why it could not be run."""
    try:
        return association_test(coalition, factor, seed).sentence()
    except ValueError:
        return "not testable (fewer than two groups with data)"


def _trend_sentence(
    flag_name: str, per_period: pd.DataFrame, trend: pd.Series, first: str, last: str
) -> str:
    """First- and last-period shares with intervals, then the trend z and (Holm) p."""
    by = per_period.set_index("group")
    parts = []
    for label in (first, last):
        row = by.loc[label]
        if row["n"] == 0:
            parts.append(f"no sourced networks founded {label}")
        else:
            share = format_share(row["share"], row["conf_low"], row["conf_high"])
            parts.append(f"{share} of networks founded {label}")
    if not np.isfinite(trend["z"]):
        test = "no trend test (no variation)"
    else:
        test = (
            f"trend z = {trend['z']:.2f}".replace("-", "−") + f", p {format_p(trend['p_value'])} "
            f"(Holm-adjusted p {format_p(trend['p_holm'])})"
        )
    return f"{FLAG_LABELS[flag_name]}: {parts[0]}, against {parts[1]}; {test}"


#: The brief cross-references the shares table as @tbl-partner-shares.
SHARES_LABEL = "tbl-partner-shares"


def shares_table(coded: pd.DataFrame, periods: pd.Categorical) -> str:
    """The compact pipe table of shares by period with Wilson intervals, and its caption."""
    by_period = shares(coded, periods)
    overall = shares(coded)
    columns = [*map(str, periods.categories), "All"]
    frame = pd.concat([by_period.assign(group=by_period["group"].astype(str)), overall])
    cell = frame.assign(
        text=[
            "–" if n == 0 else f"{s:.0%} ({lo * 100:.0f}–{hi * 100:.0f})"
            for s, lo, hi, n in zip(
                frame["share"], frame["conf_low"], frame["conf_high"], frame["n"]
            )
        ]
    )
    wide = cell.pivot(index="flag", columns="group", values="text").loc[list(FLAGS), columns]
    counts = frame.drop_duplicates("group").set_index("group").loc[columns]
    table = pd.DataFrame(
        [
            *(wide.loc[f].tolist() for f in FLAGS),
            counts["n"].astype(int).astype(str).tolist(),
            counts["n_unsourced"].astype(int).astype(str).tolist(),
        ],
        columns=columns,
    )
    table.insert(
        0,
        "Founding partner",
        [
            *map(short_label, FLAGS),
            "Networks with sourced partners (n)",
            "Partners not sourced (n, excluded)",
        ],
    )
    caption = (
        "Share of city networks with each type of founding partner, by founding period: "
        "percent of networks whose founding partners are sourced, with Wilson 95% intervals "
        "in brackets; a network can have several types."
    )
    return markdown_table(table, caption, SHARES_LABEL)


def skipped_table(reason: str) -> str:
    """The table's stand-in when the analysis is skipped, so the brief's include still works."""
    frame = pd.DataFrame({"Founding partners": ["Not analysed."]})
    return markdown_table(frame, reason, SHARES_LABEL)

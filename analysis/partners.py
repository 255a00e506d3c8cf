"""Founding partners: who starts city networks, and how that mix changed (methods.md §3).

The paper's second policy implication is that multilateral support lends legitimacy but is
"not enough to grant success", while public–private coalitions with business and
philanthropies are "key". Testing it starts here: one flag per founding-partner type, the
composite flags the paper talks about ("cities only", "public–private"), their shares by
founding period and decade with Wilson intervals, tests of association with period, theme and
region, and a trend test per flag.

A network whose partners no source names is "not sourced": it is kept out of every share's
denominator and never counted as "cities only".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.contract import markdown_table
from analysis.figure_style import SMALL, WIDTH, apply_theme, save_figure, save_note
from analysis.population import assign_period
from analysis.wording import format_p, format_share

PARTNER_COLUMN = "founding_partner_types"

#: The vocabulary of ``founding_partner_types`` (data/README.md), in display order.
PARTNER_TYPES = (
    "city_government",
    "local_government_association",
    "regional_government",
    "multilateral",
    "supranational",
    "national_government",
    "philanthropy",
    "business",
    "ngo",
    "academic",
)
LOCAL_TYPES = frozenset({"city_government", "local_government_association", "regional_government"})
PRIVATE_TYPES = frozenset({"business", "philanthropy"})
INTERGOVERNMENTAL_TYPES = frozenset({"multilateral", "supranational"})

#: Composite flags: the coalitions the paper's policy implication 2 is about.
COMPOSITE_FLAGS = ("cities_only", "public_private", "intergovernmental")
FLAGS = (*PARTNER_TYPES, *COMPOSITE_FLAGS)

FLAG_LABELS = {
    "city_government": "City government",
    "local_government_association": "Local-government association",
    "regional_government": "Regional government",
    "multilateral": "Multilateral (UN, World Bank, WHO…)",
    "supranational": "Supranational (EU, Council of Europe…)",
    "national_government": "National government",
    "philanthropy": "Philanthropy",
    "business": "Business",
    "ngo": "NGO",
    "academic": "Academic",
    "cities_only": "Cities only (local and regional governments)",
    "public_private": "Public–private (business or philanthropy)",
    "intergovernmental": "Intergovernmental (multilateral or supranational)",
}


def short_label(flag: str) -> str:
    """The label without its parenthesised gloss, for panel titles and axis ticks."""
    return FLAG_LABELS[flag].split(" (")[0]


NOT_SOURCED = "not sourced"
#: Mutually exclusive founding coalitions, for tests of association (a network has one).
COALITIONS = ("cities only", "public–private", "intergovernmental", "other mixed")

#: Coarse theme groups: 15 themes over ~200 networks leave most cells empty.
THEME_GROUPS = {
    "general": "general",
    "environment_climate": "environment and infrastructure",
    "energy": "environment and infrastructure",
    "resilience_disaster": "environment and infrastructure",
    "transport_mobility": "environment and infrastructure",
    "food": "environment and infrastructure",
    "health": "social and cultural",
    "social_inclusion": "social and cultural",
    "migration": "social and cultural",
    "peace_security": "social and cultural",
    "culture_heritage": "social and cultural",
    "education_knowledge": "social and cultural",
    "economy_trade": "economy and development",
    "technology_digital": "economy and development",
    "development": "economy and development",
}
#: Coarse regions: global networks, Europe and its sub-regions, and the rest of the world.
REGION_GROUPS = {
    "Global": "global",
    "Europe": "Europe",
    "Nordic-Baltic": "Europe",
    "Mediterranean": "Europe",
    "Asia-Pacific": "rest of the world",
    "Africa": "rest of the world",
    "Latin America and Caribbean": "rest of the world",
    "North America": "rest of the world",
    "Middle East and North Africa": "rest of the world",
}


def partners_skip_reason(networks: pd.DataFrame) -> str | None:
    """Why the founding-partner analysis cannot run on this table, or None when it can."""
    from analysis.contract import skip_reason

    return skip_reason(networks, [PARTNER_COLUMN], "founding-partner analysis")


def code_partners(networks: pd.DataFrame) -> pd.DataFrame:
    """One row per network: ``sourced``, a flag per type and composite flag, ``coalition``.

    Flags are pandas ``boolean`` and <NA> where the partners are not sourced, so no share,
    test or model can silently count an unsourced network as "no partner of this type".
    Raises ``ValueError`` naming the row, network and column for a type outside the vocabulary.
    """
    raw = networks[PARTNER_COLUMN].astype("string") if PARTNER_COLUMN in networks else None
    if raw is None:
        raise ValueError(f"the networks table has no column `{PARTNER_COLUMN}`")
    tokens = [
        [] if pd.isna(cell) else [t.strip() for t in str(cell).split(";") if t.strip()]
        for cell in raw
    ]
    for row, (network_id, types) in enumerate(zip(networks["network_id"], tokens), start=1):
        unknown = sorted(set(types) - set(PARTNER_TYPES))
        if unknown:
            raise ValueError(
                f"networks table, row {row} (network {network_id}), column `{PARTNER_COLUMN}`: "
                f"unknown partner type(s) {unknown}; use `;`-separated values from "
                f"{', '.join(PARTNER_TYPES)}"
            )
    sourced = np.array([bool(t) for t in tokens])
    sets = [set(t) for t in tokens]

    def flag(test) -> pd.arrays.BooleanArray:
        return pd.array([test(s) if ok else pd.NA for s, ok in zip(sets, sourced)], dtype="boolean")

    coded = pd.DataFrame(
        {"network_id": networks["network_id"].to_numpy(), "sourced": sourced}, index=networks.index
    )
    for kind in PARTNER_TYPES:
        coded[kind] = flag(lambda s, kind=kind: kind in s)
    coded["cities_only"] = flag(lambda s: s <= LOCAL_TYPES)
    coded["public_private"] = flag(lambda s: bool(s & PRIVATE_TYPES))
    coded["intergovernmental"] = flag(lambda s: bool(s & INTERGOVERNMENTAL_TYPES))
    coded["coalition"] = pd.Categorical(
        [_coalition(s) if ok else NOT_SOURCED for s, ok in zip(sets, sourced)],
        categories=[*COALITIONS, NOT_SOURCED],
    )
    return coded


def _coalition(types: set[str]) -> str:
    """The one coalition of a sourced network; private partners take precedence."""
    if types & PRIVATE_TYPES:
        return "public–private"
    if types & INTERGOVERNMENTAL_TYPES:
        return "intergovernmental"
    if types <= LOCAL_TYPES:
        return "cities only"
    return "other mixed"


def founding_periods(networks: pd.DataFrame, period_breaks: Sequence[int]) -> pd.Categorical:
    """Founding period of each network (first period starts at the first founding)."""
    years = networks["founded_year"].astype(int)
    return assign_period(years, period_breaks, int(years.min()))


def decade_bins(years: Sequence[int] | pd.Series, min_n: int = 10) -> pd.Categorical:
    """Founding decade of each network, pooling the thin first and last decades.

    Leading decades are pooled until the first bin holds ``min_n`` networks (here the 11
    networks founded before 1980, labelled "1913–79"), and a last decade below ``min_n``
    joins the one before, so no point in the decade figure rests on two or three networks.
    """
    years = np.asarray(years, dtype=int)
    decades = years // 10 * 10
    counts = pd.Series(decades).value_counts().sort_index()
    starts = list(counts.index)
    while len(starts) > 1 and counts[counts.index < starts[1]].sum() < min_n:
        starts.pop(1)
    if len(starts) > 1 and counts[counts.index >= starts[-1]].sum() < min_n:
        starts.pop()
    first, last = int(years.min()), int(years.max())
    ends = [s - 1 for s in starts[1:]] + [last]
    labels = [
        f"{start}s" if end < start + 10 else _year_range(max(start, first), end)
        for start, end in zip(starts, ends)
    ]
    codes = np.searchsorted(np.asarray(starts), decades, side="right") - 1
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def _year_range(first: int, last: int) -> str:
    """``1913–79`` within a century, ``1990–2021`` across one."""
    return f"{first}–{last % 100:02d}" if first // 100 == last // 100 else f"{first}–{last}"


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


def plot_share_panels(frame: pd.DataFrame, path: str | Path, xlabel: str) -> None:
    """One dot-and-interval panel per group (period or decade): share of sourced networks
    with each founding partner, Wilson 95% intervals, partner types down the shared y axis.

    Dots rather than stacked bars because a network can have several partner types, so the
    shares do not add up to one. Rows are sorted by the overall share, the composite
    coalitions first; reading a row across the panels shows the change over time.
    """
    colours = apply_theme()
    import matplotlib.pyplot as plt

    totals = frame.groupby("flag")[["count", "n"]].sum()
    overall = (totals["count"] / totals["n"].where(totals["n"] > 0)).fillna(0.0)
    # stable sort: ties keep the vocabulary's order, so the figure is reproducible
    kinds = [
        (kind, sorted([f for f in flags if f in overall], key=lambda f: -overall[f]), colour, mark)
        for kind, flags, colour, mark in (
            ("Founding coalition", COMPOSITE_FLAGS, colours[1], "D"),
            ("Partner type", PARTNER_TYPES, colours[0], "o"),
        )
    ]
    position: dict[str, float] = {}  # flag -> y, top down, a gap after the coalitions
    for i, (_, flags, _, _) in enumerate(kinds):
        for flag_name in flags:
            position[flag_name] = -len(position) - 0.6 * i
    groups = list(frame["group"].cat.categories)
    fig, axes = plt.subplots(
        1,
        len(groups),
        figsize=(WIDTH, 1.7 + 0.28 * len(position)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    by = frame.set_index(["group", "flag"])
    for ax, group in zip(axes[0], groups):
        for kind, flags, colour, marker in kinds:
            sub = by.loc[group].loc[flags]
            share = sub["share"].to_numpy(dtype=float) * 100
            # clip: a Wilson bound at 0 or n events can sit a rounding error past the estimate
            err = np.clip(
                np.vstack(
                    [
                        share - sub["conf_low"].to_numpy(dtype=float) * 100,
                        sub["conf_high"].to_numpy(dtype=float) * 100 - share,
                    ]
                ),
                0,
                None,
            )
            ax.errorbar(
                share,
                [position[f] for f in flags],
                xerr=err,
                fmt=marker,
                color=colour,
                ms=5,
                elinewidth=1.6,
                capsize=0,
                label=kind,
            )
        n = int(by.loc[group]["n"].iloc[0])
        ax.set_title(f"{group}\nn = {n}", fontsize=SMALL)
        ax.set_xlim(-5, 105)
        # narrow panels keep only the end labels, so neighbouring "100" and "0" stay apart
        ax.set_xticks([0, 50, 100], ["0", "50" if len(groups) <= 4 else "", "100"])
        ax.set_xticks([25, 75], minor=True)
        ax.grid(which="minor", axis="x", lw=0.6)
        ax.tick_params(axis="y", length=0)
    first = axes[0, 0]
    first.set_yticks(list(position.values()), [short_label(f) for f in position])
    first.set_ylim(min(position.values()) - 0.7, 0.7)
    first.annotate(  # the header of the panel titles' column, where the row labels are
        f"{xlabel}\nn = sourced networks",
        (0, 0),
        xycoords=first.title,
        xytext=(-10, 0),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=SMALL,
        fontweight="bold",
    )
    fig.supxlabel("Networks with this founding partner (%)", fontsize=12)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, frameon=False)
    save_figure(fig, path)


def plot_skipped(path: str | Path, reason: str) -> None:
    """A placeholder figure that says the analysis was skipped and why."""
    save_note("Analysis skipped.\n" + reason, path)

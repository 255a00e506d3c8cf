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

import numpy as np
import pandas as pd

from analysis.census.population import assign_period

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
    from analysis.common.contract import skip_reason

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

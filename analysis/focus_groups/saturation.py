"""Saturation of the focus-group codes across sessions (Guest, Namey & Chen 2020).

How many sessions it took until new sessions added almost no new codes tells a reader whether
more focus groups would likely have changed the picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.focus_groups.corpus import Corpus
from analysis.focus_groups.themes import code_presence

#: Guest, Namey & Chen (2020): new-information threshold, base sizes and run lengths.
SATURATION_THRESHOLD = 0.05


SATURATION_BASES = (2, 3, 4)


SATURATION_RUNS = (1, 2)


SATURATION_ORDERS = 1000


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

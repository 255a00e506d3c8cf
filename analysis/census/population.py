"""The network population through time: lifetimes, density and the yearly frame.

Organisational ecology models foundings and dissolutions as functions of how many networks
already exist, so every growth and survival model starts from the same definitions here
(methods.md §1.1): density N_t is the number alive at the *start* of year t.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

ENDED_STATUSES = ("dissolved", "merged")


def lifetimes(networks: pd.DataFrame, census_year: int) -> pd.DataFrame:
    """One row per network: founding year, exit year bounds, end type and censoring.

    Why bounds: an ended network without ``end_year`` ended *after* its ``last_evidence_year``
    (interval-censored), so its exit lies in (last_evidence_year, census_year]. Density uses
    the earliest possible exit (``exit_year``: last_evidence_year + 1) and survival models can
    use both bounds. An active network last seen before the census is censored at that year.

    Columns: network_id, founded_year, end_type (``dissolved``/``merged``/<NA> if alive),
    exit_year (first year no longer alive; <NA> if alive at census), exit_year_max (latest
    possible exit), observed_until (last year the network is known to be alive),
    end_year_known (bool).
    """
    n = len(networks)
    status = _column(networks, "status", n).astype("string")
    end_year = _column(networks, "end_year", n).astype("Int64")
    last_seen = _column(networks, "last_evidence_year", n).astype("Int64")
    founded = networks["founded_year"].astype("Int64")

    ended = status.isin(ENDED_STATUSES).fillna(False).to_numpy(dtype=bool)
    # an end_year alone (status missing) is still an end
    ended = ended | end_year.notna().to_numpy()
    end_type = pd.Series(pd.NA, index=networks.index, dtype="string")
    end_type[ended] = status[ended].fillna("dissolved")

    earliest_exit = end_year.where(end_year.notna(), last_seen + 1)
    exit_year = earliest_exit.where(pd.Series(ended, index=networks.index))
    exit_max = end_year.where(end_year.notna(), pd.array([census_year] * n, dtype="Int64"))
    exit_max = exit_max.where(pd.Series(ended, index=networks.index))
    observed_until = last_seen.where(last_seen.notna(), census_year)
    observed_until = observed_until.where(~pd.Series(ended, index=networks.index), exit_year - 1)
    return pd.DataFrame(
        {
            "network_id": networks["network_id"].to_numpy(),
            "founded_year": founded.to_numpy(),
            "end_type": end_type.to_numpy(),
            "exit_year": exit_year.astype("Int64").to_numpy(),
            "exit_year_max": exit_max.astype("Int64").to_numpy(),
            "observed_until": observed_until.astype("Int64").to_numpy(),
            "end_year_known": (end_year.notna() & pd.Series(ended, index=networks.index)).to_numpy(),
        }
    )


def density(
    lives: pd.DataFrame, years: Sequence[int], exit_column: str = "exit_year"
) -> np.ndarray:
    """Networks alive at the start of each year: founded before it and not yet exited.

    ``exit_column="exit_year_max"`` counts networks with an unknown end year as alive until
    the census (the upper bound, as the census README counts "alive in 1985"); the default
    uses the earliest possible exit. Alive *during* year y is ``density(lives, [y + 1])``.
    """
    years_arr = np.asarray(years)[:, None]
    founded = lives["founded_year"].to_numpy(dtype=float)[None, :]
    exit_year = lives[exit_column].astype("Float64").fillna(np.inf).to_numpy(dtype=float)[None, :]
    return ((founded < years_arr) & (exit_year >= years_arr)).sum(axis=1)


def period_labels(breaks: Sequence[int], first_year: int) -> list[str]:
    """Labels of the periods that ``breaks`` (first years of new periods) cut time into."""
    starts = [first_year, *sorted(breaks)]
    labels = [f"{a}–{b - 1}" for a, b in zip(starts[:-1], starts[1:])]
    return [*labels, f"{starts[-1]}–"]


def assign_period(years: Sequence[int] | pd.Series, breaks: Sequence[int], first_year: int) -> pd.Categorical:
    """Ordered period of each year; one definition for the growth and partner stages."""
    labels = period_labels(breaks, first_year)
    codes = np.searchsorted(np.asarray(sorted(breaks)), np.asarray(years, dtype=float), side="right")
    return pd.Categorical.from_codes(codes, categories=labels, ordered=True)


def yearly_frame(
    networks: pd.DataFrame, census_year: int, period_breaks: Sequence[int]
) -> pd.DataFrame:
    """The yearly population frame from the first founding to the census year.

    Columns: year, foundings (F_t), dissolutions and mergers ending in year t (by earliest
    possible exit), deaths (D_t, both end types), density (N_t at the start of t),
    alive_end (N_{t+1}), foundings_lag, deaths_lag (0 before the first year), period.
    """
    lives = lifetimes(networks, census_year)
    first = int(lives["founded_year"].min())
    years = np.arange(first, census_year + 1)
    founded = lives["founded_year"].to_numpy(dtype=int)
    exits = lives["exit_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    end_type = lives["end_type"].fillna("").to_numpy(dtype=object)

    def count_exits(kind: str | None) -> np.ndarray:
        mask = ~np.isnan(exits) if kind is None else (~np.isnan(exits)) & (end_type == kind)
        return np.array([(exits[mask] == y).sum() for y in years])

    frame = pd.DataFrame(
        {
            "year": years,
            "foundings": np.array([(founded == y).sum() for y in years]),
            "dissolutions": count_exits("dissolved"),
            "mergers": count_exits("merged"),
            "deaths": count_exits(None),
            "density": density(lives, years),
            "alive_end": density(lives, years + 1),
        }
    )
    frame["foundings_lag"] = frame["foundings"].shift(1, fill_value=0)
    frame["deaths_lag"] = frame["deaths"].shift(1, fill_value=0)
    frame["period"] = assign_period(frame["year"], period_breaks, first)
    return frame


def _column(frame: pd.DataFrame, name: str, n: int) -> pd.Series:
    """An optional column, or an all-missing one when the table does not have it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series([pd.NA] * n, index=frame.index, dtype="object")

"""Dissolution of city networks: network-years, survival curves, piecewise-exponential and Cox.

The paper asks whether it is "time for a Darwinian selection" among city networks. Ecology's
answer is in the mortality rate (methods.md §1.3): does a network's yearly hazard of ending rise
with the number of networks it competes with now (N_t) or with the crowding it was born into
(density at founding, N_f)? The census records few ends (9 dissolutions, 13 mergers), so every
choice here is made to keep the models honest at that size (methods.md §1.5, §5.3).

Conventions (the same as :mod:`analysis.growth.simulate`, so the models can be checked on known truth):

* A network is at risk in each year t after its founding year f (t = f+1, f+2, …) at age
  a = t − f; the founding year is a partial year and is not at risk. One row per network-year,
  exposure one year, age interval (a−1, a] for the Cox model.
* Density N_t counts networks alive at the start of t (:func:`analysis.census.population.density`) and
  enters per 100 networks; density at founding is N_f of the network's founding year.
* An end (``dissolved`` or ``merged``) happens in its exit year. An active network last seen
  before the census is censored at its last evidence year but still counts in density until the
  census (it is not known to have ended).
* **Unknown end years** (ended networks without ``end_year``) are interval-censored: the end lies
  in (last_evidence_year, census_year]. The primary analysis places it at the **earliest**
  possible year, the year after the last evidence, because (i) that is the exit year
  :func:`analysis.census.population.density` uses, so a network's event and its contribution to N_t
  agree with the growth stage; (ii) a defunct network stops leaving public traces when it stops
  working, so its last evidence is close to its end; (iii) the midpoint of a 65-year gap (one
  network was last seen in 1960) would invent decades of survival. The midpoint and the latest
  bound (the census year) are fitted as sensitivity analyses; no network is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from analysis.census.population import density, lifetimes

EndRule = Literal["earliest", "midpoint", "latest"]


END_RULES: tuple[EndRule, ...] = ("earliest", "midpoint", "latest")


EVENTS = ("dissolved", "merged", "ended")


EVENT_WORDS = {
    "ended": "any end (dissolution or merger)",
    "dissolved": "dissolution (mergers censored)",
    "merged": "merger (dissolutions censored)",
}


#: Any end is the primary event: see :func:`fit_dissolution_models` for why.
PRIMARY_EVENT = "ended"


def network_spells(
    networks: pd.DataFrame, census_year: int, end_rule: EndRule = "earliest"
) -> pd.DataFrame:
    """One row per network: when it was at risk, how its spell ended, and density at founding.

    Columns: network_id, founded_year, end_type, exit_used (year of the end under ``end_rule``,
    <NA> if censored), last_year (last year at risk), duration (last_year − founded_year, the age
    at the end or at censoring), dissolved/merged/ended (0/1), interval_censored (ended without
    ``end_year``), censored_early (active but last seen before the census), density_founding
    (N_f / 100), borderline (when the table has it). ``end_rule`` places unknown end years at the
    earliest possible year, the midpoint of the candidate years, or the census year.
    """
    return _spells_and_lives(networks, census_year, end_rule)[0]


def _spells_and_lives(
    networks: pd.DataFrame, census_year: int, end_rule: EndRule
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spells, and the lifetimes with the exit year used (``exit_used``) that density needs."""
    if end_rule not in END_RULES:
        raise ValueError(f"end_rule must be one of {END_RULES}, not {end_rule!r}")
    lives = lifetimes(networks, census_year)
    founded = lives["founded_year"].astype(int).to_numpy()
    ended = lives["end_type"].notna().to_numpy()
    earliest = lives["exit_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    latest = lives["exit_year_max"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    exit_used = {
        "earliest": earliest,
        "midpoint": np.floor((earliest + latest) / 2),
        "latest": latest,
    }[end_rule]
    # an end recorded in the founding year falls in the first year at risk
    exit_used = np.where(ended, np.maximum(exit_used, founded + 1), np.nan)
    lives["exit_used"] = pd.array(
        [pd.NA if np.isnan(y) else int(y) for y in exit_used], dtype="Int64"
    )

    observed = lives["observed_until"].astype(int).to_numpy()
    last_year = np.where(ended, exit_used, observed).astype(int)
    end_type = lives["end_type"].fillna("").to_numpy(dtype=object)
    spells = pd.DataFrame(
        {
            "network_id": lives["network_id"].to_numpy(),
            "founded_year": founded,
            "end_type": lives["end_type"].to_numpy(),
            "exit_used": lives["exit_used"].to_numpy(),
            "last_year": last_year,
            "duration": np.maximum(last_year - founded, 0),
            "dissolved": (end_type == "dissolved").astype(int),
            "merged": (end_type == "merged").astype(int),
            "ended": ended.astype(int),
            "interval_censored": ended & ~lives["end_year_known"].to_numpy(dtype=bool),
            "censored_early": ~ended & (observed < census_year),
            "density_founding": density(lives, founded, "exit_used") / 100.0,
        }
    )
    if "borderline" in networks.columns:
        spells["borderline"] = (
            networks["borderline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        )
    return spells, lives


def network_years(
    networks: pd.DataFrame,
    census_year: int,
    age_pieces: Sequence[int],
    end_rule: EndRule = "earliest",
) -> pd.DataFrame:
    """One row per network per year at risk: the data of every dissolution model here.

    Columns: network_id, founded_year, year, age (year − founded_year, ≥ 1), age_piece (lower
    edge of the piece ``age`` falls in, from ``age_pieces``), age_start/age_stop (the row's age
    interval (age−1, age], for counting-process Cox rows), exposure (1 year), dissolved, merged,
    ended (0/1 event indicators, 1 only in the exit year), density (N_t / 100),
    density_founding (N_f / 100), interval_censored, borderline (when present). Extra network
    covariates can be merged on ``network_id``. Networks with no year at risk (founded in the
    census year, or last seen in their founding year) have no rows; :func:`end_counts` counts them.
    """
    edges = check_pieces(age_pieces)
    spells, lives = _spells_and_lives(networks, census_year, end_rule)
    n_years = spells["duration"].to_numpy()
    idx = np.repeat(np.arange(len(spells)), n_years)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(n_years) - n_years, n_years)
    founded = spells["founded_year"].to_numpy()[idx]
    age = offset + 1
    year = founded + age

    first = int(spells["founded_year"].min()) if len(spells) else census_year
    calendar = np.arange(first, census_year + 2)
    density_by_year = pd.Series(density(lives, calendar, "exit_used") / 100.0, index=calendar)
    rows = pd.DataFrame(
        {
            "network_id": spells["network_id"].to_numpy()[idx],
            "founded_year": founded,
            "year": year,
            "age": age,
            "age_piece": edges[np.searchsorted(edges, age, side="right") - 1],
            "age_start": (age - 1).astype(float),
            "age_stop": age.astype(float),
            "exposure": 1.0,
        }
    )
    is_exit = (year == spells["last_year"].to_numpy()[idx]) & (spells["ended"].to_numpy()[idx] == 1)
    for event in EVENTS:
        rows[event] = np.where(is_exit, spells[event].to_numpy()[idx], 0)
    rows["density"] = density_by_year.reindex(year).to_numpy()
    for column in ("density_founding", "interval_censored", "borderline"):
        if column in spells.columns:
            rows[column] = spells[column].to_numpy()[idx]
    return rows


def end_counts(networks: pd.DataFrame, census_year: int) -> dict[str, int]:
    """How many networks ended, how, and how each is handled: nothing is dropped silently."""
    spells = network_spells(networks, census_year)
    interval = spells["interval_censored"]
    return {
        "n_networks": len(spells),
        "n_network_years": int(spells["duration"].sum()),
        "n_ended": int(spells["ended"].sum()),
        "n_dissolved": int(spells["dissolved"].sum()),
        "n_merged": int(spells["merged"].sum()),
        "n_end_year_known": int(spells["ended"].sum() - interval.sum()),
        "n_interval_censored": int(interval.sum()),
        "n_interval_censored_dissolved": int((interval & (spells["dissolved"] == 1)).sum()),
        "n_interval_censored_merged": int((interval & (spells["merged"] == 1)).sum()),
        "n_active_at_census": int(((spells["ended"] == 0) & ~spells["censored_early"]).sum()),
        "n_censored_before_census": int(spells["censored_early"].sum()),
        "n_no_time_at_risk": int((spells["duration"] == 0).sum()),
    }


def check_pieces(age_pieces: Sequence[int]) -> np.ndarray:
    edges = np.asarray(sorted(set(int(a) for a in age_pieces)))
    if edges.size == 0 or edges[0] != 0:
        raise ValueError(
            f"age_pieces must start at 0 (lower edges in years), got {list(age_pieces)}"
        )
    return edges

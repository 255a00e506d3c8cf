"""Seeded synthetic populations of city networks with known density-dependent rates.

Why: the founding and dissolution models are only trustworthy if they recover known truth
on populations the size of ours (~200 networks, ~110 years; methods.md §5.2). This module
draws whole network histories from the data-generating mechanism of organisational ecology
and returns them as a networks table in the same shape as the validated
``data/processed/networks.parquet``, so every estimator runs on it unchanged.

Stable API (used by tests, the survival stage and the recovery study):

``SimulationParams``
    Frozen dataclass of the mechanism. Years ``first_year..last_year``; status is observed at
    ``census_year`` (default ``last_year``). ``initial_networks`` networks are founded in
    ``first_year`` (the population is analysed from its first member on, methods.md §1.1).
    Foundings in year t: NB2 with mean
    ``exp(b0 + theta1*x_t + theta2*x_t**2 + trend*(t - 2000)/10 + period_effects[k])``,
    x_t = N_t/100, N_t alive at the start of t, variance mean + alpha*mean**2 (``alpha=0`` is
    Poisson); ``trend`` is a secular trend in foundings that owes nothing to density.
    ``period_effects[k]`` shifts the log rate from ``period_breaks[k]`` on (periods as in
    :func:`analysis.census.population.assign_period`; the first period is the reference).
    Mortality: network i is at risk in years t > f_i at age a = t - f_i and ends in year t with
    probability ``1 - exp(-mu)``, ``log mu = age_log_rates[piece(a)] + phi1*x_t + phi2*x_t**2
    + phi3*x_{f_i}`` where pieces start at ``age_breaks`` and x_{f_i} = N_{f_i}/100 is density
    at founding. An end is a merger with probability ``merger_share``, else a dissolution.
    ``ended_recorded`` < 1 drops that share of ended networks from the table (survivor
    sampling: defunct networks missing from a census).

``simulate_networks(params, seed) -> DataFrame``
    One row per recorded network: network_id, name, founded_year, status, end_year,
    last_evidence_year (all <NA>), borderline (False), notes. Names and notes say "synthetic".

``true_values(params) -> dict``
    The estimands: b0, theta1, theta2, alpha, peak_density (N* = -theta1/(2 theta2), in
    networks), phi1, phi2, phi3, mortality_min_density (-phi1/(2 phi2)) and the log age rates.

The defaults are calibrated to the census (an NB2 density fit to the real yearly foundings
gives b0 ≈ -1.1, theta1 ≈ 5.5, theta2 ≈ -2.4, alpha ≈ 0.15; 22 ends). Over 60 seeds they give
a median of 225 networks (IQR ~210–235) founded 1913–2025, density passing 100 around 1993,
~18 ends, a founding peak at N* ≈ 117 and slowing after it. The take-off year varies a lot
between seeds, as it does in any density-driven process started from one network.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from analysis.census.population import assign_period
from analysis.growth.foundings import TREND_ORIGIN

SYNTHETIC_NOTE = "synthetic: simulated by analysis.growth.simulate (not a real network)"


@dataclass(frozen=True)
class SimulationParams:
    """The data-generating mechanism of a synthetic network population (see module doc)."""

    first_year: int = 1913
    last_year: int = 2025
    census_year: int | None = None
    initial_networks: int = 1
    b0: float = -1.4
    theta1: float = 6.3
    theta2: float = -2.7
    alpha: float = 0.1
    trend: float = 0.0  # log founding rate per decade from TREND_ORIGIN, as growth's trend term
    period_breaks: tuple[int, ...] = ()
    period_effects: tuple[float, ...] = ()
    age_breaks: tuple[int, ...] = (0, 5, 10, 20, 40)
    age_log_rates: tuple[float, ...] = (-5.9, -6.1, -6.3, -6.5, -6.5)
    phi1: float = -1.0
    phi2: float = 0.5
    phi3: float = 0.5
    merger_share: float = 0.5
    ended_recorded: float = 1.0

    def __post_init__(self) -> None:
        if len(self.period_effects) != len(self.period_breaks):
            raise ValueError("period_effects needs one value per period break")
        if len(self.age_log_rates) != len(self.age_breaks) or self.age_breaks[0] != 0:
            raise ValueError("age_log_rates needs one value per age piece; age_breaks start at 0")
        if self.alpha < 0:
            raise ValueError("alpha (NB2 overdispersion) must be >= 0")

    @property
    def observed_at(self) -> int:
        """The year whose end the status describes."""
        return self.last_year if self.census_year is None else self.census_year


def simulate_networks(
    params: SimulationParams, seed: int | np.random.SeedSequence | np.random.Generator
) -> pd.DataFrame:
    """Draw one synthetic population; same seed, same table (a generator is drawn from and
    can go on to serve the analysis of the population)."""
    rng = np.random.default_rng(seed)
    years = np.arange(params.first_year, params.observed_at + 1)
    period = assign_period(years, params.period_breaks, params.first_year).codes
    shift = np.concatenate([[0.0], np.asarray(params.period_effects, dtype=float)])[period]
    shift = shift + params.trend * (years - TREND_ORIGIN) / 10.0

    founded: list[int] = [params.first_year] * params.initial_networks
    density_at_founding: list[float] = [0.0] * params.initial_networks
    end_year: list[float] = [np.nan] * params.initial_networks
    for i, t in enumerate(years):
        f = np.asarray(founded)
        ends = np.asarray(end_year)
        alive = (f < t) & ~(ends < t)  # alive at the start of t; at risk this year
        x = alive.sum() / 100.0
        at_risk = np.flatnonzero(alive & np.isnan(ends))
        if at_risk.size:
            log_mu = (
                _age_log_rate(params, t - f[at_risk])
                + params.phi1 * x
                + params.phi2 * x**2
                + params.phi3 * np.asarray(density_at_founding)[at_risk]
            )
            dies = rng.random(at_risk.size) < -np.expm1(-np.exp(log_mu))
            for j in at_risk[dies]:
                end_year[j] = float(t)
        if t == params.first_year and params.initial_networks:
            continue
        mean = np.exp(params.b0 + params.theta1 * x + params.theta2 * x**2 + shift[i])
        n_new = int(rng.poisson(_gamma_mix(rng, mean, params.alpha)))
        founded.extend([int(t)] * n_new)
        density_at_founding.extend([x] * n_new)
        end_year.extend([np.nan] * n_new)

    ends = np.asarray(end_year)
    ended = ~np.isnan(ends)
    merged = ended & (rng.random(ends.size) < params.merger_share)
    keep = ~ended | (rng.random(ends.size) < params.ended_recorded)
    return _networks_table(np.asarray(founded), ends, ended, merged, keep)


def true_values(params: SimulationParams) -> dict[str, float]:
    """The estimands the recovery study and tests compare estimates with."""
    keys = ("b0", "theta1", "theta2", "alpha", "trend")
    values = {k: v for k, v in asdict(params).items() if k in keys}
    values["peak_density"] = _vertex(params.theta1, params.theta2)
    values.update(phi1=params.phi1, phi2=params.phi2, phi3=params.phi3)
    values["mortality_min_density"] = _vertex(params.phi1, params.phi2)
    for start, rate in zip(params.age_breaks, params.age_log_rates):
        values[f"age_log_rate_{start}"] = rate
    return values


def _vertex(linear: float, quadratic: float) -> float:
    """Density (in networks) where a quadratic in N/100 turns: -linear / (2 quadratic) * 100."""
    return float("nan") if quadratic == 0 else -linear / (2.0 * quadratic) * 100.0


def _age_log_rate(params: SimulationParams, age: np.ndarray) -> np.ndarray:
    piece = np.searchsorted(np.asarray(params.age_breaks), age, side="right") - 1
    return np.asarray(params.age_log_rates, dtype=float)[piece]


def _gamma_mix(rng: np.random.Generator, mean: float, alpha: float) -> float:
    """The Poisson mean of an NB2 draw: gamma with mean ``mean``, variance alpha*mean**2."""
    return mean if alpha == 0 else rng.gamma(shape=1.0 / alpha, scale=alpha * mean)


def _networks_table(
    founded: np.ndarray, ends: np.ndarray, ended: np.ndarray, merged: np.ndarray, keep: np.ndarray
) -> pd.DataFrame:
    n = int(keep.sum())
    status = np.where(merged, "merged", np.where(ended, "dissolved", "active"))[keep]
    ids = np.flatnonzero(keep) + 1
    return pd.DataFrame(
        {
            "network_id": pd.array([f"synthetic-{i:04d}" for i in ids], dtype="string"),
            "name": pd.array([f"Synthetic network {i} (synthetic)" for i in ids], dtype="string"),
            "founded_year": pd.array(founded[keep], dtype="Int64"),
            "status": pd.array(status, dtype="string"),
            "end_year": pd.array(
                [pd.NA if np.isnan(e) else int(e) for e in ends[keep]], dtype="Int64"
            ),
            "last_evidence_year": pd.array([pd.NA] * n, dtype="Int64"),
            "borderline": pd.array([False] * n, dtype="boolean"),
            "notes": pd.array([SYNTHETIC_NOTE] * n, dtype="string"),
        }
    )

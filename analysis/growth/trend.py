"""A break in the founding trend, the comparison of all founding models, and the forecast.

The segmented log-linear model finds one change of trend by profile likelihood over break
years; whether there is any break is tested by a parametric bootstrap, since the break year is
unidentified without one. The forecast simulates networks alive forward from any fitted
founding model plus the recent observed death rate, drawing parameters from their sampling
law, so its prediction interval carries both parameter and count uncertainty.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from analysis.growth.bootstrap import bootstrap_p, draw_counts, draw_history
from analysis.growth.curves import CountModel, ShapeFit
from analysis.growth.foundings import (
    FoundingFit,
    FoundingSpec,
    fit_foundings,
)


def fit_segmented(
    frame: pd.DataFrame, family: str = "nb2", margin: int = 5, level: float = 0.95
) -> FoundingFit:
    """Log-linear trend with one change of slope at a break year found by profile likelihood.

    The break runs over every year at least ``margin`` years inside the window (Lerman's grid
    search); its CI is the set of years whose profile LR statistic stays under the chi-square
    (1 df) cutoff. The break year counts as one parameter in AIC. The chi-square reference
    does not hold for the test of "no break": under that null the break is unidentified
    (Davies' problem, methods.md §1.6); :func:`break_test` bootstraps it instead.
    """
    grid, llf = _break_profile(frame, family, margin)
    best = int(grid[np.nanargmax(llf)])
    fit = fit_foundings(frame, replace(_trend_spec(family), break_year=best))
    fit.extra_params = 1
    cutoff = stats.chi2.ppf(level, 1)
    fit.profile = pd.DataFrame(
        {"break_year": grid, "loglik": llf, "in_ci": 2 * (np.nanmax(llf) - llf) <= cutoff}
    )
    return fit


def _trend_spec(family: str) -> FoundingSpec:
    """The log-linear trend without a break: the segmented model's null."""
    return FoundingSpec(family=family, density=False, lags=False, periods=False, trend=True)


def _break_profile(frame: pd.DataFrame, family: str, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """Candidate break years and the log-likelihood of the segmented model at each."""
    years = frame["year"].to_numpy()
    grid = np.arange(years.min() + margin, years.max() - margin + 1)
    if grid.size == 0:
        raise ValueError(
            f"the founding window ({years.min()}–{years.max()}) is too short for a break"
        )
    base = _trend_spec(family)
    llf = np.array(
        [fit_foundings(frame, replace(base, break_year=int(y)), hac=False).llf for y in grid]
    )
    return grid, llf


def break_test(
    frame: pd.DataFrame,
    segmented: FoundingFit,
    seed: np.random.SeedSequence | int,
    replicates: int,
    margin: int = 5,
) -> dict[str, float | int]:
    """Parametric-bootstrap LR test of "no break" against the segmented trend.

    The LR statistic compares the segmented fit with the trend without a break (same
    likelihood). Its null law is drawn by simulating foundings from the no-break fit,
    refitting both models (the break year searched afresh over the same grid) and recomputing
    the LR, so the search over break years is part of the reference distribution.
    """
    family = segmented.family
    null = fit_foundings(frame, _trend_spec(family), hac=False)
    observed = max(2.0 * (segmented.llf - null.llf), 0.0)
    rng = np.random.default_rng(seed)
    stats_ = []
    for _ in range(replicates):
        drawn = draw_history(null, frame, rng)
        restricted = fit_foundings(drawn, _trend_spec(family), hac=False)
        _, llf = _break_profile(drawn, family, margin)
        ok = restricted.converged and np.isfinite(llf).any()
        stats_.append(max(2.0 * (np.nanmax(llf) - restricted.llf), 0.0) if ok else np.nan)
    null_stats = np.asarray(stats_, dtype=float)
    return {
        "lr": observed,
        "p_bootstrap": bootstrap_p(null_stats, observed),
        "replicates": int(np.isfinite(null_stats).sum()),
        "lr_null_max": float(np.nanmax(null_stats)) if np.isfinite(null_stats).any() else np.nan,
    }


def break_year_ci(fit: FoundingFit) -> tuple[int, int, int]:
    """The break year and the ends of its profile-likelihood CI."""
    inside = fit.profile.loc[fit.profile["in_ci"], "break_year"]
    return int(fit.design.spec.break_year), int(inside.min()), int(inside.max())


def compare_models(models: Mapping[str, tuple[str, FoundingFit | ShapeFit]]) -> pd.DataFrame:
    """AIC/BIC table of models fitted to the same rows; ``models`` maps id -> (label, fit)."""
    nobs = {fit.nobs for _, fit in models.values()}
    if len(nobs) != 1:
        raise ValueError(f"models compared by AIC must share their rows; got nobs {sorted(nobs)}")
    rows = [
        {
            "model": model_id,
            "label": label,
            "likelihood": "NB2" if fit.family == "nb2" else "Poisson",
            "k": fit.k,
            "loglik": fit.llf,
            "aic": fit.aic,
            "bic": fit.bic,
            "converged": fit.converged,
        }
        for model_id, (label, fit) in models.items()
    ]
    # ties to 0.01 (Bass collapsing onto the logistic) keep the order given, simpler first
    table = pd.DataFrame(rows)
    table = table.iloc[np.argsort(table["aic"].round(2).to_numpy(), kind="stable")].reset_index(
        drop=True
    )
    table.insert(6, "delta_aic", table["aic"] - table["aic"].min())
    return table


def recent_death_rate(frame: pd.DataFrame, years: int = 20) -> float:
    """Ends per network-year over the last ``years`` of the series (the well-covered years)."""
    recent = frame.tail(years)
    exposure = float(recent["density"].sum())
    return float(recent["deaths"].sum()) / exposure if exposure > 0 else 0.0


def forecast_alive(
    model: CountModel,
    frame: pd.DataFrame,
    to_year: int,
    death_rate: float,
    seed: np.random.SeedSequence | int,
    paths: int = 2000,
    level: float = 0.95,
) -> pd.DataFrame:
    """Networks alive at the end of each year up to ``to_year``: median and prediction band.

    Each path draws parameters from their sampling law, then foundings year by year from
    the model (state-dependent models see the simulated density and lags) and ends as
    Binomial(alive, death_rate).
    """
    rng = np.random.default_rng(seed)
    last = frame.iloc[-1]
    years = np.arange(int(last["year"]) + 1, to_year + 1)
    alive = np.zeros((paths, years.size))
    for p in range(paths):
        params = model.draw_params(rng)
        alpha = model.alpha_of(params)
        n, f_lag, d_lag = float(last["alive_end"]), float(last["foundings"]), float(last["deaths"])
        for j, year in enumerate(years):
            mu = model.mean(params, year, n, f_lag, d_lag)
            f = int(draw_counts(rng, np.array([mu]), alpha)[0])
            d = int(rng.binomial(int(n), death_rate))
            n, f_lag, d_lag = n + f - d, f, d
            alive[p, j] = n
    tail = (1 - level) / 2
    return pd.DataFrame(
        {
            "year": years,
            "alive_median": np.median(alive, axis=0),
            "alive_low": np.quantile(alive, tail, axis=0),
            "alive_high": np.quantile(alive, 1 - tail, axis=0),
        }
    )

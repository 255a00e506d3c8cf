"""Growth shapes: curve formulas, count likelihoods, K and break recovery, comparison, forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.growth.curves import count_loglik, cumulative, fit_shape, increments, shape_tidy
from analysis.growth.trend import (
    break_test,
    compare_models,
    fit_segmented,
    forecast_alive,
    recent_death_rate,
)

YEARS = np.arange(1914, 2026)
LOGISTIC = np.array([math.log(250.0), math.log(0.12), 2000.0])


def counts_frame(foundings: np.ndarray) -> pd.DataFrame:
    """A yearly frame with just what the shape and trend models read."""
    return pd.DataFrame(
        {
            "year": YEARS,
            "foundings": foundings,
            "density": 0.0,
            "foundings_lag": 0,
            "deaths_lag": 0,
            "period": "all years",
        }
    )


def test_curves_at_their_landmarks() -> None:
    k = 250.0
    assert cumulative("logistic", LOGISTIC, np.array([2000.0]), 1913)[0] == pytest.approx(k / 2)
    assert cumulative("gompertz", LOGISTIC, np.array([2000.0]), 1913)[0] == pytest.approx(
        k / math.e
    )
    bass = np.array([math.log(k), math.log(0.01), math.log(0.2)])
    ends = cumulative("bass", bass, np.array([1913.0, 3000.0]), 1913)
    assert ends[0] == pytest.approx(0.0) and ends[1] == pytest.approx(k)
    # increments telescope to the cumulative change
    assert increments("logistic", LOGISTIC, YEARS, 1913).sum() == pytest.approx(
        cumulative("logistic", LOGISTIC, np.array([2025.0]), 1913)[0]
        - cumulative("logistic", LOGISTIC, np.array([1913.0]), 1913)[0]
    )


def test_count_likelihoods_match_scipy() -> None:
    y, mu = np.array([0, 1, 3, 7]), np.array([0.5, 1.2, 2.5, 6.0])
    assert count_loglik(y, mu, 0.0) == pytest.approx(stats.poisson.logpmf(y, mu).sum())
    alpha = 0.4
    nb = stats.nbinom.logpmf(y, 1 / alpha, 1 / (1 + alpha * mu)).sum()
    assert count_loglik(y, mu, alpha) == pytest.approx(nb)


def test_logistic_fit_recovers_the_carrying_capacity() -> None:
    """Five series drawn from a logistic with K = 250: K inside its profile CI in at least
    four, and the mean estimate within 20 networks of 250."""
    rng = np.random.default_rng(42)
    estimates, covered = [], 0
    for _ in range(5):
        fit = fit_shape(
            counts_frame(rng.poisson(increments("logistic", LOGISTIC, YEARS, 1913))),
            "logistic",
            "poisson",
        )
        estimates.append(fit.carrying_capacity)
        covered += fit.k_ci[0] <= 250.0 <= fit.k_ci[1]
    assert covered >= 4
    assert np.mean(estimates) == pytest.approx(250.0, abs=20)
    table = shape_tidy(fit)
    assert table.loc[0, "conf_low"] == pytest.approx(fit.k_ci[0])
    assert table.loc[2, "estimate"] == pytest.approx(2000.0, abs=3)


def test_carrying_capacity_has_no_upper_limit_when_growth_does_not_level_off() -> None:
    rng = np.random.default_rng(1)
    exponential = rng.poisson(0.2 * np.exp(0.04 * (YEARS - 1914)))
    fit = fit_shape(counts_frame(exponential), "logistic", "poisson")
    assert math.isinf(fit.k_ci[1])
    assert fit.carrying_capacity > 5 * exponential.sum()


def test_segmented_model_finds_a_planted_break() -> None:
    """Trend +10% a year until 1995, then -10% a year, peaking near 5 foundings a year: in
    five series the break year is found within 5 years, and its profile CI covers 1995 in at
    least four."""
    rng = np.random.default_rng(7)
    log_mu = 2.0 + 1.0 * (YEARS - 2000) / 10 - 2.0 * np.maximum(YEARS - 1995, 0) / 10
    covered = 0
    for _ in range(5):
        fit = fit_segmented(counts_frame(rng.poisson(np.exp(log_mu))), "poisson")
        inside = fit.profile.loc[fit.profile["in_ci"], "break_year"]
        assert abs(fit.design.spec.break_year - 1995) <= 5
        covered += inside.min() <= 1995 <= inside.max()
        assert fit.k == 4  # intercept, trend, change of trend and the break year
    assert covered >= 4


def test_break_test_rejects_a_planted_break_and_not_a_plain_trend() -> None:
    """With 19 bootstrap replicates a 5% test rejects only when the observed LR beats them all
    (p = 1/20). A series with the break above is rejected with an LR far beyond every null
    replicate; a plain log-linear trend (same seed) is not rejected. Same seed, same test."""
    rng = np.random.default_rng(11)
    broken = 2.0 + 1.0 * (YEARS - 2000) / 10 - 2.0 * np.maximum(YEARS - 1995, 0) / 10
    frame = counts_frame(rng.poisson(np.exp(broken)))
    planted = break_test(frame, fit_segmented(frame, "poisson"), 3, 19)
    assert planted["replicates"] == 19 and planted["p_bootstrap"] == pytest.approx(0.05)
    assert planted["lr"] > 3 * planted["lr_null_max"]
    trend = counts_frame(rng.poisson(np.exp(1.0 + 0.3 * (YEARS - 2000) / 10)))
    no_break = fit_segmented(trend, "poisson")
    plain = break_test(trend, no_break, 3, 19)
    assert plain["p_bootstrap"] > 0.05
    assert break_test(trend, no_break, 4, 2) == break_test(trend, no_break, 4, 2)


def test_model_comparison_sorts_by_aic_and_refuses_different_rows() -> None:
    rng = np.random.default_rng(3)
    frame = counts_frame(rng.poisson(increments("logistic", LOGISTIC, YEARS, 1913)))
    logistic = fit_shape(frame, "logistic", "poisson")
    gompertz = fit_shape(frame, "gompertz", "poisson")
    table = compare_models({"g": ("Gompertz", gompertz), "l": ("logistic", logistic)})
    assert list(table["model"]) == ["l", "g"] and table["delta_aic"].iloc[0] == 0
    assert table["aic"].iloc[0] == pytest.approx(-2 * logistic.llf + 2 * 3)
    short = fit_shape(frame.iloc[10:], "logistic", "poisson")
    with pytest.raises(ValueError, match="share their rows"):
        compare_models({"a": ("a", logistic), "b": ("b", short)})


class ConstantFoundings:
    """A founding model with 5 foundings a year, Poisson, no parameter uncertainty."""

    def draw_params(self, rng: np.random.Generator) -> np.ndarray:
        return np.array([5.0])

    def alpha_of(self, params: np.ndarray) -> float:
        return 0.0

    def mean(self, params: np.ndarray, year: float, *state: float) -> float:
        return float(params[0])


def test_forecast_of_constant_foundings_without_ends() -> None:
    """100 alive, +Poisson(5) a year for 10 years, no ends: median 150, 95% interval about
    150 ± 1.96 sqrt(50)."""
    frame = pd.DataFrame({"year": [2025], "alive_end": [100], "foundings": [4], "deaths": [0]})
    forecast = forecast_alive(ConstantFoundings(), frame, 2035, 0.0, seed=1, paths=4000)
    end = forecast.iloc[-1]
    assert list(forecast["year"]) == list(range(2026, 2036))
    assert end["alive_median"] == pytest.approx(150, abs=1)
    assert end["alive_high"] - end["alive_low"] == pytest.approx(2 * 1.96 * math.sqrt(50), rel=0.1)
    again = forecast_alive(ConstantFoundings(), frame, 2035, 0.0, seed=1, paths=4000)
    pd.testing.assert_frame_equal(forecast, again)


def test_recent_death_rate_by_hand() -> None:
    frame = pd.DataFrame({"density": [50, 100, 100, 100], "deaths": [9, 1, 2, 3]})
    assert recent_death_rate(frame, years=3) == pytest.approx(6 / 300)

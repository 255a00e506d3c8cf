"""The simulator draws network histories from the mechanism it claims, in the validated shape."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analysis.census.population import lifetimes, yearly_frame
from analysis.growth.simulate import SimulationParams, simulate_networks, true_values

NO_DEATHS = (-50.0,) * 5  # log hazards so low that no network ends


def test_same_seed_same_table_and_other_seed_other_table() -> None:
    params = SimulationParams()
    first, again = simulate_networks(params, 7), simulate_networks(params, 7)
    pd.testing.assert_frame_equal(first, again)
    assert not first["founded_year"].equals(simulate_networks(params, 8)["founded_year"])


def test_table_has_the_validated_shape_and_says_synthetic() -> None:
    nets = simulate_networks(SimulationParams(), 3)
    assert list(nets.columns) == [
        "network_id", "name", "founded_year", "status", "end_year", "last_evidence_year",
        "borderline", "notes",
    ]  # fmt: skip
    assert str(nets["founded_year"].dtype) == "Int64" and str(nets["end_year"].dtype) == "Int64"
    assert str(nets["borderline"].dtype) == "boolean" and not nets["borderline"].any()
    assert nets["network_id"].is_unique
    assert (
        nets["name"].str.contains("synthetic").all()
        and nets["notes"].str.contains("synthetic").all()
    )
    assert nets["last_evidence_year"].isna().all()
    ended = nets["status"] != "active"
    assert set(nets["status"]) <= {"active", "dissolved", "merged"}
    assert nets.loc[ended, "end_year"].notna().all() and nets.loc[~ended, "end_year"].isna().all()
    assert (nets.loc[ended, "end_year"] > nets.loc[ended, "founded_year"]).all()


def test_yearly_frame_of_a_simulation_balances_foundings_and_ends() -> None:
    nets = simulate_networks(SimulationParams(), 11)
    frame = yearly_frame(nets, 2025, [1990])
    assert frame["foundings"].sum() == len(nets)
    np.testing.assert_array_equal(
        frame["alive_end"], frame["density"] + frame["foundings"] - frame["deaths"]
    )


def test_defaults_give_populations_of_the_census_size() -> None:
    sizes = [len(simulate_networks(SimulationParams(), s)) for s in range(12)]
    assert 180 <= np.median(sizes) <= 270


def test_true_values_by_hand() -> None:
    truth = true_values(SimulationParams(theta1=2.0, theta2=-0.5, phi1=-1.0, phi2=0.25))
    assert truth["peak_density"] == pytest.approx(200.0)
    assert truth["mortality_min_density"] == pytest.approx(200.0)
    assert truth["age_log_rate_0"] == SimulationParams().age_log_rates[0]


def test_foundings_are_poisson_or_nb2_with_the_stated_mean_and_variance() -> None:
    """Constant rate 4 a year for 2000 years: mean 4; variance 4 (Poisson) or 4 + 0.5*16."""
    for alpha, variance in ((0.0, 4.0), (0.5, 12.0)):
        params = SimulationParams(
            first_year=1, last_year=2000, b0=math.log(4), theta1=0, theta2=0, alpha=alpha,
            age_log_rates=NO_DEATHS, phi1=0, phi2=0, phi3=0,
        )  # fmt: skip
        counts = yearly_frame(simulate_networks(params, 5), 2000, [])["foundings"].iloc[1:]
        assert counts.mean() == pytest.approx(4.0, abs=0.25)
        assert counts.var() == pytest.approx(variance, rel=0.15)


def test_period_effect_multiplies_the_founding_rate() -> None:
    params = SimulationParams(
        first_year=1, last_year=1600, b0=math.log(2), theta1=0, theta2=0, alpha=0,
        period_breaks=(801,), period_effects=(math.log(3),), age_log_rates=NO_DEATHS,
    )  # fmt: skip
    counts = yearly_frame(simulate_networks(params, 2), 1600, [])
    before = counts.loc[counts["year"].between(2, 800), "foundings"].mean()
    after = counts.loc[counts["year"] >= 801, "foundings"].mean()
    assert before == pytest.approx(2.0, abs=0.2) and after == pytest.approx(6.0, abs=0.4)


def test_trend_changes_the_log_founding_rate_per_decade_from_2000() -> None:
    """Poisson foundings at exp(log 3 + 0.2 (t - 2000)/10), no density dependence: a Poisson
    log-linear fit recovers 3 a year in 2000 and +0.2 a decade, each within 3 SE."""
    params = SimulationParams(
        first_year=1901, last_year=2100, b0=math.log(3), theta1=0, theta2=0, alpha=0, trend=0.2,
        age_log_rates=NO_DEATHS,
    )  # fmt: skip
    counts = yearly_frame(simulate_networks(params, 6), 2100, []).iloc[1:]
    x = sm.add_constant((counts["year"].to_numpy(dtype=float) - 2000) / 10)
    fit = sm.GLM(counts["foundings"].to_numpy(dtype=float), x, family=sm.families.Poisson()).fit()
    assert abs(fit.params[0] - math.log(3)) < 3 * fit.bse[0]
    assert abs(fit.params[1] - 0.2) < 3 * fit.bse[1]
    assert true_values(params)["trend"] == 0.2


def test_ends_happen_at_the_stated_yearly_hazard_and_split_by_merger_share() -> None:
    """Hazard 0.05 at every age and density: ends per network-year at risk ≈ 1 - exp(-0.05)."""
    params = SimulationParams(
        first_year=1, last_year=400, b0=math.log(3), theta1=0, theta2=0, alpha=0,
        age_log_rates=(math.log(0.05),) * 5, phi1=0, phi2=0, phi3=0, merger_share=0.3,
    )  # fmt: skip
    nets = simulate_networks(params, 4)
    lives = lifetimes(nets, 400)
    ended = lives["end_type"].notna()
    last = lives["exit_year"].fillna(400 + 1).astype(int) - 1
    exposure = (last - lives["founded_year"].astype(int) + ended.astype(int)).sum()
    assert ended.sum() / exposure == pytest.approx(-math.expm1(-0.05), rel=0.05)
    assert (lives.loc[ended, "end_type"] == "merged").mean() == pytest.approx(0.3, abs=0.04)


def test_survivor_sampling_drops_ended_networks() -> None:
    kept = simulate_networks(SimulationParams(ended_recorded=0.0), 9)
    assert (kept["status"] == "active").all()


@pytest.mark.parametrize(
    "bad",
    [dict(period_breaks=(1990,)), dict(age_log_rates=(-5.0,)), dict(alpha=-0.1)],
)
def test_inconsistent_parameters_are_refused(bad: dict) -> None:
    with pytest.raises(ValueError):
        SimulationParams(**bad)

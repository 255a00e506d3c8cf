"""Founding-rate models: known answers, parameter recovery, test size and the sharded bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from analysis.census.population import yearly_frame
from analysis.growth.bootstrap import bootstrap_p, bootstrap_shard, bootstrap_summary
from analysis.growth.foundings import (
    TERM_ALPHA,
    TERM_DENSITY,
    TERM_DENSITY2,
    Design,
    FoundingFit,
    FoundingSpec,
    density_peak,
    fit_foundings,
    founding_window,
    hac_maxlags,
    is_inverted_u,
    lr_test,
    nb_vs_poisson,
    peak_density,
    peak_density_delta,
    tidy,
)
from analysis.growth.simulate import SimulationParams, simulate_networks, true_values

BREAKS = [1990, 2000, 2015]


def window_of(networks: pd.DataFrame) -> pd.DataFrame:
    return founding_window(yearly_frame(networks, 2025, BREAKS))


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return window_of(simulate_networks(SimulationParams(), 2024))


def test_peak_density_and_its_delta_method_by_hand() -> None:
    """theta = (2, -0.5): N* = 2/(2*0.5)*100 = 200; gradient (100, 400), so with
    Var = diag(0.04, 0.01) the SE is sqrt(100^2*0.04 + 400^2*0.01) = sqrt(2000)."""
    assert peak_density(2.0, -0.5) == pytest.approx(200.0)
    n_star, se, low, high = peak_density_delta(2.0, -0.5, np.diag([0.04, 0.01]))
    assert n_star == pytest.approx(200.0)
    assert se == pytest.approx(math.sqrt(2000.0))
    assert low == pytest.approx(200.0 - 1.959964 * math.sqrt(2000.0), rel=1e-5)
    assert high - n_star == pytest.approx(n_star - low)


def test_newey_west_lag_rule() -> None:
    assert [hac_maxlags(n) for n in (50, 100, 112, 300)] == [3, 4, 4, 5]


def test_boundary_lr_test_halves_the_chi2_tail() -> None:
    assert nb_vs_poisson_stat(0.0) == 1.0
    assert nb_vs_poisson_stat(stats.chi2.ppf(0.9, 1)) == pytest.approx(0.05)


def nb_vs_poisson_stat(lr: float) -> float:
    """Drive nb_vs_poisson with two stand-in fits whose log-likelihoods differ by lr/2."""

    class Fit:
        def __init__(self, llf: float) -> None:
            self.llf = llf

    return nb_vs_poisson(Fit(lr / 2), Fit(0.0))[1]


def test_the_window_starts_after_the_first_founding_and_keeps_every_later_year() -> None:
    frame = yearly_frame(simulate_networks(SimulationParams(), 1), 2025, BREAKS)
    window = founding_window(frame)
    assert window["year"].min() == 1914 and window["year"].max() == 2025
    assert len(founding_window(frame, 2020)) == len(window) - 5


def test_poisson_fit_matches_statsmodels_glm(population: pd.DataFrame) -> None:
    fit = fit_foundings(
        population, FoundingSpec(family="poisson", lags=False, periods=False), hac=False
    )
    x = population["density"] / 100
    glm = sm.GLM(
        population["foundings"],
        sm.add_constant(np.column_stack([x, x**2])),
        family=sm.families.Poisson(),
    ).fit()
    np.testing.assert_allclose(fit.params.to_numpy(), glm.params, rtol=1e-5)
    assert fit.llf == pytest.approx(glm.llf)


def test_hac_changes_standard_errors_not_estimates(population: pd.DataFrame) -> None:
    hac, plain = fit_foundings(population, FoundingSpec()), fit_foundings(
        population, FoundingSpec(), hac=False
    )
    np.testing.assert_allclose(hac.params, plain.params)
    assert hac.cov_type == "HAC" and not np.allclose(np.diag(hac.cov), np.diag(plain.cov))
    table = tidy(hac)
    assert list(table["term"][:3]) == ["intercept", TERM_DENSITY, TERM_DENSITY2]
    assert table["term"].iloc[-1] == TERM_ALPHA


def test_nb2_never_fits_worse_than_poisson_and_hits_its_boundary_on_poisson_data() -> None:
    alphas = []
    for seed in range(8):
        frame = window_of(simulate_networks(SimulationParams(alpha=0.0), 100 + seed))
        nb = fit_foundings(frame, FoundingSpec(), hac=False)
        poisson = fit_foundings(frame, FoundingSpec(family="poisson"), hac=False)
        assert nb.llf >= poisson.llf - 1e-9 and nb.alpha >= 0
        alphas.append(nb.alpha)
    assert min(alphas) == 0.0  # the MLE of alpha is on the boundary for some Poisson samples


def test_density_model_recovers_theta_and_peak_density() -> None:
    """Eight populations of the calibrated default size: each density term within 3 SE of the
    truth in at least 7, and the median N* within 15 networks of the true peak."""
    truth = true_values(SimulationParams())
    inside, peaks = {TERM_DENSITY: 0, TERM_DENSITY2: 0}, []
    for seed in range(8):
        frame = window_of(simulate_networks(SimulationParams(), 500 + seed))
        fit = fit_foundings(frame, FoundingSpec())
        se = np.sqrt(np.diag(fit.cov))
        for i, (term, key) in enumerate(
            ((TERM_DENSITY, "theta1"), (TERM_DENSITY2, "theta2")), start=1
        ):
            inside[term] += abs(fit.params[term] - truth[key]) < 3 * se[i]
        peaks.append(density_peak(fit, frame)["peak_density"])
    assert min(inside.values()) >= 7
    assert abs(np.median(peaks) - truth["peak_density"]) < 15


def test_lr_test_keeps_its_size_without_density_dependence() -> None:
    """Constant founding rate (theta1 = theta2 = 0): the chi2(2) LR test of the density terms
    rejects at 5% in at most 15% of 60 populations (it runs a little over nominal, which is
    why the brief also gives a bootstrap p-value)."""
    params = SimulationParams(b0=math.log(2), theta1=0.0, theta2=0.0)
    p_values = []
    for seed in range(60):
        frame = window_of(simulate_networks(params, 1000 + seed))
        full = fit_foundings(frame, FoundingSpec(), hac=False)
        null = fit_foundings(frame, FoundingSpec(density=False), hac=False)
        p_values.append(lr_test(full, null)[2])
    assert np.mean(np.array(p_values) < 0.05) <= 0.15


def test_bootstrap_p_and_the_inverted_u_rule_by_hand() -> None:
    """p = (1 + #{T* >= T}) / (1 + B) over finite T*: with 19 replicates all below T it is
    exactly 0.05, which counts as significant at 5%; the rule also needs theta1 > 0 > theta2."""
    assert bootstrap_p(np.array([1.0, 2.0, 3.0, np.nan]), 2.5) == pytest.approx(0.5)
    assert bootstrap_p(np.arange(1.0, 20.0), 20.0) == pytest.approx(0.05)
    assert np.isnan(bootstrap_p(np.array([np.nan]), 1.0))

    def fit(theta1: float, theta2: float) -> FoundingFit:
        params = pd.Series({TERM_DENSITY: theta1, TERM_DENSITY2: theta2})
        return FoundingFit(Design(FoundingSpec()), params, pd.DataFrame(), 0.0, 10, True, "x")

    assert is_inverted_u(fit(1.0, -1.0), 0.05) and not is_inverted_u(fit(1.0, -1.0), 0.051)
    assert not is_inverted_u(fit(-1.0, -1.0), 0.01) and not is_inverted_u(fit(1.0, 1.0), 0.01)


def test_lr_test_refuses_models_fitted_to_different_rows(population: pd.DataFrame) -> None:
    full = fit_foundings(population, FoundingSpec(), hac=False)
    null = fit_foundings(population.iloc[5:], FoundingSpec(density=False), hac=False)
    with pytest.raises(ValueError, match="same rows"):
        lr_test(full, null)


def test_sharded_bootstrap_is_the_same_however_shards_are_run(population: pd.DataFrame) -> None:
    full = fit_foundings(population, FoundingSpec(), hac=False)
    null = fit_foundings(population, FoundingSpec(density=False), hac=False)
    forward = [bootstrap_shard(population, full, null, 99, shard, 3) for shard in (0, 1)]
    backward = [bootstrap_shard(population, full, null, 99, shard, 3) for shard in (1, 0)][::-1]
    for a, b in zip(forward, backward):
        pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(forward[0]["lr_null"], forward[1]["lr_null"])
    assert forward[0]["converged_null"].all()


def test_bootstrap_summary_by_hand() -> None:
    """LR* = 1..5 and observed 3.5: p = (1 + 2) / (1 + 5); percentile CI over inverted Us."""
    reps = pd.DataFrame(
        {
            "lr_null": [1.0, 2.0, 3.0, 4.0, 5.0],
            "converged_null": [True] * 5,
            "theta1": [1.0, 2.0, 3.0, 4.0, 5.0],
            "theta2": [-1.0, -1.0, -1.0, -1.0, 1.0],
            "peak_density": [50.0, 100.0, 150.0, 200.0, -250.0],
            "converged_full": [True] * 5,
        }
    )
    out = bootstrap_summary(reps, 3.5, level=0.5)
    assert out["lr_p_bootstrap"] == pytest.approx(0.5)
    assert out["share_inverted_u"] == pytest.approx(0.8)
    assert out["peak_density_ci_low"] == pytest.approx(87.5)
    assert out["peak_density_ci_high"] == pytest.approx(162.5)

"""Parameter recovery: the dissolution models find known density effects in simulated populations.

Truth comes from :mod:`analysis.growth.simulate` (yearly ends with log hazard = age-piece rate +
phi1 * N_t/100 + phi3 * N_f/100). One census-sized population has too few ends to test
anything, so 40 seeded replicate populations are pooled (~1,900 ends); each keeps its own
density history, and network ids are made unique per replicate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.growth.simulate import SimulationParams, simulate_networks
from analysis.survival.models import fit_cox, fit_piecewise_exponential
from analysis.survival.spells import network_years

TRUTH = SimulationParams(age_log_rates=(-3.0, -3.8, -4.3, -4.6, -4.6), phi1=1.0, phi2=0.0, phi3=0.5)
PIECES = list(TRUTH.age_breaks)
COVARIATES = ["density", "density_founding"]


def pooled_years(replicates: int, age_pieces: list[int], seed: int = 2017) -> pd.DataFrame:
    frames = []
    for r in range(replicates):
        years = network_years(
            simulate_networks(TRUTH, seed=[seed, r]), TRUTH.observed_at, age_pieces
        )
        years["network_id"] = f"rep{r}-" + years["network_id"].astype(str)
        frames.append(years)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def years() -> pd.DataFrame:
    return pooled_years(40, PIECES)


def test_piecewise_exponential_recovers_density_effects_and_age_rates(years: pd.DataFrame) -> None:
    fit = fit_piecewise_exponential(years, COVARIATES)
    params, se = np.asarray(fit.result.params), np.asarray(fit.result.bse)
    truth = np.array([*TRUTH.age_log_rates, TRUTH.phi1, TRUTH.phi3])
    assert fit.glance["age_pieces"][0] == "age 1–4 years" and len(fit.glance["age_pieces"]) == 5
    assert fit.glance["events"] > 1500
    # informative enough that a wrong density or age definition would show
    assert se[-2] < 0.45 and se[-1] < 0.45
    assert np.all(np.abs(params - truth) < 3 * se), (params, truth, se)
    # the tidy table reports hazard ratios per 100 networks
    assert fit.term("density")["estimate"] == pytest.approx(np.exp(params[-2]))


def test_cause_specific_model_recovers_the_same_density_effect(years: pd.DataFrame) -> None:
    """Mergers are a random half of ends: censoring them leaves phi unchanged, rates halved."""
    fit = fit_piecewise_exponential(years, COVARIATES, event="dissolved")
    params, se = np.asarray(fit.result.params), np.asarray(fit.result.bse)
    truth = np.array(
        [
            *(np.asarray(TRUTH.age_log_rates) + np.log(1 - TRUTH.merger_share)),
            TRUTH.phi1,
            TRUTH.phi3,
        ]
    )
    assert np.all(np.abs(params - truth) < 3 * se), (params, truth, se)


def test_cox_recovers_the_density_effects(years: pd.DataFrame) -> None:
    fit = fit_cox(years, COVARIATES)
    log_hr = np.log(fit.tidy["estimate"].to_numpy())
    se = fit.tidy["std_error"].to_numpy()
    assert np.all(np.abs(log_hr - [TRUTH.phi1, TRUTH.phi3]) < 3 * se), (log_hr, se)


def test_piecewise_exponential_with_fine_pieces_equals_cox() -> None:
    """Golden fixture (methods.md §5.4): with one piece per age the PE model is the Cox model.

    Ages without any end add nothing to the Cox partial likelihood and would have a zero rate in
    the PE model, so they are left out; the remaining difference is Efron's tie correction.
    """
    years = pooled_years(6, list(range(0, 150)), seed=7)
    with_ends = years.groupby("age")["ended"].transform("sum") > 0
    pe = fit_piecewise_exponential(years[with_ends], COVARIATES)
    cox = fit_cox(years, COVARIATES)
    pe_log = np.log(pe.term("density")["estimate"]), np.log(pe.term("density_founding")["estimate"])
    cox_log = np.log(cox.tidy["estimate"].to_numpy())
    cox_se = cox.tidy["std_error"].to_numpy()
    assert np.all(np.abs(np.asarray(pe_log) - cox_log) < 0.2 * cox_se), (pe_log, cox_log, cox_se)
    pe_se = np.asarray(pe.tidy["std_error_model_based"].iloc[-2:])
    np.testing.assert_allclose(pe_se, cox_se, rtol=0.1)

"""Partner models: the Firth logit against published values, recovery of planted effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.partners.coding import THEME_GROUPS
from analysis.partners.composition import composition_keys
from analysis.partners.findings import model_keys, partner_numbers, skipped_partner_numbers
from analysis.partners.firth import _penalised_parts, firth_inference, firth_logit
from analysis.partners.models import (
    DECADE_TERM,
    fit_member_nb,
    fit_partner_dissolution,
    fit_partner_logit,
)

# logistf's sex2 data (Heinze & Schemper 2002, Stat Med 21:2409–2419; from Cytel's LogXact
# manual): urinary tract infection (case) in 239 women by age, oral contraceptive use (oc),
# vaginal intercourse (vic, vicl), vis and diaphragm use (dia); dia separates the outcome.
# Stored as its 36 covariate patterns: (case, age, oc, vic, vicl, vis, dia, count).
SEX2_PATTERNS = [
    (0, 0, 0, 0, 0, 1, 0, 1),
    (0, 0, 0, 1, 0, 0, 0, 2),
    (0, 0, 0, 1, 0, 1, 0, 1),
    (0, 0, 0, 1, 1, 0, 0, 8),
    (0, 0, 0, 1, 1, 1, 0, 18),
    (0, 0, 1, 0, 0, 0, 0, 42),
    (0, 0, 1, 0, 0, 1, 0, 1),
    (0, 0, 1, 1, 0, 0, 0, 1),
    (0, 0, 1, 1, 1, 0, 0, 5),
    (0, 0, 1, 1, 1, 1, 0, 6),
    (0, 1, 0, 1, 1, 0, 0, 2),
    (0, 1, 0, 1, 1, 1, 0, 4),
    (0, 1, 1, 0, 0, 0, 0, 14),
    (0, 1, 1, 0, 0, 1, 0, 1),
    (0, 1, 1, 1, 0, 0, 0, 1),
    (0, 1, 1, 1, 1, 1, 0, 2),
    (1, 0, 0, 0, 0, 1, 0, 1),
    (1, 0, 0, 1, 0, 0, 0, 14),
    (1, 0, 0, 1, 0, 1, 0, 3),
    (1, 0, 0, 1, 1, 0, 0, 10),
    (1, 0, 0, 1, 1, 1, 0, 12),
    (1, 0, 0, 1, 1, 1, 1, 1),
    (1, 0, 1, 0, 0, 0, 0, 44),
    (1, 0, 1, 0, 0, 0, 1, 3),
    (1, 0, 1, 1, 0, 0, 0, 15),
    (1, 0, 1, 1, 0, 0, 1, 1),
    (1, 0, 1, 1, 0, 1, 0, 2),
    (1, 0, 1, 1, 1, 0, 0, 7),
    (1, 0, 1, 1, 1, 1, 0, 3),
    (1, 1, 0, 1, 0, 0, 0, 2),
    (1, 1, 0, 1, 0, 1, 0, 1),
    (1, 1, 0, 1, 0, 1, 1, 1),
    (1, 1, 0, 1, 1, 0, 0, 1),
    (1, 1, 0, 1, 1, 1, 1, 1),
    (1, 1, 1, 0, 0, 0, 0, 5),
    (1, 1, 1, 1, 0, 0, 0, 3),
]
# R logistf::logistf(case ~ age + oc + vic + vicl + vis + dia, data = sex2): intercept first,
# coefficients and profile penalised-likelihood 95% CIs as reproduced in the test suite of the
# Python package firthlogist (jzluo/firthlogist, tests/test_firthlogist.py); standard errors
# and penalised log-likelihood (−132.5394) from its README's summary of the same fit.
LOGISTF_COEF = [
    0.12025405,
    -1.10598131,
    -0.06881673,
    2.26887464,
    -2.11140817,
    -0.78831694,
    3.09601166,
]
LOGISTF_SE = [0.485542, 0.42366, 0.443793, 0.548416, 0.543082, 0.417368, 1.67501]
LOGISTF_CI = [
    (-0.8185591, 1.07315122),
    (-1.9737884, -0.30742514),
    (-0.9414363, 0.78920202),
    (1.2730216, 3.43543273),
    (-3.2608611, -1.11773495),
    (-1.6080879, 0.01518468),
    (0.7745682, 8.03029352),
]


def sex2() -> tuple[np.ndarray, np.ndarray]:
    rows = np.repeat(np.array(SEX2_PATTERNS)[:, :7], [p[7] for p in SEX2_PATTERNS], axis=0)
    return rows[:, 0].astype(float), np.column_stack([np.ones(len(rows)), rows[:, 1:]]).astype(
        float
    )


def test_firth_logit_matches_logistf_on_sex2() -> None:
    y, X = sex2()
    assert (len(y), int(y.sum())) == (239, 130)
    fit = firth_logit(y, X)
    assert fit.converged
    np.testing.assert_allclose(fit.params, LOGISTF_COEF, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.cov)), LOGISTF_SE, rtol=1e-4)
    assert fit.loglik == pytest.approx(-132.5394, abs=1e-4)
    inference = firth_inference(y, X, fit)
    np.testing.assert_allclose(
        inference[["conf_low", "conf_high"]].to_numpy(), LOGISTF_CI, rtol=1e-5
    )
    # the penalised LR p-value and the profile interval agree on "excludes 0"
    excludes = (inference["conf_low"] > 0) | (inference["conf_high"] < 0)
    assert ((inference["p_value"] < 0.05) == excludes).all()


def test_firth_on_a_separated_two_by_two_table_adds_a_half_to_each_cell() -> None:
    # x = 0: 5 non-events; x = 1: 5 events -- complete separation, ML runs to infinity.
    # For a saturated 2×2 table Firth's estimate is the empirical logit with 0.5 added to each
    # cell (Firth 1993): intercept log(0.5/5.5), log odds ratio log(5.5·5.5/(0.5·0.5)) = log 121.
    x = np.repeat([0.0, 1.0], 5)
    y = x.copy()
    X = np.column_stack([np.ones(10), x])
    fit = firth_logit(y, X)
    np.testing.assert_allclose(fit.params, [np.log(0.5 / 5.5), np.log(121.0)], atol=1e-7)
    score = _penalised_parts(y, X, fit.params)[2]
    assert np.max(np.abs(score)) < 1e-8  # the modified score vanishes at the estimate


def simulate_networks(n: int, seed: int, census_year: int = 2025) -> pd.DataFrame:
    """Seeded synthetic networks with planted partner, member-count and hazard effects.

    logit P(multilateral) = −1.2 + 0.3·decade + 0.8·global (decade = (year − 2000)/10);
    public–private is rare (logit −3.5); members ~ NB2(mean exp(3 + 0.2·age/10 − 0.7·multilateral
    + 1.0·global), α = 0.5); yearly hazard of dissolution 0.01·exp(0.7·multilateral).
    """
    rng = np.random.default_rng(seed)
    founded = rng.integers(1950, 2021, n)
    is_global = rng.random(n) < 0.4
    decade = (founded - 2000) / 10
    multilateral = rng.random(n) < 1 / (1 + np.exp(-(-1.2 + 0.3 * decade + 0.8 * is_global)))
    business = rng.random(n) < 1 / (1 + np.exp(3.5))
    types = [
        ";".join(["city_government"] + ["multilateral"] * m + ["business"] * b)
        for m, b in zip(multilateral.astype(int), business.astype(int))
    ]
    count_year = np.minimum(founded + rng.integers(0, 30, n), census_year)
    mean = np.exp(3 + 0.2 * (count_year - founded) / 10 - 0.7 * multilateral + 1.0 * is_global)
    alpha = 0.5
    members = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mean))
    end = founded + rng.geometric(0.01 * np.exp(0.7 * multilateral))
    ended = end <= census_year
    themes = list(THEME_GROUPS)
    return pd.DataFrame(
        {
            "network_id": [f"sim{i}" for i in range(n)],
            "name": [f"Synthetic network {i}" for i in range(n)],
            "founded_year": pd.array(founded, dtype="Int64"),
            "founding_partner_types": pd.array(types, dtype="string"),
            "scope": pd.array(np.where(is_global, "global", "regional"), dtype="string"),
            "primary_theme": pd.array(rng.choice(themes, n), dtype="string"),
            "member_count": pd.array(np.maximum(members, 1), dtype="Int64"),
            "member_count_year": pd.array(count_year, dtype="Int64"),
            "status": pd.array(np.where(ended, "dissolved", "active"), dtype="string"),
            "end_year": pd.array(
                [int(e) if x else pd.NA for e, x in zip(end, ended)], dtype="Int64"
            ),
            "last_evidence_year": pd.array([pd.NA] * n, dtype="Int64"),
        }
    )


@pytest.fixture(scope="module")
def simulated() -> pd.DataFrame:
    return simulate_networks(2000, seed=20170101)


def within_3se(tidy: pd.DataFrame, term: str, truth: float) -> bool:
    row = tidy.set_index("term").loc[term]
    return abs(row["log_estimate"] - truth) < 3 * row["std_error"]


def test_logit_recovers_planted_effects(simulated: pd.DataFrame) -> None:
    tidy, glance = fit_partner_logit(simulated, "multilateral")
    assert glance["estimator"] == "maximum likelihood" and glance["nobs"] == 2000
    assert within_3se(tidy, DECADE_TERM, 0.3)
    assert within_3se(tidy, "Global scope (vs regional)", 0.8)
    assert within_3se(tidy, "Intercept", -1.2)
    assert any(t.startswith("Theme:") for t in tidy["term"])  # cells allow the theme groups


def test_rare_flag_gets_firth_and_too_rare_flag_is_skipped(simulated: pd.DataFrame) -> None:
    small = simulated.iloc[:400]
    tidy, glance = fit_partner_logit(small, "public_private")
    assert 10 <= glance["events"] < 10 * glance["variables"]  # fewer than 10 events per variable
    assert glance["estimator"] == "Firth-penalised likelihood" and glance["converged"]
    assert glance["events_per_variable"] == pytest.approx(glance["events"] / glance["variables"])
    assert within_3se(tidy, "Intercept", -3.5)
    tidy, glance = fit_partner_logit(simulated.iloc[:60], "public_private")
    assert glance["available"] is False and tidy.empty and "fewer than 10" in glance["skip_reason"]


def test_member_count_model_recovers_rate_ratios(simulated: pd.DataFrame) -> None:
    tidy, glance = fit_member_nb(simulated, census_year=2025)
    by = tidy.set_index("variable")
    for variable, truth in {"multilateral": -0.7, "global_scope": 1.0, "age_decades": 0.2}.items():
        row = by.loc[variable]
        assert abs(row["log_estimate"] - truth) < 3 * row["std_error"], variable
    assert glance["dispersion"] == pytest.approx(0.5, abs=0.1)


def test_dissolution_wrapper_recovers_hazard_ratio(simulated: pd.DataFrame) -> None:
    tidy, glance = fit_partner_dissolution(simulated, 2025, [0, 5, 10, 20, 40], "multilateral")
    row = tidy[tidy["kind"] == "hazard ratio"].iloc[0]
    assert abs(np.log(row["estimate"]) - 0.7) < 3 * row["std_error"]
    ended = simulated["status"] == "dissolved"
    with_flag = simulated["founding_partner_types"].str.contains("multilateral")
    assert glance["events_with_flag"] == int((ended & with_flag).sum())
    assert glance["events_per_variable"] == glance["events"]


def test_numbers_have_the_same_keys_in_full_and_skipped_form(simulated: pd.DataFrame) -> None:
    table = simulated.iloc[:300].drop(columns="member_count")
    logits = {o: fit_partner_logit(table, o) for o in ("multilateral", "public_private")}
    hazards = {"multilateral": fit_partner_dissolution(table, 2025, [0, 10], "multilateral")}
    members = fit_member_nb(table, 2025)
    assert members[1]["available"] is False and "member_count" in members[1]["skip_reason"]
    numbers = partner_numbers(table, [1990, 2000, 2015], 1, logits, members, hazards)
    keys = set(composition_keys()) | set(model_keys(list(logits), list(hazards)))
    assert set(numbers) == keys
    assert numbers["members_available"] is False and numbers["dissolution_available"] is True
    skipped = skipped_partner_numbers("No partners.", 300, list(logits), list(hazards))
    assert set(skipped) == keys and skipped["available"] is False


def test_every_model_is_skipped_without_partner_types(simulated: pd.DataFrame) -> None:
    table = simulated.iloc[:100].drop(columns="founding_partner_types")
    for tidy, glance in (
        fit_partner_logit(table, "multilateral"),
        fit_member_nb(table, 2025),
        fit_partner_dissolution(table, 2025, [0, 10], "multilateral"),
    ):
        assert tidy.empty and glance["available"] is False
        assert "founding_partner_types" in glance["skip_reason"]

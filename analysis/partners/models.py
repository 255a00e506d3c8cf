"""Models of founding partners: who is more likely to co-found, and does it go with size?

* One logit per partner flag on founding year (per decade), scope and — where the cells
  allow — a coarse theme group. With ~200 networks and rare partner types (business 7,
  philanthropy 9) cells are sparse and separation is likely, so the logit is Firth-penalised
  (Firth 1993; Heinze & Schemper 2002) whenever events per variable are below 10, a
  covariate cell is empty or maximum likelihood diverges; its intervals and p-values then
  come from the profile penalised likelihood, as in R's logistf.
* A negative binomial (NB2, log link) model of ``member_count`` on network age at the count
  and partner flags, reported as incidence-rate ratios with heteroskedasticity-robust SEs.
* The hazard of a network ending with one partner flag as covariate, through the survival
  stage's piecewise-exponential model (:mod:`analysis.survival.models`), one flag at a time because
  the census records only ~20 ends.

Every model is written through :func:`analysis.common.contract.write_model`; estimates are on the
ratio scale the brief quotes (odds or rate ratios), ``std_error`` on the log scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.partners.coding import (
    FLAG_LABELS,
    THEME_GROUPS,
    code_partners,
    partners_skip_reason,
)
from analysis.partners.firth import firth_inference, firth_logit
from analysis.survival.models import (
    dissolution_skip_reason,
    fit_piecewise_exponential,
    skipped_model,
)
from analysis.survival.spells import network_years

#: Founding year is centred here and scaled per decade, so odds ratios read "per decade".
CENTRE_YEAR = 2000


DECADE_TERM = f"Founding year (per decade, centred at {CENTRE_YEAR})"


#: Events per variable below which the logit is Firth-penalised (Peduzzi et al. 1995).
MIN_EPV = 10


#: Fewer events (or non-events) than this and a flag is not modelled at all.
MIN_EVENTS = 10


#: Partner flags in the member-count model: the coalitions policy implication 2 is about.
MEMBER_FLAGS = ("multilateral", "supranational", "national_government", "public_private")


def logit_design(networks: pd.DataFrame, outcome: str) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    """Outcome and design for one flag: sourced networks with complete covariates.

    Columns: intercept, founding decade (centred at 2000), global scope (when the column
    exists) and theme-group dummies against "general" (only when every theme-group ×
    outcome cell holds at least 5 networks). Returns (y, X, notes on what was left out).
    """
    coded = code_partners(networks)
    if outcome not in FLAG_LABELS:
        raise ValueError(f"unknown partner flag {outcome!r}; known: {', '.join(FLAG_LABELS)}")
    keep = coded["sourced"].to_numpy()
    frame = pd.DataFrame(
        {
            "y": coded[outcome].astype("Float64"),
            "Intercept": 1.0,
            DECADE_TERM: (networks["founded_year"].astype("Float64") - CENTRE_YEAR) / 10,
        },
        index=networks.index,
    )
    notes = []
    if "scope" in networks.columns and networks["scope"].notna().any():
        frame["Global scope (vs regional)"] = (networks["scope"] == "global").astype("Float64")
        frame.loc[networks["scope"].isna(), "Global scope (vs regional)"] = pd.NA
    else:
        notes.append("scope not in the table")
    frame = frame[keep].dropna().astype(float)
    if "primary_theme" in networks.columns:
        themes = networks.loc[frame.index, "primary_theme"].astype("object").map(THEME_GROUPS)
        cells = pd.crosstab(themes, frame["y"])
        if themes.notna().all() and cells.shape == (4, 2) and cells.to_numpy().min() >= 5:
            for group in sorted(set(THEME_GROUPS.values()) - {"general"}):
                frame[f"Theme: {group} (vs general)"] = (themes == group).astype(float)
        else:
            notes.append("theme left out: a theme-group × outcome cell holds fewer than 5")
    else:
        notes.append("primary_theme not in the table")
    return frame["y"], frame.drop(columns="y"), notes


def fit_partner_logit(networks: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, dict]:
    """Logit of one partner flag; returns the contract's (tidy, glance).

    Too few events (< 10 of either outcome), or no partner column at all, gives the skipped
    form (empty tidy, ``available: false`` and a reason), so the workflow's fixed list of
    models never fails on a rare type or a table without partners.
    """
    reason = partners_skip_reason(networks)
    if reason is not None:
        skipped = skipped_model(reason)
        return skipped.tidy, {**skipped.glance, "outcome": outcome}
    y, X, notes = logit_design(networks, outcome)
    events, non_events = int(y.sum()), int((1 - y).sum())
    rarer = min(events, non_events)
    k = X.shape[1] - 1
    base = {
        "outcome": outcome,
        "outcome_label": FLAG_LABELS[outcome],
        "nobs": len(y),
        "events": events,
        "non_events": non_events,
        "variables": k,
        "events_per_variable": rarer / k if k else None,
        "notes": notes,
        "estimate_scale": "odds ratio; std_error is on the log-odds scale",
    }
    if rarer < MIN_EVENTS:
        skipped = skipped_model(
            f"not estimated: {rarer} networks in the rarer outcome (fewer than {MIN_EVENTS})"
        )
        return skipped.tidy, {**base, **skipped.glance}
    firth_reason = _firth_reason(y, X, rarer / k)
    if firth_reason is None:
        tidy, glance = _ml_logit(y, X)
        if glance["converged"] and np.all(np.abs(tidy["log_estimate"]) < 10):
            return tidy, {**base, **glance, "estimator": "maximum likelihood"}
        firth_reason = "maximum likelihood diverged (separation)"
    fit = firth_logit(y.to_numpy(), X.to_numpy())
    inference = firth_inference(y.to_numpy(), X.to_numpy(), fit)
    tidy = _ratio_tidy(
        list(X.columns),
        fit.params,
        np.sqrt(np.diag(fit.cov)),
        inference["conf_low"],
        inference["conf_high"],
        inference["p_value"],
    )
    glance = {
        **base,
        "estimator": "Firth-penalised likelihood",
        "firth_reason": firth_reason,
        "loglik": fit.loglik,
        "loglik_unpenalised": fit.loglik_unpenalised,
        "aic": -2 * fit.loglik + 2 * X.shape[1],
        "bic": -2 * fit.loglik + np.log(len(y)) * X.shape[1],
        "converged": fit.converged,
        "iterations": fit.n_iter,
        "interval": "profile penalised likelihood; p from penalised likelihood-ratio tests",
    }
    return tidy, glance


def _firth_reason(y: pd.Series, X: pd.DataFrame, epv: float) -> str | None:
    """Why maximum likelihood cannot be trusted here, or None."""
    if epv < MIN_EPV:
        return f"{epv:.1f} events per variable (< {MIN_EPV})"
    for column in X.columns[1:]:
        values = X[column]
        if set(values.unique()) <= {0.0, 1.0} and pd.crosstab(values, y).to_numpy().min() == 0:
            return f"an empty cell of {column} × outcome"
    return None


def _ml_logit(y: pd.Series, X: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Ordinary maximum-likelihood logit with Wald intervals."""
    import warnings

    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sm.Logit(y, X).fit(disp=0, maxiter=200)
    ci = result.conf_int()
    tidy = _ratio_tidy(
        list(X.columns),
        result.params.to_numpy(),
        result.bse.to_numpy(),
        ci[0].to_numpy(),
        ci[1].to_numpy(),
        result.pvalues.to_numpy(),
    )
    glance = {
        "loglik": result.llf,
        "aic": result.aic,
        "bic": result.bic,
        "converged": bool(result.mle_retvals["converged"]),
        "interval": "Wald",
    }
    return tidy, glance


def _ratio_tidy(terms, log_estimate, std_error, conf_low, conf_high, p_value) -> pd.DataFrame:
    """Contract tidy table on the ratio scale, keeping the log estimate alongside."""
    log_estimate = np.asarray(log_estimate, dtype=float)
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": np.exp(log_estimate),
            "std_error": np.asarray(std_error, dtype=float),
            "conf_low": np.exp(np.asarray(conf_low, dtype=float)),
            "conf_high": np.exp(np.asarray(conf_high, dtype=float)),
            "p_value": np.asarray(p_value, dtype=float),
            "log_estimate": log_estimate,
        }
    )


def member_design(
    networks: pd.DataFrame, census_year: int, flags: Sequence[str] = MEMBER_FLAGS
) -> pd.DataFrame:
    """Sourced networks with a member count: count, age at the count (decades), scope, flags.

    Age is taken at ``member_count_year`` — a count from 2005 says nothing about the
    network's size in 2025 — or at the census year where the count is undated.
    """
    coded = code_partners(networks)
    if "member_count_year" in networks.columns:
        count_year = networks["member_count_year"].astype("Float64")
    else:
        count_year = pd.Series(np.nan, index=networks.index, dtype="Float64")
    founded = networks["founded_year"].astype("Float64")
    age = (count_year.fillna(census_year) - founded).clip(lower=0)
    frame = pd.DataFrame(
        {
            "member_count": networks["member_count"].astype("Float64"),
            "age_decades": age / 10,
            "undated_count": count_year.isna().astype(float),
        },
        index=networks.index,
    )
    if "scope" in networks.columns and networks["scope"].notna().any():
        frame["global_scope"] = (networks["scope"] == "global").astype("Float64")
        frame.loc[networks["scope"].isna(), "global_scope"] = pd.NA
    for flag_name in flags:
        frame[flag_name] = coded[flag_name].astype("Float64")
    keep = coded["sourced"].to_numpy() & (frame["member_count"] > 0).fillna(False).to_numpy()
    return frame[keep].dropna().astype(float)


MEMBER_TERMS = {
    "Intercept": "Intercept (members)",
    "age_decades": "Network age at the count (per decade)",
    "global_scope": "Global scope (vs regional)",
    **FLAG_LABELS,
}


def fit_member_nb(
    networks: pd.DataFrame, census_year: int, flags: Sequence[str] = MEMBER_FLAGS
) -> tuple[pd.DataFrame, dict]:
    """NB2 model of member counts; incidence-rate ratios with HC1 robust intervals.

    Robust SEs because a few networks count thousands of members (the largest, 52,000)
    and the NB variance function need not fit them. A covariate without variation in the
    data is left out (and named in the glance) rather than making the fit singular.
    """
    import warnings

    import statsmodels.api as sm

    from analysis.common.contract import skip_reason

    reason = partners_skip_reason(networks) or skip_reason(
        networks, ["member_count"], "member-count model"
    )
    if reason is not None:
        skipped = skipped_model(reason)
        return skipped.tidy, skipped.glance
    frame = member_design(networks, census_year, flags)
    covariates = [c for c in ["age_decades", "global_scope", *flags] if c in frame.columns]
    present = [c for c in covariates if frame[c].nunique() > 1]
    X = sm.add_constant(frame[present], has_constant="add").rename(columns={"const": "Intercept"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sm.NegativeBinomial(frame["member_count"], X, loglike_method="nb2").fit(
            disp=0, maxiter=500, cov_type="HC1"
        )
    params = result.params.drop("alpha")
    ci = result.conf_int().drop("alpha")
    tidy = _ratio_tidy(
        [MEMBER_TERMS[t] for t in params.index],
        params.to_numpy(),
        result.bse.drop("alpha").to_numpy(),
        ci[0].to_numpy(),
        ci[1].to_numpy(),
        result.pvalues.drop("alpha").to_numpy(),
    )
    tidy["variable"] = list(params.index)
    k = len(present)
    glance = {
        "nobs": int(result.nobs),
        "loglik": result.llf,
        "aic": result.aic,
        "bic": result.bic,
        "converged": bool(result.mle_retvals["converged"]),
        "dispersion": float(result.params["alpha"]),
        "dispersion_kind": "NB2 alpha (Var = mu + alpha mu^2)",
        "variables": k,
        "observations_per_variable": int(result.nobs) / k if k else None,
        "n_undated_counts": int(frame["undated_count"].sum()),
        "dropped_constant": sorted(set(covariates) - set(present)),
        "estimate_scale": "incidence-rate ratio; std_error is on the log scale",
        "covariance": "HC1 (heteroskedasticity-robust)",
    }
    return tidy, glance


def fit_partner_dissolution(
    networks: pd.DataFrame, census_year: int, age_pieces: Sequence[int], flag: str
) -> tuple[pd.DataFrame, dict]:
    """Hazard of a network ending (dissolution or merger) with one partner flag as covariate.

    Calls the survival stage's piecewise-exponential model on the network-years of networks
    with sourced partners (an unsourced network has no flag). One flag per model: ~20 ends
    allow one covariate at about the usual 10–20 events per variable (methods.md §5.3).
    ``events_with_flag`` says how many of the ends fall on networks with the flag.
    """
    reason = partners_skip_reason(networks) or dissolution_skip_reason(networks, census_year)
    if reason is not None:
        skipped = skipped_model(reason)
        return skipped.tidy, {**skipped.glance, "flag": flag}
    coded = code_partners(networks)
    flags = coded.loc[coded["sourced"], ["network_id", flag]]
    flags[flag] = flags[flag].astype(float)
    years = network_years(networks, census_year, age_pieces).merge(flags, on="network_id")
    label = f"{FLAG_LABELS[flag]} founding partner"
    try:
        fit = fit_piecewise_exponential(years, [flag], labels={flag: label})
    except ValueError as error:
        skipped = skipped_model(f"not estimated: {error}")
        return skipped.tidy, {**skipped.glance, "flag": flag}
    ended = years.groupby("network_id")[["ended", flag]].max()
    glance = {
        **fit.glance,
        "flag": flag,
        "flag_label": FLAG_LABELS[flag],
        "events_with_flag": int((ended["ended"] * ended[flag]).sum()),
        "networks_with_flag": int(ended[flag].sum()),
        "n_unsourced_excluded": int((~coded["sourced"]).sum()),
    }
    return fit.tidy, glance

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
  stage's piecewise-exponential model (:mod:`analysis.survival`), one flag at a time because
  the census records only ~20 ends.

Every model is written through :func:`analysis.contract.write_model`; estimates are on the
ratio scale the brief quotes (odds or rate ratios), ``std_error`` on the log scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.figure_style import MARKERS, SMALL, WIDTH, apply_theme, save_figure
from analysis.partners import (
    FLAG_LABELS,
    THEME_GROUPS,
    code_partners,
    composition_keys,
    composition_numbers,
    partners_skip_reason,
    short_label,
)
from analysis.survival import (
    dissolution_skip_reason,
    fit_piecewise_exponential,
    network_years,
    skipped_model,
)
from analysis.wording import format_p, format_ratio

#: Founding year is centred here and scaled per decade, so odds ratios read "per decade".
CENTRE_YEAR = 2000
DECADE_TERM = f"Founding year (per decade, centred at {CENTRE_YEAR})"
#: Events per variable below which the logit is Firth-penalised (Peduzzi et al. 1995).
MIN_EPV = 10
#: Fewer events (or non-events) than this and a flag is not modelled at all.
MIN_EVENTS = 10
#: Partner flags in the member-count model: the coalitions policy implication 2 is about.
MEMBER_FLAGS = ("multilateral", "supranational", "national_government", "public_private")


# --- Firth-penalised logistic regression -------------------------------------------------


@dataclass(frozen=True)
class FirthFit:
    """A Firth logit: estimates, inverse Fisher information and penalised log-likelihood."""

    params: np.ndarray
    cov: np.ndarray
    loglik: float  # penalised: l(β) + ½ log|I(β)|
    loglik_unpenalised: float
    n_iter: int
    converged: bool


def _penalised_parts(
    y: np.ndarray, X: np.ndarray, beta: np.ndarray
) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray]:
    """Penalised log-likelihood, modified score U*(β) and Fisher information at β."""
    eta = X @ beta
    p = stats.logistic.cdf(eta)
    w = p * (1 - p)
    info = X.T @ (X * w[:, None])
    sign, logdet = np.linalg.slogdet(info)
    inv = np.linalg.inv(info)
    hat = w * np.einsum("ij,jk,ik->i", X, inv, X)
    score = X.T @ (y - p + hat * (0.5 - p))
    loglik = float(np.sum(y * stats.logistic.logcdf(eta) + (1 - y) * stats.logistic.logcdf(-eta)))
    penalised = loglik + 0.5 * logdet if sign > 0 else -np.inf
    return penalised, loglik, score, info, inv


def _firth_newton(
    y: np.ndarray,
    X: np.ndarray,
    start: np.ndarray,
    free: np.ndarray,
    max_iter: int = 100,
    tol: float = 1e-9,
    max_step: float = 5.0,
) -> tuple[np.ndarray, int, bool]:
    """Maximise the penalised likelihood over the ``free`` coefficients, the rest held fixed.

    Newton–Raphson on the modified score with the step capped at ``max_step`` and halved
    until the penalised likelihood does not fall (logistf's safeguards).
    """
    beta = start.astype(float).copy()
    current, _, score, info, _ = _penalised_parts(y, X, beta)
    for iteration in range(1, max_iter + 1):
        step = np.zeros_like(beta)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        largest = np.max(np.abs(step))
        if largest > max_step:
            step *= max_step / largest
        for _ in range(30):
            candidate = beta + step
            value, _, new_score, new_info, _ = _penalised_parts(y, X, candidate)
            if value >= current - 1e-12:
                break
            step /= 2
        beta, current, score, info = candidate, value, new_score, new_info
        if np.max(np.abs(step)) < tol and np.max(np.abs(score[free])) < 1e-6:
            return beta, iteration, True
    return beta, max_iter, False


def firth_logit(y: Sequence[float], X: np.ndarray, max_iter: int = 100) -> FirthFit:
    """Fit a Firth-penalised logit: finite estimates even under complete separation."""
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    free = np.ones(X.shape[1], dtype=bool)
    beta, n_iter, converged = _firth_newton(y, X, np.zeros(X.shape[1]), free, max_iter)
    penalised, loglik, _, _, inv = _penalised_parts(y, X, beta)
    return FirthFit(beta, inv, penalised, loglik, n_iter, converged)


def firth_profile(y: np.ndarray, X: np.ndarray, fit: FirthFit, j: int, value: float) -> float:
    """Maximum penalised log-likelihood with coefficient ``j`` fixed at ``value``."""
    start = fit.params.copy()
    start[j] = value
    free = np.ones(X.shape[1], dtype=bool)
    free[j] = False
    beta, _, _ = _firth_newton(np.asarray(y, float), np.asarray(X, float), start, free)
    return _penalised_parts(np.asarray(y, float), np.asarray(X, float), beta)[0]


def firth_inference(
    y: Sequence[float], X: np.ndarray, fit: FirthFit, level: float = 0.95
) -> pd.DataFrame:
    """Profile penalised-likelihood intervals and penalised LR p-values, per coefficient.

    Wald intervals are poor exactly where Firth is needed (separation makes the likelihood
    flat on one side), so each bound is where twice the drop in the profile penalised
    log-likelihood reaches the χ²₁ quantile. Columns: conf_low, conf_high, p_value (log scale).
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    critical = stats.chi2.ppf(level, 1)
    se = np.sqrt(np.diag(fit.cov))
    rows = []
    for j, estimate in enumerate(fit.params):

        def excess(value: float, j: int = j) -> float:
            return 2 * (fit.loglik - firth_profile(y, X, fit, j, value)) - critical

        bounds = []
        for direction in (-1.0, 1.0):
            width = max(se[j], 0.1)
            far = estimate + direction * width
            for _ in range(60):
                if excess(far) > 0:
                    break
                width *= 1.6
                far = estimate + direction * width
            bounds.append(optimize.brentq(excess, *sorted((estimate, far)), xtol=1e-10))
        lr = 2 * (fit.loglik - firth_profile(y, X, fit, j, 0.0))
        rows.append(
            {
                "conf_low": bounds[0],
                "conf_high": bounds[1],
                "p_value": float(stats.chi2.sf(max(lr, 0.0), 1)),
            }
        )
    return pd.DataFrame(rows)


# --- per-flag logits ---------------------------------------------------------------------


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


# --- member counts -------------------------------------------------------------------------


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

    from analysis.contract import skip_reason

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


# --- dissolution ----------------------------------------------------------------------------


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


# --- what the brief quotes and the effects figure ----------------------------------------


NOT_ESTIMATED = "not estimated"
#: Covariates of the member-count model, in the order of its numbers.
MEMBER_VARIABLES = ("age_decades", "global_scope", *MEMBER_FLAGS)


def model_keys(logit_outcomes: Sequence[str], hazard_flags: Sequence[str]) -> list[str]:
    """Every key :func:`model_numbers` writes for these models, whatever the data."""
    return [
        *(f"logit_{outcome}" for outcome in logit_outcomes),
        "logit_firth_outcomes",
        "members_available",
        "members_skip_reason",
        "members_nobs",
        "members_dispersion",
        *(f"irr_{variable}" for variable in MEMBER_VARIABLES),
        "members_verdict",
        *(f"hr_{flag}" for flag in hazard_flags),
        "dissolution_available",
        "dissolution_events",
        "dissolution_events_per_variable",
        "dissolution_verdict",
    ]


def direction(row: Mapping) -> str:
    """``higher``/``lower`` when the 95% CI of a ratio excludes 1, else ``unclear``."""
    if row["conf_low"] > 1:
        return "higher"
    if row["conf_high"] < 1:
        return "lower"
    return "unclear"


def verdict(rows: Mapping[str, Mapping], templates: Mapping[str, str], basis: str) -> str:
    """One sentence on what the CIs of several partner-flag ratios allow us to say.

    ``rows`` maps a flag to its tidy row; ``templates`` maps each direction to a clause with
    ``{}`` for the flags ("networks with a {} founding partner ended more often than others");
    flags with the same direction share a clause; ``basis`` is added in brackets.
    """
    clauses = []
    for way in ("higher", "lower", "unclear"):
        names = [short_label(f).lower() for f, row in rows.items() if direction(row) == way]
        if names:
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            clauses.append(templates[way].format(joined))
    if not clauses:
        return NOT_ESTIMATED
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + f" ({basis})."


def model_numbers(
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> dict:
    """Sentences on per-decade odds ratios, member-count rate ratios and hazard ratios.

    The keys are the same whether or not a model could be estimated (:func:`model_keys`);
    a model that was not says so in its sentence.
    """
    numbers: dict = dict.fromkeys(model_keys(list(logits), list(dissolution)), NOT_ESTIMATED)
    firth = []
    for outcome, (tidy, glance) in logits.items():
        key = f"logit_{outcome}"
        if not glance.get("available", True):
            numbers[key] = f"{FLAG_LABELS[outcome]}: {NOT_ESTIMATED} ({glance['skip_reason']})"
            continue
        row = tidy.set_index("term").loc[DECADE_TERM]
        numbers[key] = (
            f"{FLAG_LABELS[outcome]}: odds ratio per decade of founding {format_ratio(row)}, "
            f"p {format_p(row['p_value'])} ({glance['events']} of {glance['nobs']} networks; "
            f"{glance['estimator']})"
        )
        if glance["estimator"].startswith("Firth"):
            firth.append(short_label(outcome).lower())
    numbers["logit_firth_outcomes"] = ", ".join(firth) if firth else "none"

    tidy, glance = members
    numbers["members_available"] = bool(glance.get("available", True))
    numbers["members_skip_reason"] = glance.get("skip_reason", "")
    if numbers["members_available"]:
        numbers["members_nobs"] = glance["nobs"]
        numbers["members_dispersion"] = f"{glance['dispersion']:.2f}"
        by = tidy.set_index("variable")
        for variable, row in by.drop(index="Intercept").iterrows():
            numbers[f"irr_{variable}"] = f"{format_ratio(row)}, p {format_p(row['p_value'])}"
        numbers["members_verdict"] = verdict(
            {f: by.loc[f] for f in MEMBER_FLAGS if f in by.index},
            {
                "higher": "networks with a {} founding partner report more members than others",
                "lower": "networks with a {} founding partner report fewer members than others",
                "unclear": "for a {} founding partner the 95% CI of the rate ratio spans 1",
            },
            f"negative binomial model of {glance['nobs']} member counts, adjusted for age and scope",
        )

    numbers["dissolution_available"] = False
    hazard_rows = {}
    for flag, (tidy, glance) in dissolution.items():
        if not glance.get("available", True):
            numbers[f"hr_{flag}"] = f"{NOT_ESTIMATED} ({glance['skip_reason']})"
            continue
        row = tidy[tidy["kind"] == "hazard ratio"].iloc[0]
        numbers[f"hr_{flag}"] = (
            f"{format_ratio(row)}, p {format_p(row['p_value'])} "
            f"({glance['events_with_flag']} of {glance['events']} ends among the "
            f"{glance['networks_with_flag']} networks with this founding partner)"
        )
        hazard_rows[flag] = row
        numbers["dissolution_available"] = True
        numbers["dissolution_events"] = glance["events"]
        numbers["dissolution_events_per_variable"] = round(glance["events_per_variable"], 1)
    if hazard_rows:
        numbers["dissolution_verdict"] = verdict(
            hazard_rows,
            {
                "higher": "networks with a {} founding partner ended more often than others",
                "lower": "networks with a {} founding partner ended less often than others",
                "unclear": "the data cannot tell whether networks with a {} founding partner end "
                "more or less often than others, as the 95% CI of the hazard ratio spans 1",
            },
            f"{numbers['dissolution_events']} ends in all, one flag per model",
        )
    return numbers


def partner_numbers(
    networks: pd.DataFrame,
    period_breaks: Sequence[int],
    seed: int,
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> dict:
    """The stage's numbers.json: composition, tests and model results."""
    return composition_numbers(networks, period_breaks, seed) | model_numbers(
        logits, members, dissolution
    )


def skipped_partner_numbers(
    reason: str, n_networks: int, logit_outcomes: Sequence[str], hazard_flags: Sequence[str]
) -> dict:
    """numbers.json in skipped form, with every key of the full form (see composition_keys)."""
    keys = [*composition_keys(), *model_keys(logit_outcomes, hazard_flags)]
    numbers = dict.fromkeys(keys, "not available")
    numbers |= {
        "available": False,
        "skip_reason": reason,
        "n_networks": n_networks,
        "members_available": False,
        "dissolution_available": False,
    }
    return numbers


def effect_panels(
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> list[tuple[str, pd.DataFrame]]:
    """Rows of the coefficient plot, one panel per model family that has estimates.

    Takes the models as :func:`model_numbers` does; each panel is (x-axis label, rows with
    estimate, conf_low, conf_high, label, series). Skipped models have no rows.
    """
    wanted = {
        DECADE_TERM: "per decade of founding",
        "Global scope (vs regional)": "global vs regional scope",
    }
    logit_rows = [
        tidy[tidy["term"] == term].assign(label=short_label(outcome), series=series)
        for outcome, (tidy, _) in logits.items()
        for term, series in wanted.items()
    ]
    member_rows = members[0][members[0]["term"] != "Intercept (members)"]
    if len(member_rows):
        member_rows = member_rows.assign(
            label=[
                short_label(v) if v in FLAG_LABELS else t
                for v, t in zip(member_rows["variable"], member_rows["term"])
            ],
            series="member count",
        )
    hazard_rows = [
        tidy[tidy["kind"] == "hazard ratio"].assign(label=short_label(flag), series="any end")
        for flag, (tidy, _) in dissolution.items()
        if len(tidy)
    ]
    panels = [
        ("Odds ratio of having this founding partner (log scale)", logit_rows),
        ("Rate ratio of member count (log scale)", [member_rows]),
        ("Hazard ratio of the network ending (log scale)", hazard_rows),
    ]
    out = []
    for xlabel, parts in panels:
        parts = [p for p in parts if len(p)]
        if parts:
            rows = pd.concat(parts)
            order = {series: i for i, series in enumerate(dict.fromkeys(rows["series"]))}
            rows = rows.sort_values("series", key=lambda s: s.map(order), kind="stable")
            rows = rows.reset_index(drop=True)
            out.append((xlabel, rows))
    return out


def plot_partner_effects(panels: list[tuple[str, pd.DataFrame]], path: str | Path) -> None:
    """Coefficient plot: ratios with 95% CIs on one log axis, one panel per model family.

    One row per partner; where a panel has two series (per decade, global scope) they sit
    side by side in the row, told apart by colour and marker, and the legend names them.
    """
    colours = apply_theme()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    labels = [list(dict.fromkeys(rows["label"])) for _, rows in panels]
    n_rows = sum(len(ls) for ls in labels)
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(WIDTH, min(5.0, 0.8 + 0.22 * n_rows + 0.45 * len(panels))),
        gridspec_kw={"height_ratios": [len(ls) + 0.6 for ls in labels]},
        sharex=True,
        squeeze=False,
    )
    looks: dict[str, tuple] = {}  # series -> (colour, marker), only where a panel has several
    for ax, (xlabel, rows), names in zip(axes[:, 0], panels, labels):
        position = {name: len(names) - 1 - i for i, name in enumerate(names)}
        series = list(dict.fromkeys(rows["series"]))
        offsets = np.linspace(0.17, -0.17, len(series)) if len(series) > 1 else [0.0]
        for offset, name in zip(offsets, series):
            sub = rows[rows["series"] == name]
            estimate = sub["estimate"].to_numpy(dtype=float)
            if len(series) > 1:
                k = len(looks)
                look = looks.setdefault(name, (colours[k % 10], MARKERS[k % len(MARKERS)]))
            else:
                look = ("0.15", "o")
            ax.errorbar(
                estimate,
                sub["label"].map(position).to_numpy(dtype=float) + offset,
                xerr=[
                    estimate - sub["conf_low"].to_numpy(dtype=float),
                    sub["conf_high"].to_numpy(dtype=float) - estimate,
                ],
                fmt=look[1],
                color=look[0],
                ms=5,
                elinewidth=1.6,
                capsize=0,
            )
        ax.axvline(1, color="0.4", lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(list(position.values()), list(position))
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.tick_params(axis="y", length=0)
        ax.set_title(xlabel.replace(" (log scale)", ""), fontsize=SMALL, loc="left")
    ax = axes[-1, 0]
    # ratios read as plain numbers (0.5, 1, 2), not powers of ten; sparser over a wide range
    low, high = ax.get_xlim()
    subs = (1, 2, 5) if np.log10(high / low) <= 2.5 else (1, 3)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Ratio (log scale; 1 = no difference)")
    if looks:
        handles = [
            plt.Line2D([], [], color=c, marker=m, ls="-", lw=1.6, ms=5) for c, m in looks.values()
        ]
        names = [name[0].upper() + name[1:] for name in looks]
        fig.legend(handles, names, loc="outside upper center", ncol=2, frameon=False)
    save_figure(fig, path)

"""Parameter-recovery and size study of the founding-rate model (ADEMP, methods.md §5).

Aims: does the NB2 density model, fitted exactly as the workflow fits the census, recover
known density dependence in populations of our size, and does it find an inverted U where
there is none? Data-generating mechanisms (:data:`SCENARIOS`, each ~225 networks, 1913–2025,
by :func:`analysis.growth.simulate.simulate_networks`): S0 no density dependence (a constant founding
rate), S1 moderate density dependence (the calibrated defaults), S2 a rising secular trend
only (the census's exponential-trend fit). Estimands: under S1 theta1, theta2, the peak
density N* and the NB2 alpha; under every scenario the rejection rate of the density test and
the share of populations in which the brief's claim rule declares an inverted U. Methods: the
workflow's founding model (density, density squared, lags, periods; HAC SEs), the LR test of
the density terms against the chi-square law and against a parametric bootstrap (foundings
redrawn from the null fit, as for the census), and the claim rule (:func:`claims_inverted_u`).
Performance: bias, empirical SE, mean model SE, RMSE and 95% CI coverage under S1; size
(S0, S2) and power (S1) of the tests; each with its Monte-Carlo SE (Morris, White & Crowther
2019).

Replicates run in shards; each replicate's seed is spawned from (seed, scenario, shard), so
the results do not depend on how many shards run at once or on which scenarios run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from analysis.census.population import yearly_frame
from analysis.growth.bootstrap import bootstrap_p, null_lr
from analysis.growth.foundings import (
    TERM_ALPHA,
    TERM_DENSITY,
    TERM_DENSITY2,
    FoundingFit,
    FoundingSpec,
    density_peak,
    fit_foundings,
    founding_window,
    is_inverted_u,
    lr_test,
)
from analysis.growth.simulate import SimulationParams, simulate_networks

ESTIMANDS = {
    "theta1": "θ1 (density)",
    "theta2": "θ2 (density²)",
    "peak_density": "N* (peak density)",
    "alpha": "α (NB2)",
}


# N∗ with the asterisk operator: two plain asterisks in one sentence of the brief would italicise
SHORT_NAMES = {"theta1": "θ1", "theta2": "θ2", "peak_density": "the peak density N∗", "alpha": "α"}


RECOVERY_STREAM = 2


LEVEL = 0.05  # the tests' nominal size (reject when p <= LEVEL), as in the brief


@dataclass(frozen=True)
class Scenario:
    """One data-generating mechanism of the study: its seed number, what is true, its law, and
    whether its density tests are also bootstrapped (under the nulls, where the size of the
    chi-square test is in question; under S1 the bootstrap would only cost time)."""

    number: int
    truth: str
    params: SimulationParams
    bootstrap: bool = True


# b0 gives each scenario about as many foundings as the census (~225 in 1914–2025): a constant
# 2 a year under S0; under S2 the Poisson exponential-trend fit to the census (intercept 1.14,
# +0.39 on the log scale per decade), which puts nearly all foundings after 1980 as there
SCENARIOS = {
    "S0": Scenario(
        0,
        "no density dependence (constant founding rate)",
        SimulationParams(b0=math.log(2.0), theta1=0.0, theta2=0.0),
    ),
    "S1": Scenario(
        1, "inverted U in density (peak at 117 networks)", SimulationParams(), bootstrap=False
    ),
    "S2": Scenario(
        2,
        "rising trend only (+48% a decade), no density dependence",
        SimulationParams(b0=1.14, theta1=0.0, theta2=0.0, trend=0.39),
    ),
}


def claims_inverted_u(fit: FoundingFit, peak: Mapping[str, object], lr_p: float) -> bool:
    """The brief's claim rule: an inverted U in density (:func:`analysis.growth.foundings.is_inverted_u`)
    whose peak lies inside the observed range of density."""
    return is_inverted_u(fit, lr_p, LEVEL) and bool(peak["peak_in_observed_range"])


def recovery_replicate(
    params: SimulationParams,
    seed: np.random.SeedSequence,
    period_breaks: Sequence[int],
    bootstrap: int = 0,
) -> dict[str, float | bool]:
    """Simulate one population and fit the workflow's founding model to it.

    ``bootstrap`` > 0 also tests the density terms by a parametric bootstrap of that many
    replicates (its p-value and claim are NaN otherwise).
    """
    rng = np.random.default_rng(seed)
    networks = simulate_networks(params, rng)
    frame = founding_window(yearly_frame(networks, params.observed_at, period_breaks))
    fit = fit_foundings(frame, FoundingSpec())
    null = fit_foundings(frame, FoundingSpec(density=False), hac=False)
    peak = density_peak(fit, frame)
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    names = list(fit.params.index)
    lr, _, lr_p = lr_test(fit, null)
    p_boot = float("nan")
    if bootstrap:
        draws = [null_lr(frame, fit.design.spec, null, rng) for _ in range(bootstrap)]
        p_boot = bootstrap_p(np.array([s for s, ok in draws if ok]), lr)
    return {
        "n_networks": len(networks),
        "converged": fit.converged,
        "theta1": fit.params[TERM_DENSITY],
        "theta1_se": se[names.index(TERM_DENSITY)],
        "theta2": fit.params[TERM_DENSITY2],
        "theta2_se": se[names.index(TERM_DENSITY2)],
        "peak_density": peak["peak_density"],
        "peak_density_se": peak["peak_density_se"],
        "alpha": fit.params[TERM_ALPHA],
        "alpha_se": se[names.index(TERM_ALPHA)],
        "peak_in_observed_range": peak["peak_in_observed_range"],
        "lr_p": lr_p,
        "lr_p_bootstrap": p_boot,
        "claim": claims_inverted_u(fit, peak, lr_p),
        "claim_bootstrap": float(claims_inverted_u(fit, peak, p_boot)) if bootstrap else np.nan,
    }


def scenario_seed(seed: int, scenario: Scenario, shard: int) -> np.random.SeedSequence:
    """The seed of one scenario's shard: a function of (seed, scenario, shard) only."""
    return np.random.SeedSequence([seed, RECOVERY_STREAM, scenario.number, shard])


def recovery_shard(
    seed: int,
    shard: int,
    replicates: int,
    period_breaks: Sequence[int],
    bootstrap: int = 0,
    scenarios: Mapping[str, Scenario] = SCENARIOS,
) -> pd.DataFrame:
    """One shard of the study: ``replicates`` populations of each scenario, from seeds spawned
    for that scenario and shard (``bootstrap``: replicates of each population's bootstrap test,
    in the scenarios that have one)."""
    rows = []
    for name, scenario in scenarios.items():
        b = bootstrap if scenario.bootstrap else 0
        children = scenario_seed(seed, scenario, shard).spawn(replicates)
        rows += [
            {
                "scenario": name,
                "shard": shard,
                "replicate": r,
                "bootstrap": b,
                **recovery_replicate(scenario.params, child, period_breaks, b),
            }
            for r, child in enumerate(children)
        ]
    return pd.DataFrame(rows)


def performance(
    estimates: pd.Series, model_se: pd.Series, truth: float, level: float = 0.95
) -> dict[str, float]:
    """Bias, empirical and model SE, RMSE and Wald-CI coverage, each with its MCSE.

    Replicates without a finite estimate and SE are left out; ``n`` says how many remain.
    """
    ok = np.isfinite(estimates) & np.isfinite(model_se)
    est, se = estimates[ok].to_numpy(float), model_se[ok].to_numpy(float)
    n = est.size
    if n < 2:
        return {"n": n}
    z = stats.norm.ppf(0.5 + level / 2)
    emp_se = float(np.std(est, ddof=1))
    cover = float(np.mean(np.abs(est - truth) <= z * se))
    return {
        "n": n,
        "true": truth,
        "mean_estimate": float(est.mean()),
        "bias": float(est.mean() - truth),
        "bias_mcse": emp_se / math.sqrt(n),
        "empirical_se": emp_se,
        "empirical_se_mcse": emp_se / math.sqrt(2 * (n - 1)),
        "mean_model_se": float(se.mean()),
        "rmse": float(np.sqrt(np.mean((est - truth) ** 2))),
        "coverage": cover,
        "coverage_mcse": math.sqrt(cover * (1 - cover) / n),
    }


def summarise(replicates: pd.DataFrame, truth: Mapping[str, float]) -> pd.DataFrame:
    """One row of performance measures per estimand, over converged replicates."""
    ok = replicates.loc[replicates["converged"].astype(bool)]
    rows = [
        {"estimand": key, "label": label, **performance(ok[key], ok[f"{key}_se"], truth[key])}
        for key, label in ESTIMANDS.items()
    ]
    power = float((ok["lr_p"] < 0.05).mean()) if len(ok) else float("nan")
    summary = pd.DataFrame(rows)
    summary["replicates"] = len(replicates)
    summary["converged_share"] = len(ok) / len(replicates) if len(replicates) else float("nan")
    summary["lr_power"] = power
    summary["peak_in_range_share"] = float(ok["peak_in_observed_range"].astype(bool).mean())
    return summary


def _share(flags: pd.Series) -> tuple[float, float]:
    """A proportion over the finite flags and its Monte-Carlo SE sqrt(p(1 - p)/n)."""
    values = pd.to_numeric(flags, errors="coerce").dropna().astype(float)
    if values.empty:
        return float("nan"), float("nan")
    share = float(values.mean())
    return share, math.sqrt(share * (1 - share) / len(values))


def scenario_summary(replicates: pd.DataFrame) -> pd.DataFrame:
    """Per scenario: rejection rates of the density test (chi-square and bootstrap) and the
    share of populations the claim rule calls an inverted U, over converged fits, with MCSEs."""
    rows = []
    for name, scenario in SCENARIOS.items():
        runs = replicates.loc[replicates["scenario"] == name]
        ok = runs.loc[runs["converged"].astype(bool)]
        boot = ok.loc[np.isfinite(ok["lr_p_bootstrap"].astype(float))]
        row: dict[str, object] = {
            "scenario": name,
            "truth": scenario.truth,
            "populations": len(runs),
            "converged_share": len(ok) / len(runs) if len(runs) else float("nan"),
            "networks_median": float(runs["n_networks"].median()),
            "bootstrap_populations": len(boot),
        }
        for key, flags in (
            ("reject_chi2", ok["lr_p"] <= LEVEL),
            ("reject_bootstrap", boot["lr_p_bootstrap"] <= LEVEL),
            ("claim", ok["claim"].astype(bool)),
            ("claim_bootstrap", boot["claim_bootstrap"]),
        ):
            row[key], row[f"{key}_mcse"] = _share(flags)
        rows.append(row)
    return pd.DataFrame(rows)

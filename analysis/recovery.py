"""Parameter-recovery and size study of the founding-rate model (ADEMP, methods.md §5).

Aims: does the NB2 density model, fitted exactly as the workflow fits the census, recover
known density dependence in populations of our size, and does it find an inverted U where
there is none? Data-generating mechanisms (:data:`SCENARIOS`, each ~225 networks, 1913–2025,
by :func:`analysis.simulate.simulate_networks`): S0 no density dependence (a constant founding
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

from analysis.contract import markdown_table
from analysis.growth import (
    TERM_ALPHA,
    TERM_DENSITY,
    TERM_DENSITY2,
    FoundingFit,
    FoundingSpec,
    bootstrap_p,
    density_peak,
    fit_foundings,
    founding_window,
    is_inverted_u,
    lr_test,
    null_lr,
)
from analysis.population import yearly_frame
from analysis.simulate import SimulationParams, simulate_networks

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
    """The brief's claim rule: an inverted U in density (:func:`analysis.growth.is_inverted_u`)
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


def _rate(share: float, mcse: float, lead: str = "") -> str:
    """ "6.5% (1.7%)": a share and its MCSE; "–" when nothing was measured."""
    if not np.isfinite(share):
        return "–"
    return f"{_pct(share, 1)} ({lead}{_pct(mcse, 1)})"


def scenarios_table(scenarios: pd.DataFrame, bootstrap: int) -> str:
    """The scenarios table for the brief: size and power of the density test and the claim."""
    rows = []
    for r in scenarios.itertuples():
        row = {
            "Scenario (what is true)": f"{r.scenario}: {r.truth}",
            "Populations": r.populations,
            "Density test rejects, χ² (MCSE)": _rate(r.reject_chi2, r.reject_chi2_mcse),
        }
        if bootstrap:
            row["Density test rejects, bootstrap (MCSE)"] = _rate(
                r.reject_bootstrap, r.reject_bootstrap_mcse
            )
        row["Inverted U claimed (MCSE)"] = _rate(r.claim, r.claim_mcse)
        rows.append(row)
    booted = " and ".join(name for name, scenario in SCENARIOS.items() if scenario.bootstrap)
    reference = (
        f"against the χ² law or, under {booted}, a parametric bootstrap of {bootstrap} "
        f"replicates per population"
        if bootstrap
        else "against the χ² law"
    )
    caption = (
        f"The density test and the inverted-U claim in simulated (synthetic) populations under "
        f"three scenarios: the share of populations in which the LR test of the density terms "
        f"rejected at the 5% level ({reference}), and in which the brief's rule claimed an "
        f"inverted U (founding rising then falling with density, the χ² test significant, the "
        f"peak inside the observed range of density). Under S0 and S2 every rejection and every "
        f"claim is a false positive. MCSE: Monte-Carlo standard error."
    )
    return markdown_table(pd.DataFrame(rows), caption, "tbl-scenarios")


def scenario_numbers(scenarios: pd.DataFrame, bootstrap: int) -> dict[str, object]:
    """numbers.json keys of the scenarios: type-I error of the density test and of the claim,
    false claims under a trend alone, power of the claim, and a verdict in words."""
    rows = scenarios.set_index("scenario")

    def rate(name: str, key: str) -> str:
        return _rate(rows.loc[name, key], rows.loc[name, f"{key}_mcse"], "MCSE ")

    return {
        "scenario_populations": int(rows["populations"].min()),
        "bootstrap_per_population": int(bootstrap),
        "type1_chi2": rate("S0", "reject_chi2"),
        "type1_bootstrap": rate("S0", "reject_bootstrap") if bootstrap else "not run",
        "type1_inverted_u": rate("S0", "claim"),
        "trend_density_test": rate("S2", "reject_chi2"),
        "trend_false_inverted_u": rate("S2", "claim"),
        "trend_mimics_inverted_u": _too_often(rows, "S2", "claim"),
        "power_inverted_u": rate("S1", "claim"),
        "scenarios_verdict": _scenarios_verdict(rows, bootstrap),
    }


def _too_often(rows: pd.DataFrame, name: str, key: str) -> bool:
    """A rate under a null scenario exceeds the nominal 5% by more than 2 MCSE."""
    return bool(rows.loc[name, key] - 2 * rows.loc[name, f"{key}_mcse"] > LEVEL)


def _scenarios_verdict(rows: pd.DataFrame, bootstrap: int) -> str:
    chi2 = _pct(rows.loc["S0", "reject_chi2"], 1)
    text = (
        f"Without density dependence (S0), the χ² test of the density terms rejected in {chi2} "
        f"of the populations, "
        + ("more often than its nominal 5%" if _too_often(rows, "S0", "reject_chi2") else
           "close to its nominal 5%")
    )  # fmt: skip
    if bootstrap:
        boot = _pct(rows.loc["S0", "reject_bootstrap"], 1)
        text += f", and its parametric-bootstrap version in {boot}" + (
            ", also too often" if _too_often(rows, "S0", "reject_bootstrap") else ""
        )
    claims = [_pct(rows.loc[n, "claim"], 1) for n in ("S0", "S2", "S1")]
    text += (
        f". The brief's rule claimed an inverted U in {claims[0]} of these populations and in "
        f"{claims[1]} of those with only a rising trend (S2), against {claims[2]} of those with "
        f"true density dependence (S1). "
    )
    false_trend = _too_often(rows, "S2", "claim")
    if _too_often(rows, "S0", "claim") or false_trend:
        cause = "a rising trend alone" if false_trend else "chance alone"
        return text + (
            f"So {cause} can produce the claimed inverted U often enough that the density finding "
            f"should be read beside the trend and growth-curve models."
        )
    return text + "So the claim is rarely a false positive, with or without a trend."


def recovery_table(summary: pd.DataFrame) -> str:
    """Markdown pipe table of the study, with the caption line the brief cross-references."""
    rows = []
    for r in summary.itertuples():
        digits = _mcse_digits(r.bias_mcse)
        rows.append(
            {
                "Estimand": r.label,
                "True": _fixed(r.true, digits),
                "Mean estimate": _fixed(r.mean_estimate, digits),
                "Bias (MCSE)": _with_mcse(r.bias, r.bias_mcse),
                "Empirical SE": _fixed(r.empirical_se, digits),
                "Mean model SE": _fixed(r.mean_model_se, digits),
                "RMSE": _fixed(r.rmse, digits),
                "95% CI coverage (MCSE)": f"{_pct(r.coverage, 0)} ({_pct(r.coverage_mcse, 1)})",
            }
        )
    first = summary.iloc[0]
    caption = (
        f"Recovery of known density dependence by the founding model in "
        f"{int(first['replicates'])} simulated (synthetic) populations "
        f"({first['converged_share']:.0%} of fits converged); the density LR test rejected "
        f"no density dependence in {first['lr_power']:.0%} of them. Each row is rounded to "
        f"the precision of its bias's Monte-Carlo standard error (MCSE)."
    )
    return markdown_table(pd.DataFrame(rows), caption, "tbl-recovery")


def _pct(value: float, digits: int) -> str:
    return "–" if not np.isfinite(value) else f"{value:.{digits}%}"


def _mcse_digits(mcse: float) -> int:
    """Decimals that show a Monte-Carlo standard error to two significant digits (0 to 4):
    more would be noise, fewer would hide what the study can tell apart."""
    if mcse is None or not np.isfinite(mcse) or mcse <= 0:
        return 2
    return int(np.clip(1 - math.floor(math.log10(mcse)), 0, 4))


def _fixed(value: float, digits: int) -> str:
    """``value`` to ``digits`` decimals, with a true minus sign."""
    if value is None or not np.isfinite(value):
        return "–"
    return f"{round(value, digits) + 0.0:.{digits}f}".replace("-", "−")  # + 0.0: no "−0.00"


def _with_mcse(value: float, mcse: float, name: str = "") -> str:
    """ "0.29 (0.12)": an estimate and its MCSE, both to the MCSE's precision."""
    digits = _mcse_digits(mcse)
    return f"{_fixed(value, digits)} ({name}{_fixed(mcse, digits)})"


def recovery_numbers(summary: pd.DataFrame, replicates: pd.DataFrame) -> dict[str, object]:
    """numbers.json of the study: coverage and bias of the headline estimands, and a verdict
    the brief quotes when it says how far to trust the founding model's intervals."""
    rows = summary.set_index("estimand")
    numbers: dict[str, object] = {
        "available": True,
        "skip_reason": "",
        "replicates": int(len(replicates)),
        "networks_median": int(replicates["n_networks"].median()),
        "lr_power": f"{rows['lr_power'].iloc[0]:.0%}",
    }
    for key in ("theta1", "theta2", "peak_density"):
        r = rows.loc[key]
        numbers[f"coverage_{key}"] = (
            f"{_pct(r['coverage'], 0)} (MCSE {_pct(r['coverage_mcse'], 1)})"
        )
        numbers[f"bias_{key}"] = _with_mcse(r["bias"], r["bias_mcse"], "MCSE ")
    numbers["verdict"] = _verdict(rows)
    return numbers


def _verdict(rows: pd.DataFrame) -> str:
    """Bias counts when it exceeds both 2 MCSE and a quarter of the estimate's spread
    (standardised bias above 25%); coverage when it falls 2 MCSE short of 95%."""
    keys = ["theta1", "theta2", "peak_density"]
    biased = [
        SHORT_NAMES[k]
        for k in keys
        if abs(rows.loc[k, "bias"])
        > max(2 * rows.loc[k, "bias_mcse"], 0.25 * rows.loc[k, "empirical_se"])
    ]
    low = [k for k in keys if rows.loc[k, "coverage"] + 2 * rows.loc[k, "coverage_mcse"] < 0.95]
    if biased:
        names = biased[0] if len(biased) == 1 else f"{', '.join(biased[:-1])} and {biased[-1]}"
        lead = f"The founding model is biased for {names}"
        joint = ", and" if low else ", although"
    else:
        lead = "The founding model recovers the density terms and the peak density with little bias"
        joint = ", but" if low else ", and"
    if not low:
        return f"{lead}{joint} its 95% intervals cover the truth about as often as they should."
    worst = min(low, key=lambda k: rows.loc[k, "coverage"])
    return (
        f"{lead}{joint} its 95% intervals are too narrow: the interval for {SHORT_NAMES[worst]} "
        f"covered the truth in only {_pct(rows.loc[worst, 'coverage'], 0)} of the simulated "
        f"populations, so the intervals quoted above are optimistic."
    )

"""Parameter-recovery study of the founding-rate model (ADEMP, methods.md §5).

Aim: does the NB2 density model, fitted exactly as the workflow fits the census, recover
known density dependence in populations of our size? Data-generating mechanism:
:func:`analysis.simulate.simulate_networks` with calibrated defaults (~225 networks,
1913–2025). Estimands: theta1, theta2, the peak density N* and the NB2 alpha. Method: the
workflow's founding model (density, density squared, lags, periods; HAC SEs) and the chi2 LR
test of the density terms. Performance: bias, empirical SE, mean model SE, RMSE and 95% CI
coverage, each with its Monte-Carlo SE (Morris, White & Crowther 2019), plus the LR test's
rejection rate (power).

Replicates run in shards; each replicate's seed is spawned from (seed, stream, shard), so the
summary does not depend on how many shards run at once.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from analysis.contract import markdown_table
from analysis.growth import (
    TERM_ALPHA,
    TERM_DENSITY,
    TERM_DENSITY2,
    FoundingSpec,
    density_peak,
    fit_foundings,
    founding_window,
    lr_test,
    shard_seed,
)
from analysis.population import yearly_frame
from analysis.simulate import SimulationParams, simulate_networks

ESTIMANDS = {
    "theta1": "θ1 (density)",
    "theta2": "θ2 (density²)",
    "peak_density": "N* (peak density)",
    "alpha": "α (NB2)",
}
SHORT_NAMES = {"theta1": "θ1", "theta2": "θ2", "peak_density": "the peak density N*", "alpha": "α"}
RECOVERY_STREAM = 2


def recovery_replicate(
    params: SimulationParams, seed: np.random.SeedSequence, period_breaks: Sequence[int]
) -> dict[str, float | bool]:
    """Simulate one population and fit the workflow's founding model to it."""
    networks = simulate_networks(params, seed)
    frame = founding_window(yearly_frame(networks, params.observed_at, period_breaks))
    fit = fit_foundings(frame, FoundingSpec())
    null = fit_foundings(frame, FoundingSpec(density=False), hac=False)
    peak = density_peak(fit, frame)
    se = np.sqrt(np.diag(fit.cov.to_numpy()))
    names = list(fit.params.index)
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
        "lr_p": lr_test(fit, null)[2],
    }


def recovery_shard(
    params: SimulationParams,
    seed: int,
    shard: int,
    replicates: int,
    period_breaks: Sequence[int],
) -> pd.DataFrame:
    """One shard of the study: ``replicates`` populations from seeds spawned for it."""
    children = shard_seed(seed, RECOVERY_STREAM, shard).spawn(replicates)
    rows = [
        {"shard": shard, "replicate": r, **recovery_replicate(params, child, period_breaks)}
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
        lead = f"The founding model is biased for {', '.join(biased)}"
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

"""The recovery study's tables, numbers and verdict for the brief.

Monte-Carlo rates are printed to the precision their Monte-Carlo SE allows, and the verdict
on whether the founding model can be trusted follows a fixed rule on those rates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.common.contract import markdown_table
from analysis.growth.recovery import LEVEL, SCENARIOS, SHORT_NAMES


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

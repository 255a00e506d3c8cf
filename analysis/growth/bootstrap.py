"""Parametric bootstrap of the founding models: histories redrawn from a fitted model.

With ~110 yearly counts the chi-square law of the LR test and the delta method for the peak
density are rough; redrawing whole founding histories from the fitted (or null) model at the
observed regressors gives their small-sample laws. Replicates run in seeded shards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.growth.foundings import (
    TERM_DENSITY,
    TERM_DENSITY2,
    FoundingFit,
    FoundingSpec,
    fit_foundings,
    lr_test,
    peak_density,
)


def draw_history(fit: FoundingFit, frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """``frame`` with its foundings re-drawn from the fitted model at the observed regressors.

    A fixed-design parametric bootstrap: conditional on the observed history of density,
    lags and periods. Re-simulating the history recursively is not usable here: without the
    density terms the fitted founding model is explosive (its lag coefficient exceeds 1), so
    null histories run off to millions of foundings.
    """
    out = frame.copy()
    out["foundings"] = draw_counts(rng, fit.fitted(frame), fit.alpha)
    return out


def draw_counts(rng: np.random.Generator, mean: np.ndarray, alpha: float) -> np.ndarray:
    """NB2 (gamma-mixed Poisson) counts with variance mean + alpha mean^2; alpha 0 is Poisson."""
    mean = np.asarray(mean, dtype=float)
    if alpha <= 0:
        return rng.poisson(mean)
    return rng.poisson(rng.gamma(shape=1.0 / alpha, scale=alpha * mean))


def bootstrap_replicate(
    frame: pd.DataFrame, full: FoundingFit, null: FoundingFit, rng: np.random.Generator
) -> dict[str, float | bool]:
    """One parametric-bootstrap replicate for the density LR test and the N* interval.

    Foundings drawn from the null fit give one LR statistic under H0 (theta1 = theta2 = 0);
    foundings drawn from the full fit give one bootstrap draw of theta1, theta2 and N*.
    """
    lr_null, converged_null = null_lr(frame, full.design.spec, null, rng)
    row: dict[str, float | bool] = {"lr_null": lr_null, "converged_null": converged_null}
    under_full = draw_history(full, frame, rng)
    try:
        fb = fit_foundings(under_full, full.design.spec, hac=False)
        t1, t2 = fb.params[TERM_DENSITY], fb.params[TERM_DENSITY2]
        row.update(
            theta1=t1, theta2=t2, peak_density=peak_density(t1, t2), converged_full=fb.converged
        )
    except (np.linalg.LinAlgError, ValueError):
        row.update(theta1=np.nan, theta2=np.nan, peak_density=np.nan, converged_full=False)
    return row


def null_lr(
    frame: pd.DataFrame, spec_full: FoundingSpec, null: FoundingFit, rng: np.random.Generator
) -> tuple[float, bool]:
    """One LR statistic under H0: foundings drawn from the ``null`` fit, both models refitted.

    Returns the statistic and whether both refits converged (NaN, False if one failed).
    """
    drawn = draw_history(null, frame, rng)
    try:
        f1 = fit_foundings(drawn, spec_full, hac=False)
        f0 = fit_foundings(drawn, null.design.spec, hac=False)
    except (np.linalg.LinAlgError, ValueError):
        return float("nan"), False
    return lr_test(f1, f0)[0], f1.converged and f0.converged


def bootstrap_p(null_stats: np.ndarray | pd.Series, observed: float) -> float:
    """Monte-Carlo p-value (1 + #{T* >= T}) / (1 + B) over the finite null statistics T*;
    it is never 0, and with B = 19 a test at 5% rejects only when T beats every T*."""
    finite = np.asarray(null_stats, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return float("nan")
    return (1 + int((finite >= observed).sum())) / (1 + finite.size)


def shard_seed(seed: int, stream: int, shard: int) -> np.random.SeedSequence:
    """The seed of one shard: a function of (seed, stream, shard) only, so results do not
    depend on how many shards run at once or in which order."""
    return np.random.SeedSequence([seed, stream, shard])


def bootstrap_shard(
    frame: pd.DataFrame,
    full: FoundingFit,
    null: FoundingFit,
    seed: int,
    shard: int,
    replicates: int,
    stream: int = 1,
) -> pd.DataFrame:
    """``replicates`` bootstrap replicates of one shard, each with its own spawned stream."""
    children = shard_seed(seed, stream, shard).spawn(replicates)
    rows = []
    for r, child in enumerate(children):
        row = bootstrap_replicate(frame, full, null, np.random.default_rng(child))
        rows.append({"shard": shard, "replicate": r, **row})
    return pd.DataFrame(rows)


def bootstrap_summary(
    replicates: pd.DataFrame, lr_observed: float, level: float = 0.95
) -> dict[str, float | int]:
    """Bootstrap p-value of the density LR test and percentile CIs of theta1, theta2, N*.

    p = (1 + #{LR* >= LR}) / (1 + B) over replicates whose null and full fits converged.
    N* is summarised only over replicates with theta2 < 0 (an inverted U); their share is
    reported, since N* is undefined otherwise.
    """
    ok = replicates.loc[replicates["converged_null"].astype(bool), "lr_null"].dropna()
    full = replicates.loc[replicates["converged_full"].astype(bool)]
    peaks = full.loc[full["theta2"] < 0, "peak_density"]
    tail = (1 - level) / 2
    out: dict[str, float | int] = {
        "replicates": len(replicates),
        "lr_replicates": len(ok),
        "lr_p_bootstrap": bootstrap_p(ok, lr_observed),
        "peak_replicates": len(peaks),
        "share_inverted_u": len(peaks) / len(full) if len(full) else float("nan"),
    }
    for name, values in (
        ("theta1", full["theta1"]),
        ("theta2", full["theta2"]),
        ("peak_density", peaks),
    ):
        values = values.dropna()
        out[f"{name}_ci_low"] = float(values.quantile(tail)) if len(values) else float("nan")
        out[f"{name}_ci_high"] = float(values.quantile(1 - tail)) if len(values) else float("nan")
    return out

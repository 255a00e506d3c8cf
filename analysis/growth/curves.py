"""Growth shapes of the network population: saturation, a break in the trend, a forecast.

The density model asks *why* foundings slow; these models ask *whether* and *when*. Each
describes the yearly foundings F_t through a cumulative mean M(t) of networks ever founded,
with mean increment m(t) = M(t) - M(t-1), and is fitted by a count likelihood (Poisson or
NB2) to the same rows as the density models, so AIC compares across families (least squares
on cumulative counts would treat autocorrelated errors as independent; methods.md §1.6):

* logistic  M(t) = K / (1 + exp(-r (t - t0)))           (K: carrying capacity)
* Gompertz  M(t) = K exp(-exp(-r (t - t0)))               (asymmetric S, inflection at K/e)
* Bass      M(t) = K (1 - e^{-(p+q)s}) / (1 + (q/p) e^{-(p+q)s}),  s = t - first founding
             (p: independent founding, q: imitation)

K is estimated with a profile-likelihood CI, which can be open above when the data do not yet
show levelling off. The segmented log-linear model finds one change of trend by profile
likelihood over break years; whether there is any break is tested by a parametric bootstrap,
since the break year is unidentified without one. The forecast simulates networks alive forward from any fitted
founding model plus the recent observed death rate, drawing parameters from their sampling
law, so its prediction interval carries both parameter and count uncertainty.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import gammaln
from statsmodels.tools.numdiff import approx_hess3

from analysis.growth.foundings import (
    TERM_ALPHA,
    InformationCriteria,
    draw_normal,
)

CURVES = ("logistic", "gompertz", "bass")


TERM_K = "carrying capacity K (networks ever founded)"


TERMS = {
    "logistic": (TERM_K, "growth rate r (per year)", "inflection year t0"),
    "gompertz": (TERM_K, "growth rate r (per year)", "inflection year t0"),
    "bass": (TERM_K, "innovation p (per year)", "imitation q (per year)"),
}


# the second and third parameters are estimated on the log scale except the inflection year
LOG_SCALE = {
    "logistic": (True, True, False),
    "gompertz": (True, True, False),
    "bass": (True, True, True),
}


K_RANGE = (0.5, 1000.0)  # K searched between these multiples of the foundings observed


class CountModel(Protocol):
    """What the forecast needs of a fitted founding model (FoundingFit or ShapeFit)."""

    def draw_params(self, rng: np.random.Generator) -> np.ndarray: ...

    def alpha_of(self, params: np.ndarray) -> float: ...

    def mean(
        self,
        params: np.ndarray,
        year: float,
        density: float,
        foundings_lag: float,
        deaths_lag: float,
    ) -> float: ...


def cumulative(curve: str, theta: np.ndarray, years: np.ndarray, origin: int) -> np.ndarray:
    """M(t) of a curve at its estimation-scale parameters (log K, ...)."""
    with np.errstate(over="ignore"):  # far from t0 the exponentials overflow to M = 0 or K
        return _cumulative(curve, theta, np.asarray(years, dtype=float), origin)


def _cumulative(curve: str, theta: np.ndarray, t: np.ndarray, origin: int) -> np.ndarray:
    k = math.exp(theta[0])
    if curve == "logistic":
        return k / (1.0 + np.exp(-math.exp(theta[1]) * (t - theta[2])))
    if curve == "gompertz":
        return k * np.exp(-np.exp(-math.exp(theta[1]) * (t - theta[2])))
    if curve == "bass":
        p, q = math.exp(theta[1]), math.exp(theta[2])
        decay = np.exp(-(p + q) * np.maximum(t - origin, 0.0))
        return k * (1.0 - decay) / (1.0 + (q / p) * decay)
    raise ValueError(f"unknown curve {curve!r}; choose from {CURVES}")


def increments(curve: str, theta: np.ndarray, years: np.ndarray, origin: int) -> np.ndarray:
    """Expected foundings per year, m(t) = M(t) - M(t - 1), floored above 0."""
    years = np.asarray(years, dtype=float)
    m = cumulative(curve, theta, years, origin) - cumulative(curve, theta, years - 1, origin)
    return np.maximum(m, 1e-10)


def count_loglik(y: np.ndarray, mu: np.ndarray, alpha: float) -> float:
    """Poisson (alpha = 0) or NB2 log-likelihood of counts y with means mu."""
    if alpha <= 0:
        return float(np.sum(y * np.log(mu) - mu - gammaln(y + 1)))
    inv = 1.0 / alpha
    return float(
        np.sum(
            gammaln(y + inv)
            - gammaln(inv)
            - gammaln(y + 1)
            + y * np.log(alpha * mu / (1 + alpha * mu))
            - inv * np.log1p(alpha * mu)
        )
    )


@dataclass
class ShapeFit(InformationCriteria):
    """A fitted growth curve; ``theta`` is on the estimation scale (alpha last for NB2)."""

    curve: str
    family: str
    theta: np.ndarray
    cov: np.ndarray
    llf: float
    nobs: int
    converged: bool
    origin: int
    total: float
    k_ci: tuple[float, float] = (float("nan"), float("nan"))
    k_at_bound: bool = False
    years: np.ndarray = field(default_factory=lambda: np.array([]), repr=False)

    @property
    def k(self) -> int:
        return len(self.theta)

    @property
    def carrying_capacity(self) -> float:
        return math.exp(self.theta[0])

    @property
    def alpha(self) -> float:
        return self.alpha_of(self.theta)

    def alpha_of(self, params: np.ndarray) -> float:
        return math.exp(params[3]) if self.family == "nb2" else 0.0

    def draw_params(self, rng: np.random.Generator) -> np.ndarray:
        return draw_normal(rng, self.theta, self.cov)

    def mean(self, params: np.ndarray, year: float, *_state: float) -> float:
        return float(increments(self.curve, params, np.array([year]), self.origin)[0])

    def fitted(self, frame: pd.DataFrame) -> np.ndarray:
        return increments(self.curve, self.theta, frame["year"].to_numpy(), self.origin)

    def cumulative_fitted(self, years: np.ndarray) -> np.ndarray:
        return cumulative(self.curve, self.theta, years, self.origin)

    def inflection_year(self) -> float:
        """Year of fastest founding: t0, or for Bass the peak of m(t)."""
        if self.curve == "bass":
            p, q = math.exp(self.theta[1]), math.exp(self.theta[2])
            return self.origin + math.log(q / p) / (p + q) if q > p else float(self.origin)
        return float(self.theta[2])


def fit_shape(
    frame: pd.DataFrame,
    curve: str,
    family: str = "nb2",
    origin: int | None = None,
    level: float = 0.95,
) -> ShapeFit:
    """Fit one curve to the yearly foundings of the window ``frame`` from a grid of starts.

    ``origin`` (Bass's start, default the year before the window: the first founding) anchors
    the curve. The best of several L-BFGS-B runs from the grid's best starting points is kept.
    """
    y = frame["foundings"].to_numpy(dtype=float)
    years = frame["year"].to_numpy(dtype=float)
    origin = int(years.min()) - 1 if origin is None else origin
    total = float(y.sum()) + 1.0
    bounds = _bounds(curve, family, total, years)
    nll = _negloglik(curve, family, y, years, origin)
    starts = _starts(curve, total, years, y)
    if family == "nb2":
        starts = [np.append(s, a) for s in starts for a in (math.log(0.01), math.log(0.2))]
    best = _minimise(nll, starts, bounds)
    cov = _covariance(nll, best.x, bounds)
    fit = ShapeFit(
        curve=curve,
        family=family,
        theta=best.x,
        cov=cov,
        llf=-float(best.fun),
        nobs=len(y),
        converged=bool(best.success),
        origin=origin,
        total=total - 1.0,
        years=years,
    )
    fit.k_at_bound = bool(best.x[0] >= bounds[0][1] - 1e-3)
    fit.k_ci = _profile_k_ci(fit, nll, bounds, level)
    return fit


def _negloglik(curve: str, family: str, y: np.ndarray, years: np.ndarray, origin: int):
    def nll(theta: np.ndarray) -> float:
        mu = increments(curve, theta, years, origin)
        alpha = math.exp(theta[3]) if family == "nb2" else 0.0
        value = -count_loglik(y, mu, alpha)
        return value if np.isfinite(value) else 1e12

    return nll


def _bounds(curve: str, family: str, total: float, years: np.ndarray) -> list[tuple[float, float]]:
    k = (math.log(total * K_RANGE[0]), math.log(total * K_RANGE[1]))
    if curve == "bass":
        out = [k, (math.log(1e-8), 0.0), (math.log(1e-4), math.log(3.0))]
    else:
        out = [k, (math.log(1e-3), math.log(3.0)), (years.min() - 100.0, years.max() + 300.0)]
    return out + ([(math.log(1e-8), math.log(20.0))] if family == "nb2" else [])


def _starts(curve: str, total: float, years: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """A small grid of plausible starting values (K above what was observed, a range of
    speeds and of inflection years), of which the best few are optimised."""
    cum = np.cumsum(y)
    half = float(years[np.searchsorted(cum, cum[-1] / 2)]) if cum[-1] > 0 else float(years.mean())
    ks = [math.log(total * f) for f in (1.1, 1.5, 2.5, 5.0)]
    if curve == "bass":
        grid = [
            (k, math.log(p), math.log(q))
            for k in ks
            for p in (1e-4, 1e-3, 1e-2)
            for q in (0.05, 0.1, 0.2, 0.4)
        ]
    else:
        centres = (half, half + 10.0, half + 25.0, float(years.max()) + 10.0)
        grid = [(k, math.log(r), t0) for k in ks for r in (0.03, 0.08, 0.15, 0.3) for t0 in centres]
    return [np.array(g) for g in grid]


def _minimise(nll, starts: list[np.ndarray], bounds, n_best: int = 4) -> optimize.OptimizeResult:
    values = [nll(s) for s in starts]
    order = np.argsort(values)[:n_best]
    best = None
    for i in order:
        res = optimize.minimize(nll, starts[i], method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
    return best


def _covariance(nll, theta: np.ndarray, bounds) -> np.ndarray:
    """Inverse observed information; parameters stuck on a bound get no variance."""
    free = np.array([lo + 1e-3 < v < hi - 1e-3 for v, (lo, hi) in zip(theta, bounds)])
    cov = np.full((theta.size, theta.size), np.nan)
    if not free.any():
        return cov

    def sub(x: np.ndarray) -> float:
        full = theta.copy()
        full[free] = x
        return nll(full)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hess = approx_hess3(theta[free], sub)
    try:
        inv = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return cov
    if np.all(np.isfinite(inv)) and np.all(np.diag(inv) > 0):
        cov[np.ix_(free, free)] = inv
    return cov


def _profile_k_ci(fit: ShapeFit, nll, bounds, level: float) -> tuple[float, float]:
    """Profile-likelihood CI of K: the K whose profile deviance stays under chi2(1).

    An end that does not cross the cutoff inside the searched range is open (inf above;
    the lower search limit below is reported as NaN)."""
    cutoff = stats.chi2.ppf(level, 1)
    rest_bounds = bounds[1:]
    warm = {"x": fit.theta[1:].copy()}

    def deviance(log_k: float) -> float:
        def sub(x: np.ndarray) -> float:
            return nll(np.concatenate([[log_k], x]))

        res = optimize.minimize(sub, warm["x"], method="L-BFGS-B", bounds=rest_bounds)
        again = optimize.minimize(sub, fit.theta[1:], method="L-BFGS-B", bounds=rest_bounds)
        res = again if again.fun < res.fun else res
        warm["x"] = res.x
        return 2.0 * (res.fun + fit.llf) - cutoff

    log_k = fit.theta[0]
    lo, hi = bounds[0]
    ends = []
    for edge in (lo, hi):
        warm["x"] = fit.theta[1:].copy()
        if edge == log_k or deviance(edge) < 0:
            ends.append(float("nan") if edge == lo else float("inf"))
            continue
        warm["x"] = fit.theta[1:].copy()
        ends.append(
            math.exp(optimize.brentq(deviance, min(edge, log_k), max(edge, log_k), xtol=1e-3))
        )
    return ends[0], ends[1]


def shape_tidy(fit: ShapeFit, level: float = 0.95) -> pd.DataFrame:
    """Contract table on the natural scale: K with its profile CI, the rest with Wald CIs
    (computed on the log scale for positive parameters)."""
    z = stats.norm.ppf(0.5 + level / 2)
    terms = list(TERMS[fit.curve]) + ([TERM_ALPHA] if fit.family == "nb2" else [])
    logs = list(LOG_SCALE[fit.curve]) + ([True] if fit.family == "nb2" else [])
    rows = []
    for i, (term, is_log) in enumerate(zip(terms, logs)):
        v, se = fit.theta[i], (
            math.sqrt(fit.cov[i, i]) if np.isfinite(fit.cov[i, i]) else float("nan")
        )
        if is_log:
            est, low, high = math.exp(v), math.exp(v - z * se), math.exp(v + z * se)
            se = est * se
        else:
            est, low, high = v, v - z * se, v + z * se
        if i == 0:
            low, high = fit.k_ci
        rows.append(
            {
                "term": term,
                "estimate": est,
                "std_error": se,
                "conf_low": low,
                "conf_high": high,
                "p_value": float("nan"),
            }
        )
    return pd.DataFrame(rows)


def shape_glance(fit: ShapeFit) -> dict[str, object]:
    return {
        "nobs": fit.nobs,
        "loglik": fit.llf,
        "aic": fit.aic,
        "bic": fit.bic,
        "k_params": fit.k,
        "family": fit.family,
        "curve": fit.curve,
        "converged": fit.converged,
        "alpha": fit.alpha if fit.family == "nb2" else None,
        "carrying_capacity": fit.carrying_capacity,
        "carrying_capacity_ci_low": fit.k_ci[0],
        "carrying_capacity_ci_high": fit.k_ci[1],
        "carrying_capacity_at_search_limit": fit.k_at_bound,
        "foundings_observed": fit.total,
        "inflection_year": fit.inflection_year(),
    }

"""Founding-rate count models: is the founding of city networks density dependent?

Organisational ecology predicts an inverted U: foundings rise with density N while the form
gains legitimacy and fall once competition dominates (methods.md §1.2). The yearly foundings
F_t are modelled by maximum likelihood as

    log E[F_t] = b0 + theta1 * N_t/100 + theta2 * (N_t/100)**2 + controls,

with Poisson or NB2 counts (Var = mu + alpha mu^2). The controls are last year's foundings and
ends, entered as log(1 + count) so that the model stays a stable recursion (a raw lagged
count in a log-linear model is explosive), and period effects. Every model is fitted to the *same*
rows, the founding window of :func:`founding_window` (from the year after the first founding
to the end of the series: the population is analysed from its first member on, and the lags
of the yearly frame are 0 before the first year so no row is lost), so log-likelihoods, AIC
and LR tests compare. Density is rescaled to hundreds of networks for numerics.

Inference guards against the small-population pitfalls of methods.md §1.5/§5.3: HAC
(Newey–West) standard errors for autocorrelation, an LR test of the density terms with both
the chi-square reference and a parametric bootstrap (foundings re-drawn under the null at
the observed regressors, :func:`draw_history`), a boundary-corrected NB-vs-Poisson LR test,
and the peak density N* = -theta1/(2 theta2) with a delta-method CI plus a check that it lies
inside the observed range of density.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.discrete.discrete_model import NegativeBinomial, Poisson
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

TREND_ORIGIN = 2000


TERM_INTERCEPT = "intercept"


TERM_TREND = f"time trend (per decade, log scale, from {TREND_ORIGIN})"


TERM_BREAK = "change in time trend after the break (per decade)"


TERM_DENSITY = "density (per 100 networks)"


TERM_DENSITY2 = "density squared (per 100 networks, squared)"


TERM_FOUNDINGS_LAG = "log(1 + foundings in the previous year)"


TERM_DEATHS_LAG = "log(1 + dissolutions and mergers in the previous year)"


TERM_ALPHA = "overdispersion (NB2 alpha)"


@dataclass(frozen=True)
class FoundingSpec:
    """Which regressors and which count distribution a founding model uses."""

    family: str = "nb2"
    density: bool = True
    lags: bool = True
    periods: bool = True
    trend: bool = False
    break_year: int | None = None

    def __post_init__(self) -> None:
        if self.family not in ("nb2", "poisson"):
            raise ValueError(f"family must be 'nb2' or 'poisson', not {self.family!r}")


@dataclass(frozen=True)
class Design:
    """Builds the regressor matrix from a year's state, for fitting and for simulating."""

    spec: FoundingSpec
    period_codes: tuple[int, ...] = ()
    period_names: tuple[str, ...] = ()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, spec: FoundingSpec) -> Design:
        """Period dummies for every period present in ``frame`` except its first."""
        if not spec.periods:
            return cls(spec)
        period = frame["period"].astype("category")
        present = sorted(set(period.cat.codes))
        labels = period.cat.categories
        reference = labels[present[0]]
        names = tuple(f"period {labels[c]} (vs {reference})" for c in present[1:])
        return cls(spec, tuple(present[1:]), names)

    @property
    def names(self) -> list[str]:
        s = self.spec
        names = [TERM_INTERCEPT]
        names += [TERM_TREND] if s.trend else []
        names += [TERM_BREAK] if s.break_year is not None else []
        names += [TERM_DENSITY, TERM_DENSITY2] if s.density else []
        names += [TERM_FOUNDINGS_LAG, TERM_DEATHS_LAG] if s.lags else []
        return names + list(self.period_names)

    def matrix(
        self,
        year: np.ndarray,
        density: np.ndarray,
        foundings_lag: np.ndarray,
        deaths_lag: np.ndarray,
        period_code: np.ndarray,
    ) -> np.ndarray:
        s = self.spec
        year = np.asarray(year, dtype=float)
        cols = [np.ones_like(year)]
        if s.trend:
            cols.append((year - TREND_ORIGIN) / 10.0)
        if s.break_year is not None:
            cols.append(np.maximum(year - s.break_year, 0.0) / 10.0)
        if s.density:
            x = np.asarray(density, dtype=float) / 100.0
            cols += [x, x**2]
        if s.lags:
            # log(1 + count) keeps the recursion stable: a raw lagged count in a log-linear
            # model makes simulated histories explode (Zeger & Qaqish 1988)
            cols += [
                np.log1p(np.asarray(foundings_lag, float)),
                np.log1p(np.asarray(deaths_lag, float)),
            ]
        cols += [(np.asarray(period_code) == c).astype(float) for c in self.period_codes]
        return np.column_stack(cols)

    def frame_matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        codes = frame["period"].astype("category").cat.codes.to_numpy()
        x = self.matrix(
            frame["year"], frame["density"], frame["foundings_lag"], frame["deaths_lag"], codes
        )
        return pd.DataFrame(x, columns=self.names, index=frame.index)


class InformationCriteria:
    """AIC and BIC from a fit's ``llf``, ``nobs`` and parameter count ``k``: every founding
    model, count regression or growth curve, is compared on this one footing."""

    llf: float
    nobs: int

    @property
    def k(self) -> int:
        raise NotImplementedError

    @property
    def aic(self) -> float:
        return -2 * self.llf + 2 * self.k

    @property
    def bic(self) -> float:
        return -2 * self.llf + self.k * math.log(self.nobs)


@dataclass
class FoundingFit(InformationCriteria):
    """A fitted founding model: estimates on the log-rate scale (alpha last for NB2)."""

    design: Design
    params: pd.Series
    cov: pd.DataFrame
    llf: float
    nobs: int
    converged: bool
    cov_type: str
    extra_params: int = 0  # parameters chosen outside the likelihood fit (a break year)
    last_period_code: int = 0
    profile: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def family(self) -> str:
        return self.design.spec.family

    @property
    def k(self) -> int:
        return len(self.params) + self.extra_params

    @property
    def alpha(self) -> float:
        return float(self.params[TERM_ALPHA]) if self.family == "nb2" else 0.0

    def alpha_of(self, params: np.ndarray) -> float:
        """NB2 alpha of a parameter vector (drawn vectors may stray below 0)."""
        return max(float(params[-1]), 0.0) if self.family == "nb2" else 0.0

    def mean(
        self,
        params: np.ndarray,
        year: float,
        density: float,
        foundings_lag: float,
        deaths_lag: float,
        period_code: int | None = None,
    ) -> float:
        """Expected foundings in one year given the population's state at its start."""
        code = self.last_period_code if period_code is None else period_code
        row = self.design.matrix(
            np.array([year]),
            np.array([density]),
            np.array([foundings_lag]),
            np.array([deaths_lag]),
            np.array([code]),
        )[0]
        beta = np.asarray(params)[: row.size]
        return float(np.exp(np.clip(row @ beta, -30, 30)))

    def draw_params(self, rng: np.random.Generator) -> np.ndarray:
        """Parameters drawn from their asymptotic normal law (for prediction intervals)."""
        return draw_normal(rng, self.params.to_numpy(), self.cov.to_numpy())

    def fitted(self, frame: pd.DataFrame) -> np.ndarray:
        """Expected foundings on the rows of ``frame``, at the estimates."""
        x = self.design.frame_matrix(frame).to_numpy()
        return np.exp(x @ self.params.to_numpy()[: x.shape[1]])


def founding_window(frame: pd.DataFrame, end_year: int | None = None) -> pd.DataFrame:
    """The common rows of every founding model: after the first founding, up to ``end_year``."""
    first = int(frame.loc[frame["foundings"] > 0, "year"].min())
    keep = frame["year"] > first
    if end_year is not None:
        keep &= frame["year"] <= end_year
    return frame.loc[keep].reset_index(drop=True)


def hac_maxlags(nobs: int) -> int:
    """Newey–West rule floor(4 (T/100)^(2/9)), the default of statsmodels' cov_hac."""
    return int(math.floor(4 * (nobs / 100.0) ** (2.0 / 9.0)))


def fit_foundings(frame: pd.DataFrame, spec: FoundingSpec, hac: bool = True) -> FoundingFit:
    """Maximum-likelihood fit of one founding model on the window rows of ``frame``.

    ``hac`` gives Newey–West SEs (lags by :func:`hac_maxlags`); the bootstrap and the
    profile over break years switch it off because they only need estimates.
    """
    design = Design.from_frame(frame, spec)
    exog = design.frame_matrix(frame)
    endog = frame["foundings"].to_numpy(dtype=float)
    cov = dict(cov_type="HAC", cov_kwds={"maxlags": hac_maxlags(len(frame))}) if hac else {}
    names = design.names + ([TERM_ALPHA] if spec.family == "nb2" else [])
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", (ConvergenceWarning, HessianInversionWarning, RuntimeWarning)
        )
        res = Poisson(endog, exog).fit(method="newton", maxiter=100, disp=0, **cov)
        if spec.family == "nb2":
            res = _fit_nb2(endog, exog, cov, poisson=res)
        llf = float(res.llf)
        converged = bool(res.mle_retvals.get("converged", False)) and np.isfinite(llf)
        params = np.asarray(res.params, dtype=float)
        try:
            cov_matrix = np.asarray(res.cov_params(), dtype=float)
        except ValueError:  # no invertible Hessian: estimates without SEs
            cov_matrix, converged = np.full((params.size, params.size), np.nan), False
    if params.size < len(names):  # NB2 at its boundary: the Poisson fit with alpha = 0
        params = np.append(params, 0.0)
        cov_matrix = np.pad(cov_matrix, (0, 1), constant_values=np.nan)
    codes = frame["period"].astype("category").cat.codes
    return FoundingFit(
        design=design,
        params=pd.Series(params, index=names),
        cov=pd.DataFrame(cov_matrix, index=names, columns=names),
        llf=llf,
        nobs=len(frame),
        converged=converged,
        cov_type="HAC" if hac else "nonrobust",
        last_period_code=int(codes.iloc[-1]),
    )


def _fit_nb2(endog: np.ndarray, exog: pd.DataFrame, cov: dict, poisson):
    """NB2 by maximum likelihood, or the Poisson fit when alpha's MLE is on its boundary 0.

    L-BFGS on log(alpha) is the most reliable of statsmodels' optimisers here (Newton fails
    as alpha -> 0 but converges fast from L-BFGS's end point); Newton, then Nelder–Mead,
    polish a fit L-BFGS did not finish. When the NB2 fit does not beat the Poisson
    likelihood (or alpha runs to 0), alpha = 0 is the MLE and the Poisson fit is that model.
    """
    model = NegativeBinomial(endog, exog, loglike_method="nb2")
    res = model.fit(method="lbfgs", maxiter=500, disp=0, **cov)
    at_boundary = (
        not np.isfinite(res.llf)
        or res.llf <= poisson.llf + 1e-6
        or np.asarray(res.params)[-1] < 1e-4
    )
    if res.mle_retvals.get("converged", False) and not at_boundary:
        return res
    if at_boundary:
        return poisson
    for method, maxiter in (("newton", 50), ("nm", 5000)):
        polished = model.fit(
            start_params=np.asarray(res.params), method=method, maxiter=maxiter, disp=0, **cov
        )
        if np.isfinite(polished.llf) and polished.llf >= res.llf - 1e-8:
            res = polished
            if res.mle_retvals.get("converged", False):
                break
    return res


def lr_test(full: FoundingFit, restricted: FoundingFit) -> tuple[float, int, float]:
    """LR statistic, degrees of freedom and chi-square p for nested models on the same rows."""
    if full.nobs != restricted.nobs:
        raise ValueError("LR tests need both models fitted to the same rows")
    stat = max(2.0 * (full.llf - restricted.llf), 0.0)
    df = len(full.params) - len(restricted.params)
    return stat, df, float(stats.chi2.sf(stat, df))


def nb_vs_poisson(nb: FoundingFit, poisson: FoundingFit) -> tuple[float, float]:
    """LR test of alpha = 0, on the boundary: p from the 50:50 mixture of 0 and chi2(1)."""
    stat = max(2.0 * (nb.llf - poisson.llf), 0.0)
    return stat, (0.5 * float(stats.chi2.sf(stat, 1)) if stat > 0 else 1.0)


def peak_density(theta1: float, theta2: float) -> float:
    """Density (networks) at which the founding rate peaks: N* = -theta1 / (2 theta2) * 100."""
    return -theta1 / (2.0 * theta2) * 100.0 if theta2 != 0 else float("nan")


def peak_density_delta(
    theta1: float, theta2: float, cov: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, float]:
    """N*, its delta-method SE and Wald CI from the 2x2 covariance of (theta1, theta2)."""
    n_star = peak_density(theta1, theta2)
    grad = np.array([-1.0 / (2.0 * theta2), theta1 / (2.0 * theta2**2)]) * 100.0
    se = float(np.sqrt(grad @ np.asarray(cov) @ grad))
    z = stats.norm.ppf(0.5 + level / 2)
    return n_star, se, n_star - z * se, n_star + z * se


def is_inverted_u(fit: FoundingFit, lr_p: float, level: float = 0.05) -> bool:
    """The density terms make an inverted U: founding rises with density (theta1 > 0) and
    then falls (theta2 < 0), and the two terms are jointly significant (LR p <= ``level``,
    which a Monte-Carlo p-value of 19 replicates reaches only by beating all of them)."""
    return bool(fit.params[TERM_DENSITY] > 0 and fit.params[TERM_DENSITY2] < 0 and lr_p <= level)


def density_peak(fit: FoundingFit, frame: pd.DataFrame) -> dict[str, float | bool]:
    """N* with its delta-method CI, whether it is a peak (theta2 < 0) and inside the data."""
    t1, t2 = fit.params[TERM_DENSITY], fit.params[TERM_DENSITY2]
    cov = fit.cov.loc[[TERM_DENSITY, TERM_DENSITY2], [TERM_DENSITY, TERM_DENSITY2]].to_numpy()
    n_star, se, low, high = peak_density_delta(t1, t2, cov)
    lo_obs, hi_obs = float(frame["density"].min()), float(frame["density"].max())
    return {
        "peak_density": n_star,
        "peak_density_se": se,
        "peak_density_ci_low": low,
        "peak_density_ci_high": high,
        "is_peak": bool(t2 < 0),
        "density_min": lo_obs,
        "density_max": hi_obs,
        "peak_in_observed_range": bool(t2 < 0 and lo_obs <= n_star <= hi_obs),
    }


def draw_normal(rng: np.random.Generator, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """A draw from N(mean, cov) over the parameters that have a finite variance; the rest
    (a boundary alpha, an unidentified term) stay at their estimates."""
    out = np.array(mean, dtype=float)
    ok = np.isfinite(np.diag(cov)) & np.all(np.isfinite(cov), axis=1)
    if ok.any():
        out[ok] = rng.multivariate_normal(out[ok], cov[np.ix_(ok, ok)], method="eigh")
    return out


def tidy(fit: FoundingFit, level: float = 0.95) -> pd.DataFrame:
    """Contract table: log-rate coefficients (alpha on its own scale) with Wald CIs."""
    se = np.sqrt(np.clip(np.diag(fit.cov.to_numpy()), 0, None))
    z = stats.norm.ppf(0.5 + level / 2)
    est = fit.params.to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * stats.norm.sf(np.abs(est / se))
    out = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": est,
            "std_error": se,
            "conf_low": est - z * se,
            "conf_high": est + z * se,
            "p_value": p,
        }
    )
    out["rate_ratio"] = np.where(out["term"] == TERM_ALPHA, np.nan, np.exp(est))
    return out


def glance(fit: FoundingFit, **extra: object) -> dict[str, object]:
    """Contract summary of a founding model."""
    return {
        "nobs": fit.nobs,
        "loglik": fit.llf,
        "aic": fit.aic,
        "bic": fit.bic,
        "k_params": fit.k,
        "family": fit.family,
        "alpha": fit.alpha if fit.family == "nb2" else None,
        "converged": fit.converged,
        "cov_type": fit.cov_type,
        "hac_maxlags": hac_maxlags(fit.nobs) if fit.cov_type == "HAC" else None,
        **extra,
    }


def first_year_at(frame: pd.DataFrame, level: float) -> int | None:
    """First year density reached ``level`` (when the population passed N*), if it did."""
    reached = frame.loc[frame["density"] >= level, "year"]
    return int(reached.iloc[0]) if len(reached) else None

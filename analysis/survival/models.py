"""Models of the hazard of a network ending: piecewise exponential and Cox.

The piecewise-exponential Poisson model on network-years is the primary model (transparent,
exact with yearly data); Cox with delayed entry is its check. Each is fitted under the three
rules for unknown end years, and only when there are enough events for its covariates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.common.contract import TIDY_COLUMNS, skip_reason
from analysis.survival.spells import EVENT_WORDS, PRIMARY_EVENT, EndRule, end_counts, network_years

COVARIATE_LABELS = {
    "density": "density (per 100 networks)",
    "density_founding": "density at founding (per 100 networks)",
}


#: The primary model: few covariates because there are few events (methods.md §5.3).
PRIMARY_COVARIATES = ("density", "density_founding")


#: Below this many ended networks (5 per density term) the hazard models would describe noise;
#: the stage is skipped.
MIN_EVENTS = 10


#: Conventional minimum events per covariate (Peduzzi et al. 1995; methods.md §5.3).
EPV_RULE = 10


@dataclass
class FittedModel:
    """A fitted (or skipped) model in contract form: tidy terms, glance, and the raw fit."""

    tidy: pd.DataFrame
    glance: dict[str, Any]
    result: Any = field(default=None, repr=False)

    @property
    def available(self) -> bool:
        return bool(self.glance.get("available", True))

    def term(self, covariate: str, labels: Mapping[str, str] | None = None) -> pd.Series:
        """The tidy row of one covariate (by column name)."""
        label = {**COVARIATE_LABELS, **(labels or {})}.get(covariate, covariate)
        return self.tidy.set_index("term").loc[label]


def skipped_model(reason: str) -> FittedModel:
    """A model that could not be fitted, in contract form (empty tidy, null statistics)."""
    tidy = pd.DataFrame(columns=TIDY_COLUMNS)
    glance = {
        "available": False,
        "skip_reason": reason,
        "nobs": 0,
        "loglik": None,
        "aic": None,
        "bic": None,
        "converged": False,
    }
    return FittedModel(tidy, glance)


def fit_piecewise_exponential(
    person_years: pd.DataFrame,
    covariates: Sequence[str],
    event: str = PRIMARY_EVENT,
    labels: Mapping[str, str] | None = None,
) -> FittedModel:
    """Piecewise-exponential hazard model as a Poisson GLM on network-years.

    ``person_years`` is :func:`network_years` output, optionally with extra numeric columns
    (e.g. a 0/1 founding-partner flag merged on ``network_id``); ``covariates`` names the columns
    that enter linearly; ``event`` is ``"ended"`` (any end), ``"dissolved"`` or ``"merged"``
    (cause-specific: the other end type is censored). ``labels`` maps covariate columns to plain
    words for the tidy table (density terms are labelled already).

    The baseline hazard is one rate per age piece (no intercept; log exposure as offset).
    An age piece with no events would have a rate of zero, whose log is −∞, so it is merged into
    the next piece (the last one into the previous); ``glance["age_pieces"]`` lists the pieces
    used. Standard errors are cluster-robust by network (a network contributes many rows).

    Tidy: one row per age piece (``estimate``: yearly hazard at that age with covariates at 0)
    and per covariate (``estimate``: hazard ratio per unit of the covariate, i.e. per 100
    networks for density). ``std_error`` is on the log scale (``std_error_model_based`` beside
    it, for comparison); ``kind`` says which row is which.
    Glance: nobs (network-years), n_networks, events, events_per_variable (events per covariate
    beyond the baseline), events_per_parameter, loglik, aic, bic, deviance, dispersion (Pearson
    χ²/df), converged.
    """
    covariates = list(covariates)
    data = _model_rows(person_years, covariates, event)
    events = data[event].to_numpy(dtype=float)
    edges = _pieces_with_events(data["age_piece"].to_numpy(), events)
    piece = edges[np.searchsorted(edges, data["age_piece"].to_numpy(), side="right") - 1]
    piece_names = _piece_labels(edges, int(data["age"].min()))
    dummies = (piece[:, None] == edges[None, :]).astype(float)
    exog = np.column_stack([dummies, data[covariates].to_numpy(dtype=float)])
    names = [*piece_names, *_labels(covariates, labels)]

    model = sm.GLM(
        events, exog, family=sm.families.Poisson(), exposure=data["exposure"].to_numpy(dtype=float)
    )
    groups = pd.factorize(data["network_id"])[0]
    result = model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    kinds = ["yearly hazard (covariates at 0)"] * len(edges) + ["hazard ratio"] * len(covariates)
    tidy = _exp_tidy(names, result.params, result.bse, result.pvalues, kinds)
    # with ~20 events the sandwich can understate the variance: keep the model-based SE beside it
    tidy["std_error_model_based"] = np.sqrt(np.diag(result.normalized_cov_params))

    k = exog.shape[1]
    n = len(data)
    converged = bool(getattr(result, "converged", True)) and bool(np.all(np.isfinite(result.bse)))
    glance = {
        "model": "piecewise exponential (Poisson GLM, log exposure offset)",
        "event": EVENT_WORDS.get(event, event),
        "cov_type": "cluster-robust by network",
        "std_error_scale": "log",
        "age_pieces": piece_names,
        **_event_stats(data, event, len(covariates), k),
        "loglik": float(result.llf),
        "aic": float(-2 * result.llf + 2 * k),
        "bic": float(-2 * result.llf + k * np.log(n)),
        "deviance": float(result.deviance),
        "dispersion": float(result.pearson_chi2 / max(result.df_resid, 1)),
        "converged": converged,
    }
    return FittedModel(tidy, glance, result)


def fit_cox(
    person_years: pd.DataFrame,
    covariates: Sequence[str],
    event: str = PRIMARY_EVENT,
    labels: Mapping[str, str] | None = None,
) -> FittedModel:
    """Cox model on age with counting-process rows (the robustness check of the PE model).

    Each network-year is an (age−1, age] row, so time-varying density and the risk sets are
    right without any assumption on the shape of the baseline hazard; ties are handled by
    Efron's method (lifelines ``CoxTimeVaryingFitter``). Standard errors are model-based:
    lifelines has no robust variance for time-varying data, and statsmodels ``PHReg`` counts a
    row as at risk at its own entry time and its clustered variance is wrong with ``entry``
    (its score residuals do not sum to zero), checked on this data. Same arguments as
    :func:`fit_piecewise_exponential`; BIC uses the number of events as n (Volinsky & Raftery 2000).
    """
    import warnings

    from lifelines import CoxTimeVaryingFitter
    from lifelines.exceptions import ConvergenceError, ConvergenceWarning

    covariates = list(covariates)
    data = _model_rows(person_years, covariates, event)
    columns = ["network_id", "age_start", "age_stop", event, *covariates]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fitter = CoxTimeVaryingFitter().fit(
                data[columns],
                event_col=event,
                start_col="age_start",
                stop_col="age_stop",
                id_col="network_id",
            )
        except ConvergenceError as error:
            raise ValueError(f"the Cox model did not converge ({error})") from error
    summary = fitter.summary.loc[covariates]
    tidy = _exp_tidy(
        _labels(covariates, labels),
        summary["coef"],
        summary["se(coef)"],
        summary["p"],
        ["hazard ratio"] * len(covariates),
    )
    k = len(covariates)
    events = int(data[event].sum())
    loglik = float(fitter.log_likelihood_)
    glance = {
        "model": "Cox proportional hazards on age, counting-process rows, Efron ties",
        "event": EVENT_WORDS.get(event, event),
        "cov_type": "model-based",
        "std_error_scale": "log",
        **_event_stats(data, event, k, k),
        "loglik": loglik,
        "aic": -2 * loglik + 2 * k,
        "bic": -2 * loglik + k * np.log(events),
        "converged": not any(issubclass(w.category, ConvergenceWarning) for w in caught),
    }
    return FittedModel(tidy, glance, fitter)


def _model_rows(person_years: pd.DataFrame, covariates: list[str], event: str) -> pd.DataFrame:
    """The rows a model uses, with a clear error for what it cannot use."""
    missing = [c for c in [event, *covariates] if c not in person_years.columns]
    if missing:
        raise ValueError(f"network-years lack column(s) {missing}; build them with network_years()")
    data = person_years.dropna(subset=covariates)
    if len(data) < len(person_years):
        raise ValueError(
            f"{len(person_years) - len(data)} network-years have missing {covariates}; "
            "fill or drop those networks explicitly before fitting"
        )
    if not set(np.unique(data[event])) <= {0, 1}:
        raise ValueError(f"event column {event!r} must be 0/1")
    if data[event].sum() == 0:
        raise ValueError(f"no {EVENT_WORDS.get(event, event)} events to model")
    return data


def _pieces_with_events(piece: np.ndarray, events: np.ndarray) -> np.ndarray:
    """Lower edges of the age pieces after merging pieces without events into a neighbour."""
    edges = list(np.unique(piece))
    while len(edges) > 1:
        assigned = np.asarray(edges)[np.searchsorted(edges, piece, side="right") - 1]
        counts = [events[assigned == e].sum() for e in edges]
        empty = [i for i, c in enumerate(counts) if c == 0]
        if not empty:
            break
        i = empty[0]
        edges.pop(i + 1 if i + 1 < len(edges) else i)
    return np.asarray(edges)


def _piece_labels(edges: np.ndarray, first_age: int) -> list[str]:
    lower = [max(int(edges[0]), first_age), *(int(e) for e in edges[1:])]
    labels = [f"age {lo}–{hi - 1} years" for lo, hi in zip(lower[:-1], edges[1:])]
    return [*labels, f"age {lower[-1]} years and over"]


def _labels(covariates: list[str], labels: Mapping[str, str] | None) -> list[str]:
    words = {**COVARIATE_LABELS, **(labels or {})}
    return [words.get(c, c) for c in covariates]


def _exp_tidy(
    names: list[str], params: np.ndarray, bse: np.ndarray, pvalues: np.ndarray, kinds: list[str]
) -> pd.DataFrame:
    params, bse = np.asarray(params, dtype=float), np.asarray(bse, dtype=float)
    return pd.DataFrame(
        {
            "term": names,
            "estimate": np.exp(params),
            "std_error": bse,
            "conf_low": np.exp(params - 1.959963984540054 * bse),
            "conf_high": np.exp(params + 1.959963984540054 * bse),
            "p_value": np.asarray(pvalues, dtype=float),
            "kind": kinds,
        }
    )


def _event_stats(
    data: pd.DataFrame, event: str, n_covariates: int, n_parameters: int
) -> dict[str, Any]:
    events = int(data[event].sum())
    return {
        "nobs": len(data),
        "n_networks": int(data["network_id"].nunique()),
        "events": events,
        "n_covariates": n_covariates,
        "events_per_variable": events / n_covariates if n_covariates else None,
        "events_per_parameter": events / n_parameters,
    }


#: Every model the stage fits: name -> (estimator, event, end rule, drop borderline networks).
MODEL_SPECS: dict[str, tuple[str, str, EndRule, bool]] = {
    "piecewise": ("piecewise", PRIMARY_EVENT, "earliest", False),
    "cox": ("cox", PRIMARY_EVENT, "earliest", False),
    "piecewise_dissolved": ("piecewise", "dissolved", "earliest", False),
    "piecewise_merged": ("piecewise", "merged", "earliest", False),
    "piecewise_no_borderline": ("piecewise", PRIMARY_EVENT, "earliest", True),
    "cox_no_borderline": ("cox", PRIMARY_EVENT, "earliest", True),
    "piecewise_end_midpoint": ("piecewise", PRIMARY_EVENT, "midpoint", False),
    "piecewise_end_latest": ("piecewise", PRIMARY_EVENT, "latest", False),
}


MODEL_WORDS = {
    "piecewise": "Piecewise exponential, any end (primary)",
    "cox": "Cox, any end",
    "piecewise_dissolved": "Piecewise exponential, dissolution only (mergers censored)",
    "piecewise_merged": "Piecewise exponential, merger only (dissolutions censored)",
    "piecewise_no_borderline": "Piecewise exponential, without borderline networks",
    "cox_no_borderline": "Cox, without borderline networks",
    "piecewise_end_midpoint": "Piecewise exponential, unknown end years at the midpoint",
    "piecewise_end_latest": "Piecewise exponential, unknown end years at the census year",
}


def dissolution_skip_reason(networks: pd.DataFrame, census_year: int) -> str | None:
    """Why the dissolution analysis cannot run on this table, or None when it can."""
    reason = skip_reason(networks, ["status"], "dissolution analysis")
    if reason is not None:
        return reason
    n_ended = end_counts(networks, census_year)["n_ended"]
    if n_ended < MIN_EVENTS:
        return (
            f"The dissolution analysis was skipped: only {n_ended} networks in the table have "
            f"ended, too few to estimate a hazard model (at least {MIN_EVENTS} are needed)."
        )
    return None


def fit_dissolution_models(
    networks: pd.DataFrame,
    census_year: int,
    age_pieces: Sequence[int],
    names: Sequence[str] = tuple(MODEL_SPECS),
) -> dict[str, FittedModel]:
    """Fit the models named in :data:`MODEL_SPECS` (a model that cannot be fitted is skipped).

    Why *any end* is the primary event although methods.md §1.5 recommends dissolution alone
    (mergers censored): the census has 9 dissolutions and 13 mergers, so a cause-specific
    dissolution model with two density terms has 4.5 events per covariate, far below the
    ~10 at which hazard-ratio estimates and their CIs can be trusted (methods.md §5.3); any
    end has 11. And both ends take a network out of the population as a separate organisation —
    consolidation by merger is itself the kind of selection the paper asks about. The
    cause-specific dissolution and merger models are fitted alongside and reported as such.
    """
    frames: dict[tuple[EndRule, bool], pd.DataFrame] = {}
    fits: dict[str, FittedModel] = {}
    for name in names:
        estimator, event, end_rule, drop_borderline = MODEL_SPECS[name]
        table = networks
        if drop_borderline:
            if "borderline" not in networks.columns or networks["borderline"].isna().all():
                fits[name] = skipped_model("The networks table has no `borderline` column.")
                continue
            # a borderline case is not clearly a network of city governments: it neither belongs to
            # the risk set nor competes in the population, so it leaves density too
            table = networks[
                ~networks["borderline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
            ]
        key = (end_rule, drop_borderline)
        if key not in frames:
            frames[key] = network_years(table, census_year, age_pieces, end_rule)
        fit = fit_piecewise_exponential if estimator == "piecewise" else fit_cox
        try:
            fits[name] = fit(frames[key], PRIMARY_COVARIATES, event)
        except ValueError as error:
            fits[name] = skipped_model(f"{MODEL_WORDS[name]} could not be fitted: {error}.")
    return fits

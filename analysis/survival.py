"""Dissolution of city networks: network-years, survival curves, piecewise-exponential and Cox.

The paper asks whether it is "time for a Darwinian selection" among city networks. Ecology's
answer is in the mortality rate (methods.md §1.3): does a network's yearly hazard of ending rise
with the number of networks it competes with now (N_t) or with the crowding it was born into
(density at founding, N_f)? The census records few ends (9 dissolutions, 13 mergers), so every
choice here is made to keep the models honest at that size (methods.md §1.5, §5.3).

Conventions (the same as :mod:`analysis.simulate`, so the models can be checked on known truth):

* A network is at risk in each year t after its founding year f (t = f+1, f+2, …) at age
  a = t − f; the founding year is a partial year and is not at risk. One row per network-year,
  exposure one year, age interval (a−1, a] for the Cox model.
* Density N_t counts networks alive at the start of t (:func:`analysis.population.density`) and
  enters per 100 networks; density at founding is N_f of the network's founding year.
* An end (``dissolved`` or ``merged``) happens in its exit year. An active network last seen
  before the census is censored at its last evidence year but still counts in density until the
  census (it is not known to have ended).
* **Unknown end years** (ended networks without ``end_year``) are interval-censored: the end lies
  in (last_evidence_year, census_year]. The primary analysis places it at the **earliest**
  possible year, the year after the last evidence, because (i) that is the exit year
  :func:`analysis.population.density` uses, so a network's event and its contribution to N_t
  agree with the growth stage; (ii) a defunct network stops leaving public traces when it stops
  working, so its last evidence is close to its end; (iii) the midpoint of a 65-year gap (one
  network was last seen in 1960) would invent decades of survival. The midpoint and the latest
  bound (the census year) are fitted as sensitivity analyses; no network is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm

from analysis.contract import TIDY_COLUMNS, markdown_table, skip_reason
from analysis.figure_style import SMALL, WIDTH, apply_theme, save_figure, save_note
from analysis.population import density, lifetimes
from analysis.wording import format_ratio

EndRule = Literal["earliest", "midpoint", "latest"]
END_RULES: tuple[EndRule, ...] = ("earliest", "midpoint", "latest")
EVENTS = ("dissolved", "merged", "ended")
EVENT_WORDS = {
    "ended": "any end (dissolution or merger)",
    "dissolved": "dissolution (mergers censored)",
    "merged": "merger (dissolutions censored)",
}
INCIDENCE_WORDS = {"dissolved": "dissolution", "merged": "merger"}
COVARIATE_LABELS = {
    "density": "density (per 100 networks)",
    "density_founding": "density at founding (per 100 networks)",
}
#: The primary model: few covariates because there are few events (methods.md §5.3).
PRIMARY_COVARIATES = ("density", "density_founding")
#: Any end is the primary event: see :func:`fit_dissolution_models` for why.
PRIMARY_EVENT = "ended"
#: Columns of the survival-curve table (:func:`survival_curves`).
CURVE_COLUMNS = ["curve", "end", "measure", "age", "estimate", "conf_low", "conf_high", "at_risk"]
#: Below this many ended networks (5 per density term) the hazard models would describe noise;
#: the stage is skipped.
MIN_EVENTS = 10
#: Conventional minimum events per covariate (Peduzzi et al. 1995; methods.md §5.3).
EPV_RULE = 10


# --------------------------------------------------------------------------- network-years


def network_spells(
    networks: pd.DataFrame, census_year: int, end_rule: EndRule = "earliest"
) -> pd.DataFrame:
    """One row per network: when it was at risk, how its spell ended, and density at founding.

    Columns: network_id, founded_year, end_type, exit_used (year of the end under ``end_rule``,
    <NA> if censored), last_year (last year at risk), duration (last_year − founded_year, the age
    at the end or at censoring), dissolved/merged/ended (0/1), interval_censored (ended without
    ``end_year``), censored_early (active but last seen before the census), density_founding
    (N_f / 100), borderline (when the table has it). ``end_rule`` places unknown end years at the
    earliest possible year, the midpoint of the candidate years, or the census year.
    """
    return _spells_and_lives(networks, census_year, end_rule)[0]


def _spells_and_lives(
    networks: pd.DataFrame, census_year: int, end_rule: EndRule
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spells, and the lifetimes with the exit year used (``exit_used``) that density needs."""
    if end_rule not in END_RULES:
        raise ValueError(f"end_rule must be one of {END_RULES}, not {end_rule!r}")
    lives = lifetimes(networks, census_year)
    founded = lives["founded_year"].astype(int).to_numpy()
    ended = lives["end_type"].notna().to_numpy()
    earliest = lives["exit_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    latest = lives["exit_year_max"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    exit_used = {
        "earliest": earliest,
        "midpoint": np.floor((earliest + latest) / 2),
        "latest": latest,
    }[end_rule]
    # an end recorded in the founding year falls in the first year at risk
    exit_used = np.where(ended, np.maximum(exit_used, founded + 1), np.nan)
    lives["exit_used"] = pd.array(
        [pd.NA if np.isnan(y) else int(y) for y in exit_used], dtype="Int64"
    )

    observed = lives["observed_until"].astype(int).to_numpy()
    last_year = np.where(ended, exit_used, observed).astype(int)
    end_type = lives["end_type"].fillna("").to_numpy(dtype=object)
    spells = pd.DataFrame(
        {
            "network_id": lives["network_id"].to_numpy(),
            "founded_year": founded,
            "end_type": lives["end_type"].to_numpy(),
            "exit_used": lives["exit_used"].to_numpy(),
            "last_year": last_year,
            "duration": np.maximum(last_year - founded, 0),
            "dissolved": (end_type == "dissolved").astype(int),
            "merged": (end_type == "merged").astype(int),
            "ended": ended.astype(int),
            "interval_censored": ended & ~lives["end_year_known"].to_numpy(dtype=bool),
            "censored_early": ~ended & (observed < census_year),
            "density_founding": density(lives, founded, "exit_used") / 100.0,
        }
    )
    if "borderline" in networks.columns:
        spells["borderline"] = (
            networks["borderline"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        )
    return spells, lives


def network_years(
    networks: pd.DataFrame,
    census_year: int,
    age_pieces: Sequence[int],
    end_rule: EndRule = "earliest",
) -> pd.DataFrame:
    """One row per network per year at risk: the data of every dissolution model here.

    Columns: network_id, founded_year, year, age (year − founded_year, ≥ 1), age_piece (lower
    edge of the piece ``age`` falls in, from ``age_pieces``), age_start/age_stop (the row's age
    interval (age−1, age], for counting-process Cox rows), exposure (1 year), dissolved, merged,
    ended (0/1 event indicators, 1 only in the exit year), density (N_t / 100),
    density_founding (N_f / 100), interval_censored, borderline (when present). Extra network
    covariates can be merged on ``network_id``. Networks with no year at risk (founded in the
    census year, or last seen in their founding year) have no rows; :func:`end_counts` counts them.
    """
    edges = _check_pieces(age_pieces)
    spells, lives = _spells_and_lives(networks, census_year, end_rule)
    n_years = spells["duration"].to_numpy()
    idx = np.repeat(np.arange(len(spells)), n_years)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(n_years) - n_years, n_years)
    founded = spells["founded_year"].to_numpy()[idx]
    age = offset + 1
    year = founded + age

    first = int(spells["founded_year"].min()) if len(spells) else census_year
    calendar = np.arange(first, census_year + 2)
    density_by_year = pd.Series(density(lives, calendar, "exit_used") / 100.0, index=calendar)
    rows = pd.DataFrame(
        {
            "network_id": spells["network_id"].to_numpy()[idx],
            "founded_year": founded,
            "year": year,
            "age": age,
            "age_piece": edges[np.searchsorted(edges, age, side="right") - 1],
            "age_start": (age - 1).astype(float),
            "age_stop": age.astype(float),
            "exposure": 1.0,
        }
    )
    is_exit = (year == spells["last_year"].to_numpy()[idx]) & (spells["ended"].to_numpy()[idx] == 1)
    for event in EVENTS:
        rows[event] = np.where(is_exit, spells[event].to_numpy()[idx], 0)
    rows["density"] = density_by_year.reindex(year).to_numpy()
    for column in ("density_founding", "interval_censored", "borderline"):
        if column in spells.columns:
            rows[column] = spells[column].to_numpy()[idx]
    return rows


def end_counts(networks: pd.DataFrame, census_year: int) -> dict[str, int]:
    """How many networks ended, how, and how each is handled: nothing is dropped silently."""
    spells = network_spells(networks, census_year)
    interval = spells["interval_censored"]
    return {
        "n_networks": len(spells),
        "n_network_years": int(spells["duration"].sum()),
        "n_ended": int(spells["ended"].sum()),
        "n_dissolved": int(spells["dissolved"].sum()),
        "n_merged": int(spells["merged"].sum()),
        "n_end_year_known": int(spells["ended"].sum() - interval.sum()),
        "n_interval_censored": int(interval.sum()),
        "n_interval_censored_dissolved": int((interval & (spells["dissolved"] == 1)).sum()),
        "n_interval_censored_merged": int((interval & (spells["merged"] == 1)).sum()),
        "n_active_at_census": int(((spells["ended"] == 0) & ~spells["censored_early"]).sum()),
        "n_censored_before_census": int(spells["censored_early"].sum()),
        "n_no_time_at_risk": int((spells["duration"] == 0).sum()),
    }


def _check_pieces(age_pieces: Sequence[int]) -> np.ndarray:
    edges = np.asarray(sorted(set(int(a) for a in age_pieces)))
    if edges.size == 0 or edges[0] != 0:
        raise ValueError(
            f"age_pieces must start at 0 (lower edges in years), got {list(age_pieces)}"
        )
    return edges


# --------------------------------------------------------------------------- survival curves


def survival_curves(networks: pd.DataFrame, census_year: int, seed: int) -> pd.DataFrame:
    """Kaplan–Meier survival by age and Aalen–Johansen cumulative incidence by end type.

    Returns a long table: curve (plain words), end (``ended``/``dissolved``/``merged``), measure
    (``survival`` or ``cumulative incidence``), age, estimate, conf_low, conf_high (95%,
    lifelines' defaults), at_risk. The cause-specific
    Kaplan–Meier curves censor the other end type; their complements overstate the incidence
    when the causes compete, which is why the Aalen–Johansen curves are given too. ``seed``
    fixes lifelines' jitter of tied event times of different types.
    """
    from lifelines import AalenJohansenFitter, KaplanMeierFitter

    spells = network_spells(networks, census_year)
    durations = spells["duration"].to_numpy(dtype=float)
    parts = []
    for event in EVENTS:
        km = KaplanMeierFitter().fit(durations, spells[event].to_numpy())
        ci = km.confidence_interval_.to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "curve": EVENT_WORDS[event],
                    "end": event,
                    "measure": "survival",
                    "age": km.survival_function_.index.to_numpy(),
                    "estimate": km.survival_function_.iloc[:, 0].to_numpy(),
                    "conf_low": ci.min(axis=1),
                    "conf_high": ci.max(axis=1),
                    "at_risk": km.event_table["at_risk"].to_numpy(),
                }
            )
        )
    codes = spells["dissolved"].to_numpy() + 2 * spells["merged"].to_numpy()
    for code, event in ((1, "dissolved"), (2, "merged")):
        if not (codes == code).any():
            continue
        aj = AalenJohansenFitter(seed=seed).fit(durations, codes, event_of_interest=code)
        ci = aj.confidence_interval_cumulative_density_
        ages = aj.cumulative_density_.index.to_numpy()
        parts.append(
            pd.DataFrame(
                {
                    "curve": INCIDENCE_WORDS[event],
                    "end": event,
                    "measure": "cumulative incidence",
                    "age": ages,
                    "estimate": aj.cumulative_density_.iloc[:, 0].to_numpy(),
                    "conf_low": ci.min(axis=1).to_numpy(),
                    "conf_high": ci.max(axis=1).to_numpy(),
                    "at_risk": (durations[None, :] >= np.round(ages)[:, None]).sum(axis=1),
                }
            )
        )
    curves = pd.concat(parts, ignore_index=True)[CURVE_COLUMNS]
    for column in ("conf_low", "conf_high"):
        curves[column] = curves[column].where(np.isfinite(curves[column]), curves["estimate"])
    return curves


def curve_value(curves: pd.DataFrame, curve: str, measure: str, age: int) -> pd.Series:
    """The step function's row at whole-year ``age`` (the last jump at or before it).

    Read just before age + 0.5: lifelines jitters tied event times of the incidence curves by
    about 1e-4 years, which must not move an end at exactly ``age`` to either side of it.
    """
    rows = _curve(curves, curve, measure)
    rows = rows[rows["age"] < age + 0.5]
    if rows.empty:
        raise ValueError(f"no {measure} curve {curve!r} at age {age}")
    return rows.iloc[-1]


def median_survival(
    curves: pd.DataFrame, curve: str = EVENT_WORDS[PRIMARY_EVENT], min_at_risk: int = 10
) -> str:
    """Age by which half the networks have ended, or "not reached".

    Only ages with at least ``min_at_risk`` networks at risk count: past them a single old network
    can take the Kaplan–Meier curve from 0.56 to 0 (as the oldest network does in this census).
    """
    rows = _curve(curves, curve, "survival")
    below = rows[(rows["estimate"] <= 0.5) & (rows["at_risk"] >= min_at_risk)]
    return "not reached" if below.empty else f"{below['age'].iloc[0]:.0f} years"


def last_reliable_age(
    curves: pd.DataFrame, curve: str = EVENT_WORDS[PRIMARY_EVENT], min_at_risk: int = 10
) -> float:
    """The oldest age at which at least ``min_at_risk`` networks are still at risk."""
    rows = _curve(curves, curve, "survival")
    ages = rows.loc[rows["at_risk"] >= min_at_risk, "age"]
    return float(ages.max()) if len(ages) else 0.0


def _curve(curves: pd.DataFrame, curve: str, measure: str) -> pd.DataFrame:
    return curves[(curves["curve"] == curve) & (curves["measure"] == measure)]


def plot_survival_curves(
    curves: pd.DataFrame, path: str | Path, note: str | None = None, min_at_risk: int = 10
) -> None:
    """Survival (left) and cumulative incidence by end type (right), with 95% bands.

    Curves stop where fewer than ``min_at_risk`` networks remain at risk (the tail of a few
    old networks says nothing). ``note`` replaces the plot by a sentence (the skipped form).
    """
    if note is not None:
        save_note(note, path)
        return
    palette = apply_theme()
    import matplotlib.pyplot as plt

    followed = curves[curves["at_risk"] >= min_at_risk]
    # a table too small to reach min_at_risk is drawn whole rather than not at all
    curves = followed if len(_curve(followed, EVENT_WORDS[PRIMARY_EVENT], "survival")) else curves
    incidence = curves[curves["measure"] == "cumulative incidence"]
    fig, axes = plt.subplots(1, 2 if len(incidence) else 1, figsize=(WIDTH, 3.6), squeeze=False)
    panels = [("survival", "Survival probability", axes[0, 0])]
    if len(incidence):
        panels.append(
            ("cumulative incidence", "Cumulative incidence\n(share of networks)", axes[0, 1])
        )
    # one colour and dash per end type in both panels, so a single legend names them
    looks = {
        "ended": (palette[2], "-", "any end"),
        "dissolved": (palette[0], "--", INCIDENCE_WORDS["dissolved"]),
        "merged": (palette[1], "-.", INCIDENCE_WORDS["merged"]),
    }
    legend: dict[str, Any] = {}
    for measure, ylabel, ax in panels:
        part = curves[curves["measure"] == measure]
        for end, rows in part.groupby("end", sort=False):
            colour, style, word = looks[end]
            (line,) = ax.step(
                rows["age"], rows["estimate"], where="post", color=colour, ls=style, lw=2
            )
            legend.setdefault(word.capitalize(), line)
            ax.fill_between(
                rows["age"],
                rows["conf_low"],
                rows["conf_high"],
                step="post",
                color=colour,
                alpha=0.18,
                lw=0,
            )
        ax.set_xlabel("Age (years since founding)")
        ax.set_ylabel(ylabel)
        ax.set_ylim(
            0, 1.02 if measure == "survival" else min(1.0, 1.15 * float(part["conf_high"].max()))
        )
        ax.set_xlim(left=0)
    fig.legend(legend.values(), legend.keys(), loc="outside upper center", ncol=3, frameon=False)
    _at_risk_row(curves, axes[0, 0])
    save_figure(fig, path)


def _at_risk_row(curves: pd.DataFrame, ax: Any) -> None:
    """Networks still at risk at round ages, printed under the survival panel's age ticks."""
    rows = _curve(curves, EVENT_WORDS[PRIMARY_EVENT], "survival")
    top = float(rows["age"].max())
    step = 10 if top <= 60 else 20
    ticks = np.arange(0, top + 1, step)
    ax.set_xticks(ticks)
    ax.set_xlim(0, max(top, 1.0))
    for t in ticks:
        later = rows.loc[rows["age"] >= t, "at_risk"]
        count = int(later.iloc[0]) if len(later) else 0
        ax.annotate(
            str(count),
            (t, 0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -44),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=SMALL,
        )
    ax.annotate(
        "At risk",
        (0, 0),
        xycoords="axes fraction",
        xytext=(-16, -44),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=SMALL,
        fontweight="bold",
    )


# --------------------------------------------------------------------------- hazard models


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


# --------------------------------------------------------------------------- the stage


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
#: Models whose hazard ratios numbers.json quotes: key suffix -> model.
HR_MODELS = {
    "": "piecewise",
    "_cox": "cox",
    "_dissolved": "piecewise_dissolved",
    "_merged": "piecewise_merged",
}
ROBUSTNESS = {
    "cox": "a Cox model",
    "piecewise_no_borderline": "dropping borderline networks",
    "cox_no_borderline": "a Cox model without borderline networks",
    "piecewise_end_midpoint": "placing unknown end years at the midpoint",
    "piecewise_end_latest": "placing unknown end years at the census year",
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


def same_conclusion(
    primary: FittedModel, other: FittedModel, covariates: Sequence[str] = PRIMARY_COVARIATES
) -> bool:
    """Whether ``other`` tells the primary model's story: for every covariate the same direction
    of effect and the same verdict on whether the 95% CI excludes a hazard ratio of 1."""
    for covariate in covariates:
        a, b = primary.term(covariate), other.term(covariate)
        if _verdict(a) != _verdict(b):
            return False
    return True


def _verdict(row: pd.Series) -> str:
    if row["conf_low"] > 1:
        return "higher"
    if row["conf_high"] < 1:
        return "lower"
    return "unclear (higher)" if row["estimate"] >= 1 else "unclear (lower)"


#: The brief cross-references the robustness table as @tbl-dissolution.
DISSOLUTION_LABEL = "tbl-dissolution"


def dissolution_table(fits: Mapping[str, FittedModel]) -> str:
    """The brief's robustness table: hazard ratios of each covariate under each specification."""
    headers = {"density": "Density now", "density_founding": "Density at founding"}
    rows = []
    for name, fit in fits.items():
        if fit.available:
            cells = [fit.glance["events"], *(_cell(fit.term(c)) for c in PRIMARY_COVARIATES)]
        else:
            cells = ["–"] + ["not estimable"] * len(PRIMARY_COVARIATES)
        rows.append([MODEL_WORDS[name], *cells])
    caption = (
        "Hazard ratios (95% CI) of a network ending per 100 more networks alive now and at its "
        "founding (cluster-robust CIs by network for the piecewise-exponential models, "
        "model-based for Cox); every model also has a baseline hazard by age."
    )
    columns = ["Model", "Events", *(headers[c] for c in PRIMARY_COVARIATES)]
    return markdown_table(pd.DataFrame(rows, columns=columns), caption, DISSOLUTION_LABEL)


def _cell(row: pd.Series) -> str:
    return format_ratio(row).replace("95% CI ", "")


def skipped_table(reason: str) -> str:
    """The table's skipped form: one row saying why."""
    frame = pd.DataFrame({"Dissolution models": [reason]})
    return markdown_table(frame, "Dissolution models were not estimated.", DISSOLUTION_LABEL)


def dissolution_numbers(
    networks: pd.DataFrame, census_year: int, fits: Mapping[str, FittedModel], curves: pd.DataFrame
) -> dict[str, Any]:
    """The flat numbers the brief quotes about dissolution (``survival_*`` in its metadata)."""
    primary = fits["piecewise"]
    if not primary.available:
        return skipped_numbers(primary.glance["skip_reason"])
    counts = end_counts(networks, census_year)
    numbers: dict[str, Any] = {
        "available": True,
        "skip_reason": "",
        "census_year": census_year,
        **counts,
    }
    numbers["primary_event"] = EVENT_WORDS[PRIMARY_EVENT]
    numbers["unknown_end_rule"] = "the year after the last evidence (earliest possible end)"
    numbers["events_primary"] = primary.glance["events"]
    numbers["events_per_variable"] = round(primary.glance["events_per_variable"], 1)
    numbers["age_pieces"] = ", ".join(p.removeprefix("age ") for p in primary.glance["age_pieces"])
    dissolved = fits.get("piecewise_dissolved")
    numbers["events_per_variable_dissolved"] = (
        round(dissolved.glance["events_per_variable"], 1)
        if dissolved is not None and dissolved.available
        else "not estimable"
    )

    any_end = EVENT_WORDS[PRIMARY_EVENT]
    numbers["median_survival"] = median_survival(curves)
    reliable = last_reliable_age(curves)
    numbers["reliable_age"] = int(reliable)
    numbers["share_surviving_reliable_age"] = _percent(
        curve_value(curves, any_end, "survival", reliable)["estimate"]
    )
    followed_20 = _curve(curves, any_end, "survival")["age"].max() >= 20
    if followed_20:
        row = curve_value(curves, any_end, "survival", 20)
        low, high = 100 * row["conf_low"], _percent(row["conf_high"])
        numbers["share_surviving_20"] = f"{_percent(row['estimate'])} (95% CI {low:.0f}–{high})"
    else:
        numbers["share_surviving_20"] = "not estimable (no network was followed for 20 years)"
    for event in ("dissolved", "merged"):
        rows = _curve(curves, INCIDENCE_WORDS[event], "cumulative incidence")
        value = (
            curve_value(curves, INCIDENCE_WORDS[event], "cumulative incidence", 20)["estimate"]
            if len(rows)
            else 0.0
        )
        numbers[f"incidence_20_{event}"] = _percent(value)

    for suffix, name in HR_MODELS.items():
        fit = fits.get(name)
        for covariate in PRIMARY_COVARIATES:
            available = fit is not None and fit.available
            numbers[f"hr_{covariate}{suffix}"] = (
                format_ratio(fit.term(covariate)) if available else "not estimable"
            )
    numbers["hr_density_sentence"] = _density_sentence(primary.term("density"))
    numbers["hr_density_founding_sentence"] = _founding_sentence(primary.term("density_founding"))
    numbers["selection_verdict"] = _selection_verdict(primary.term("density"))

    verdicts = {}
    for name in ROBUSTNESS:
        fit = fits.get(name)
        key = f"robust_{name.removeprefix('piecewise_')}"
        if fit is not None and fit.available:
            verdicts[name] = numbers[key] = same_conclusion(primary, fit)
        else:
            numbers[key] = "not estimable"
    held = [ROBUSTNESS[n] for n, same in verdicts.items() if same]
    changed = [ROBUSTNESS[n] for n, same in verdicts.items() if not same]
    numbers["robust_all"] = bool(verdicts) and not changed
    if not verdicts:
        numbers["robustness_sentence"] = "None of the robustness checks could be estimated."
    elif not changed:
        numbers["robustness_sentence"] = f"The conclusions do not change with {_join(held)}."
    elif held:
        numbers["robustness_sentence"] = (
            f"The conclusions hold with {_join(held)}, but change with {_join(changed)}."
        )
    else:
        numbers["robustness_sentence"] = f"The conclusions change with {_join(changed)}."
    numbers["low_events_caveat"] = (
        f"Only {counts['n_ended']} of {counts['n_networks']} networks are known to have ended "
        f"({counts['n_dissolved']} dissolved, {counts['n_merged']} merged), so the primary model "
        f"rests on {numbers['events_primary']} events, {numbers['events_per_variable']} per "
        f"covariate ({numbers['events_per_variable_dissolved']} for dissolution alone), against "
        f"the usual minimum of about {EPV_RULE}: the hazard ratios are imprecise, and absence of "
        "evidence here is not evidence of absence."
    )
    return numbers


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _density_sentence(row: pd.Series) -> str:
    return (
        f"Each additional 100 networks alive multiplied a network's yearly hazard of ending by "
        f"{format_ratio(row)}."
    )


def _founding_sentence(row: pd.Series) -> str:
    return (
        "Each additional 100 networks alive when a network was founded multiplied its later "
        f"yearly hazard of ending by {format_ratio(row)}."
    )


def _selection_verdict(row: pd.Series) -> str:
    verdict = _verdict(row)
    if verdict == "higher":
        return (
            "Networks ended more often when the population was more crowded, as a "
            "crowding-driven selection would predict."
        )
    if verdict == "lower":
        return (
            "Networks ended less often when the population was more crowded, the opposite of a "
            "crowding-driven selection."
        )
    return (
        "The data cannot tell whether crowding raises the risk that a network ends: the 95% CI "
        "of the hazard ratio for density spans both lower and higher risk."
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def number_keys() -> list[str]:
    """Every key :func:`dissolution_numbers` writes, whatever the data.

    The brief's fallback renderer substitutes every ``{{< meta >}}`` before it hides conditional
    content, so the skipped form must carry the same keys as the full form.
    """
    counts = [
        "n_networks", "n_network_years", "n_ended", "n_dissolved", "n_merged", "n_end_year_known",
        "n_interval_censored", "n_interval_censored_dissolved", "n_interval_censored_merged",
        "n_active_at_census", "n_censored_before_census", "n_no_time_at_risk",
    ]  # fmt: skip
    return [
        "available", "skip_reason", "census_year", *counts,
        "primary_event", "unknown_end_rule", "events_primary", "events_per_variable",
        "events_per_variable_dissolved", "age_pieces",
        "median_survival", "reliable_age", "share_surviving_reliable_age", "share_surviving_20",
        "incidence_20_dissolved", "incidence_20_merged",
        *(f"hr_{c}{suffix}" for suffix in HR_MODELS for c in PRIMARY_COVARIATES),
        "hr_density_sentence", "hr_density_founding_sentence", "selection_verdict",
        *(f"robust_{name.removeprefix('piecewise_')}" for name in ROBUSTNESS),
        "robust_all", "robustness_sentence", "low_events_caveat",
    ]  # fmt: skip


def skipped_numbers(reason: str) -> dict[str, Any]:
    """numbers.json in skipped form: every key, empty, with the reason."""
    return {**dict.fromkeys(number_keys(), ""), "available": False, "skip_reason": reason}

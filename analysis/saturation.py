"""Is the landscape of city networks saturating? The growth evidence put together.

One place fits every founding model of the growth stage to the same rows (``fit_all``),
compares them, picks the preferred one and turns the results into the contract outputs and
the sentences the brief quotes. Robustness re-runs (without borderline networks, with the
series ended before the last years that later censuses usually fill in) reuse the same
``fit_all`` so they differ from the main run only in their input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.census import PUBLISHED_ALIVE, alive_in, draw_published
from analysis.contract import TIDY_COLUMNS, markdown_table
from analysis.figure_style import (
    LINE_COLOURS,
    LINE_STYLES,
    SMALL,
    WIDTH,
    apply_theme,
    save_figure,
    save_note,
)
from analysis.growth import (
    TERM_BREAK,
    TERM_DENSITY,
    TERM_DENSITY2,
    TERM_TREND,
    FoundingFit,
    FoundingSpec,
    bootstrap_shard,
    density_peak,
    first_year_at,
    fit_foundings,
    founding_window,
    glance,
    is_inverted_u,
    lr_test,
    nb_vs_poisson,
    tidy,
)
from analysis.population import yearly_frame
from analysis.shapes import (
    CURVES,
    ShapeFit,
    break_year_ci,
    compare_models,
    fit_segmented,
    fit_shape,
    shape_glance,
    shape_tidy,
)
from analysis.wording import format_p

BOOTSTRAP_COLUMNS = [
    "shard", "replicate", "lr_null", "converged_null", "theta1", "theta2", "peak_density",
    "converged_full",
]  # fmt: skip
# every key of the stage's numbers.json (the brief may quote any of them)
NUMBER_KEYS = (
    "available", "skip_reason", "window", "n_years", "density_linear", "density_squared",
    "inverted_u", "density_lr", "density_lr_bootstrap", "peak_density_value", "peak_density",
    "peak_density_bootstrap_ci", "peak_in_range", "peak_year", "density_range",
    "density_verdict", "nb_vs_poisson", "alpha", "preferred_model", "preferred_model_id",
    "preferred_margin", "saturating", "carrying_capacity", "carrying_capacity_value",
    "carrying_capacity_model", "share_of_capacity", "inflection_year", "break_year", "break_test",
    "trend_before_break", "trend_after_break", "forecast_year", "forecast_alive",
    "forecast_model", "alive_at_census", "death_rate", "bootstrap_replicates",
    "no_borderline_n_networks", "no_borderline_peak_density", "no_borderline_density_lr",
    "no_borderline_preferred_model", "no_borderline_carrying_capacity",
    "no_borderline_changes_conclusion", "no_borderline_inverted_u", "n_borderline", "borderline_verdict",
    "truncated_n_networks", "truncated_peak_density", "truncated_density_lr",
    "truncated_preferred_model", "truncated_carrying_capacity", "truncated_changes_conclusion", "truncated_inverted_u",
    "truncated_end_year", "truncation_verdict", "census_alive_1985", "published_1985",
    "census_alive_2016", "published_2016", "census_gap", "survivorship_note", "fitted_finding",
    "forecast_finding", "saturation_verdict",
)  # fmt: skip
MIN_FOUNDINGS = 10  # below this many foundings in the window the stage is skipped
RIGHT_TRUNCATION_YEARS = 5  # sensitivity: end the series this many years before the census
PUBLISHED_WORDS = {1985: "55", 2016: "more than 200"}  # as published (analysis.census)
CURVE_LABELS = {
    "logistic": "logistic curve",
    "gompertz": "Gompertz curve",
    "bass": "Bass diffusion curve",
}
FAMILY_WORDS = {"poisson": "Poisson", "nb2": "negative binomial"}

SPECS = {
    "founding_poisson_trend": (
        "exponential time trend",
        FoundingSpec(family="poisson", density=False, lags=False, periods=False, trend=True),
    ),
    "founding_nb_density": (
        "density-dependence model",
        FoundingSpec(),
    ),
    "founding_nb_controls": ("model without density terms", FoundingSpec(density=False)),
}


@dataclass
class GrowthFits:
    """Every founding model fitted to one window of one networks table."""

    frame: pd.DataFrame
    regressions: dict[str, FoundingFit]
    density_poisson: FoundingFit
    curves: dict[tuple[str, str], ShapeFit]
    segmented: dict[str, FoundingFit]

    def best_curve(self, curve: str) -> ShapeFit:
        """The curve under its better likelihood (Poisson unless NB2 lowers AIC)."""
        return min(
            (self.curves[(curve, f)] for f in ("poisson", "nb2")), key=lambda f: round(f.aic, 6)
        )

    def best_segmented(self) -> FoundingFit:
        return min(self.segmented.values(), key=lambda f: round(f.aic, 6))

    def s_curve(self) -> ShapeFit:
        """The saturation curve with the lowest AIC: its K is the headline carrying capacity."""
        return min((self.best_curve(c) for c in CURVES), key=lambda f: round(f.aic, 6))

    def candidates(self) -> dict[str, tuple[str, FoundingFit | ShapeFit]]:
        """Every model of the comparison table: id -> (label, fit)."""
        out = {k: (SPECS[k][0], fit) for k, fit in self.regressions.items()}
        for curve in CURVES:
            for family in ("poisson", "nb2"):
                out[f"founding_{curve}_{family}"] = (
                    CURVE_LABELS[curve],
                    self.curves[(curve, family)],
                )
        for family, fit in self.segmented.items():
            out[f"founding_segmented_{family}"] = ("segmented trend with one break", fit)
        return out


def skip_growth(
    networks: pd.DataFrame, census_year: int, period_breaks: Sequence[int]
) -> str | None:
    """A sentence for the brief when the table has too few foundings to model, else None."""
    if "founded_year" not in networks or networks["founded_year"].isna().all():
        return "The growth models were skipped: the networks table has no founding years."
    window = founding_window(yearly_frame(networks, census_year, period_breaks))
    if window["foundings"].sum() < MIN_FOUNDINGS:
        return (
            f"The growth models were skipped: only {int(window['foundings'].sum())} networks were "
            f"founded after the first one (at least {MIN_FOUNDINGS} are needed)."
        )
    return None


def bootstrap_for(
    networks: pd.DataFrame,
    census_year: int,
    period_breaks: Sequence[int],
    seed: int,
    shard: int,
    replicates: int,
) -> pd.DataFrame:
    """One shard of the parametric bootstrap of the density model (empty when skipped)."""
    if skip_growth(networks, census_year, period_breaks):
        return pd.DataFrame(columns=BOOTSTRAP_COLUMNS)
    frame = founding_window(yearly_frame(networks, census_year, period_breaks))
    full = fit_foundings(frame, SPECS["founding_nb_density"][1], hac=False)
    null = fit_foundings(frame, SPECS["founding_nb_controls"][1], hac=False)
    return bootstrap_shard(frame, full, null, seed, shard, replicates)


def skipped_model(reason: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """Contract files of a model that could not be fitted, saying why."""
    glance_ = {
        "nobs": 0,
        "loglik": None,
        "aic": None,
        "bic": None,
        "converged": False,
        "skip_reason": reason,
    }
    return pd.DataFrame(columns=TIDY_COLUMNS), glance_


def fit_all(
    networks: pd.DataFrame,
    census_year: int,
    period_breaks: Sequence[int],
    end_year: int | None = None,
) -> GrowthFits:
    """Fit every founding model to the window of ``networks`` (ending at ``end_year``)."""
    frame = founding_window(yearly_frame(networks, census_year, period_breaks), end_year)
    regressions = {name: fit_foundings(frame, spec) for name, (_, spec) in SPECS.items()}
    return GrowthFits(
        frame=frame,
        regressions=regressions,
        density_poisson=fit_foundings(frame, FoundingSpec(family="poisson")),
        curves={(c, f): fit_shape(frame, c, f) for c in CURVES for f in ("poisson", "nb2")},
        segmented={f: fit_segmented(frame, f) for f in ("poisson", "nb2")},
    )


def comparison(fits: GrowthFits) -> pd.DataFrame:
    """The AIC table of every candidate model."""
    return compare_models(fits.candidates())


def preferred(fits: GrowthFits, table: pd.DataFrame) -> tuple[str, str, FoundingFit | ShapeFit]:
    """The model with the lowest AIC: id, label with its likelihood, fit."""
    row = table.iloc[0]
    label, fit = fits.candidates()[row["model"]]
    return row["model"], f"{label}, fitted with a {FAMILY_WORDS[fit.family]} likelihood", fit


def contract_outputs(
    fits: GrowthFits, suffix: str = "", break_test: Mapping[str, float] | None = None
) -> dict[str, tuple[pd.DataFrame, dict]]:
    """``results/models/<name>/`` tables of the headline models (``suffix`` for variants,
    which have no segmented model). ``break_test`` (:func:`analysis.shapes.break_test`) goes
    into the segmented model's glance; without it its fields are null."""
    density = fits.regressions["founding_nb_density"]
    lr, df, p = lr_test(density, fits.regressions["founding_nb_controls"])
    peak = density_peak(density, fits.frame)
    out = {
        f"founding_nb_density{suffix}": (
            tidy(density),
            glance(
                density,
                **peak,
                density_lr=lr,
                density_lr_df=df,
                density_lr_p=p,
                window=_window(fits.frame),
            ),
        ),
    }
    for curve in CURVES:
        fit = fits.best_curve(curve)
        out[f"founding_{curve}{suffix}"] = (shape_tidy(fit), shape_glance(fit))
    if suffix:
        return out
    trend = fits.regressions["founding_poisson_trend"]
    out["founding_poisson_trend"] = (tidy(trend), glance(trend, window=_window(fits.frame)))
    seg = fits.best_segmented()
    year, low, high = break_year_ci(seg)
    before, after = _trend_change(seg)
    out["founding_segmented"] = (
        tidy(seg),
        glance(
            seg,
            break_year=year,
            break_year_ci_low=low,
            break_year_ci_high=high,
            change_per_year_before=before,
            change_per_year_after=after,
            break_lr=(break_test or {}).get("lr"),
            break_p_bootstrap=(break_test or {}).get("p_bootstrap"),
            break_bootstrap_replicates=(break_test or {}).get("replicates"),
        ),
    )
    return out


def headline(fits: GrowthFits) -> dict[str, object]:
    """The raw headline figures of one run: density terms, N*, LR, K, preferred model."""
    density = fits.regressions["founding_nb_density"]
    table = comparison(fits)
    model_id, label, _ = preferred(fits, table)
    lr, df, p = lr_test(density, fits.regressions["founding_nb_controls"])
    curve = fits.s_curve()
    peak = density_peak(density, fits.frame)
    return {
        "theta1": density.params[TERM_DENSITY],
        "theta2": density.params[TERM_DENSITY2],
        **peak,
        "lr": lr,
        "lr_df": df,
        "lr_p": p,
        "inverted_u": is_inverted_u(density, p),
        "preferred_id": model_id,
        "preferred_label": label,
        "saturating": _says_slowing(model_id, fits),
        "k": curve.carrying_capacity,
        "k_ci": curve.k_ci,
        "k_curve": CURVE_LABELS[curve.curve],
        "n_networks": int(fits.frame["foundings"].sum()) + 1,
    }


def _says_slowing(model_id: str, fits: GrowthFits) -> bool:
    """Does this model say founding is slowing down? A saturation curve if its carrying
    capacity is bounded (finite upper CI limit), the segmented trend if it falls after the
    break, the density model if its peak lies inside the observed density range."""
    fit = fits.candidates()[model_id][1]
    if isinstance(fit, ShapeFit):
        return bool(np.isfinite(fit.k_ci[1]))
    if "segmented" in model_id:
        return _trend_change(fit)[1] < 0
    if model_id == "founding_nb_density":
        return bool(density_peak(fit, fits.frame)["peak_in_observed_range"])
    return False


def _trend_change(seg: FoundingFit) -> tuple[float, float]:
    """Yearly % change of the founding rate before and after the break."""
    b1, b2 = seg.params[TERM_TREND], seg.params[TERM_BREAK]
    return math.expm1(b1 / 10), math.expm1((b1 + b2) / 10)


def verdict(main: Mapping[str, object], other: Mapping[str, object]) -> list[str]:
    """Which parts of the conclusion differ between two runs (empty: none)."""
    changes = []
    if main["inverted_u"] != other["inverted_u"]:
        changes.append("whether foundings follow an inverted U in density")
    if main["peak_in_observed_range"] != other["peak_in_observed_range"]:
        changes.append("whether the peak density lies inside the observed range")
    if main["saturating"] != other["saturating"]:
        changes.append("whether the preferred model says founding is slowing down")
    return changes


def growth_numbers(
    fits: GrowthFits,
    bootstrap: Mapping[str, float],
    break_test: Mapping[str, float],
    forecast: pd.DataFrame,
    forecast_model: str,
    death_rate: float,
    no_borderline: GrowthFits | None,
    n_borderline: int,
    truncated: GrowthFits,
    networks: pd.DataFrame,
    census_year: int,
) -> dict[str, object]:
    """The flat numbers.json of the growth stage: preformatted values and sentences."""
    main = headline(fits)
    density = fits.regressions["founding_nb_density"]
    ci = tidy(density).set_index("term")
    nb_lr, nb_p = nb_vs_poisson(density, fits.density_poisson)
    table = comparison(fits)
    seg = fits.best_segmented()
    year, low, high = break_year_ci(seg)
    before, after = _trend_change(seg)
    end = forecast.iloc[-1]
    peak_year = first_year_at(fits.frame, main["peak_density"]) if main["is_peak"] else None
    numbers: dict[str, object] = {
        "available": True,
        "skip_reason": "",
        "window": _window(fits.frame),
        "n_years": len(fits.frame),
        "density_linear": _ci(ci.loc[TERM_DENSITY], 1),
        "density_squared": _ci(ci.loc[TERM_DENSITY2], 1),
        "inverted_u": main["inverted_u"],
        "density_lr": _lr(main),
        "density_lr_bootstrap": (
            f"parametric bootstrap {_p(bootstrap['lr_p_bootstrap'])} over "
            f"{int(bootstrap['lr_replicates'])} replicates"
        ),
        "peak_density_value": round(main["peak_density"]) if main["is_peak"] else None,
        "peak_density": _peak(main),
        "peak_density_bootstrap_ci": _range(
            bootstrap["peak_density_ci_low"], bootstrap["peak_density_ci_high"], 0
        ),
        "peak_in_range": main["peak_in_observed_range"],
        "peak_year": str(peak_year) if peak_year else "not reached",
        "density_range": _range(main["density_min"], main["density_max"], 0),
        "density_verdict": _density_verdict(main, peak_year),
        "nb_vs_poisson": f"LR = {nb_lr:.1f}, boundary-corrected {_p(nb_p)}",
        "alpha": _num(density.alpha, 2),
        "preferred_model": main["preferred_label"],
        "preferred_model_id": main["preferred_id"],
        "preferred_margin": _margin(table),
        "saturating": main["saturating"],
        "carrying_capacity": _k(main),
        "carrying_capacity_value": round(main["k"]),
        "carrying_capacity_model": main["k_curve"],
        "share_of_capacity": f"{main['n_networks'] / main['k']:.0%}",
        "inflection_year": f"{fits.s_curve().inflection_year():.0f}",
        "break_year": f"{year} (95% CI {low}–{high})",
        "break_test": _break_test(break_test),
        "trend_before_break": _pct(before),
        "trend_after_break": _pct(after),
        "forecast_year": int(end["year"]),
        "forecast_alive": (
            f"{end['alive_median']:.0f} (95% prediction interval "
            f"{end['alive_low']:.0f}–{end['alive_high']:.0f})"
        ),
        "forecast_model": forecast_model,
        "alive_at_census": int(fits.frame["alive_end"].iloc[-1]),
        "death_rate": f"{death_rate:.2%} of networks a year",
        "bootstrap_replicates": int(bootstrap["replicates"]),
        "fitted_finding": _fitted_finding(fits),
        "saturation_verdict": (
            f"The preferred model is the {main['preferred_label']}, {_margin(table)}; it "
            + (
                "says founding is slowing down."
                if main["saturating"]
                else "does not show founding slowing down."
            )
        ),
        "forecast_finding": _forecast_finding(int(fits.frame["alive_end"].iloc[-1]), forecast),
    }
    other = headline(no_borderline) if no_borderline else None
    numbers.update(
        _robustness("no_borderline", main, other)
        if other
        else dict.fromkeys([k for k in NUMBER_KEYS if k.startswith("no_borderline_")], "")
    )
    numbers["n_borderline"] = n_borderline
    numbers["borderline_verdict"] = _borderline_sentence(main, other, n_borderline)
    cut = headline(truncated)
    numbers.update(_robustness("truncated", main, cut))
    numbers["truncated_end_year"] = int(truncated.frame["year"].max())
    numbers["truncation_verdict"] = _truncation_sentence(
        main, cut, int(truncated.frame["year"].max())
    )
    numbers.update(census_comparison(networks, census_year, main))
    if set(numbers) != set(NUMBER_KEYS):
        raise RuntimeError(
            f"growth numbers and NUMBER_KEYS disagree: {set(numbers) ^ set(NUMBER_KEYS)}"
        )
    return numbers


def skipped_numbers(reason: str) -> dict[str, object]:
    """numbers.json of a skipped stage: every key present (the brief quotes them in hidden
    content too), empty, and the reason."""
    return {**dict.fromkeys(NUMBER_KEYS, ""), "available": False, "skip_reason": reason}


def census_comparison(
    networks: pd.DataFrame, census_year: int, main: Mapping[str, object]
) -> dict[str, object]:
    """Alive in the published years (both bounds) against the published counts, and what the
    gap does to the growth conclusions."""
    alive = alive_in(networks, census_year, sorted(PUBLISHED_ALIVE)).set_index("year")
    out: dict[str, object] = {}
    gaps = []
    for year, published in PUBLISHED_ALIVE.items():
        low, high = int(alive.loc[year, "low"]), int(alive.loc[year, "high"])
        out[f"census_alive_{year}"] = str(high) if low == high else f"{low}–{high}"
        out[f"published_{year}"] = PUBLISHED_WORDS.get(year, str(published))
        gaps.append(published - high)
    gap = max(0, min(gaps))
    out["census_gap"] = gap
    peak = f" ({main['peak_density']:.0f} networks)" if main["is_peak"] else ""
    slowdown = (
        "while the recent slowdown of foundings rests on the better-covered recent years"
        if main["saturating"]
        else "and the late years, which are better covered, show no slowdown of foundings"
    )
    out["survivorship_note"] = (
        f"The census finds {out['census_alive_1985']} networks alive in 1985 and "
        f"{out['census_alive_2016']} in 2016, against {out['published_1985']} and "
        f"{out['published_2016']} in the counts published around the paper. If the missing "
        f"networks are mostly early ones that have since closed, true density was higher than "
        f"reconstructed, by at least {gap} networks in both years. The rise of foundings with "
        f"density is then steeper here than it was, and the peak density{peak} is likely "
        f"understated by about that gap, {slowdown}."
    )
    return out


def _robustness(
    prefix: str, main: Mapping[str, object], other: Mapping[str, object]
) -> dict[str, object]:
    return {
        f"{prefix}_n_networks": other["n_networks"],
        f"{prefix}_peak_density": _peak(other),
        f"{prefix}_density_lr": _lr(other),
        f"{prefix}_preferred_model": other["preferred_label"],
        f"{prefix}_carrying_capacity": _k(other),
        f"{prefix}_changes_conclusion": bool(verdict(main, other)),
        f"{prefix}_inverted_u": bool(other["inverted_u"] and other["peak_in_observed_range"]),
    }


def _borderline_sentence(main, other: Mapping[str, object] | None, n_borderline: int) -> str:
    if other is None or n_borderline == 0:
        return "No network is flagged borderline, so there is no borderline sensitivity analysis."
    return _robustness_sentence(f"Without the {n_borderline} borderline networks,", main, other)


def _truncation_sentence(main, other, end_year: int) -> str:
    lead = f"Ending the series in {end_year}, before the years a census fills in late,"
    sentence = _robustness_sentence(lead, main, other)
    if main["saturating"] and not other["saturating"]:
        sentence += (
            f" The evidence that founding is falling thus rests on the last "
            f"{RIGHT_TRUNCATION_YEARS} years of the series, the least complete ones."
        )
    return sentence


def _robustness_sentence(lead: str, main, other) -> str:
    changes = verdict(main, other)
    facts = (
        f"the founding rate peaks at {_peak(other)}, the carrying capacity is {_k(other)}, and "
        f"the preferred model is the {other['preferred_label']}"
    )
    if not changes:
        return f"{lead} the conclusion does not change: {facts}."
    return f"{lead} the conclusion changes in {_join(changes)}: {facts}."


def _fitted_finding(fits: GrowthFits) -> str:
    """The caption's finding: when founding was fastest on the best levelling-off curve."""
    peak_year = round(fits.s_curve().inflection_year())
    if peak_year < int(fits.frame["year"].max()) - 2:
        return f"Foundings per year peaked around {peak_year} and have been falling since"
    return "Foundings per year are still rising at the end of the series"


def _forecast_finding(alive: int, forecast: pd.DataFrame) -> str:
    """The caption's finding: how much the forecast says the population will still grow."""
    end = forecast.iloc[-1]
    growth = end["alive_median"] / alive - 1 if alive else float("nan")
    years = int(end["year"])
    if growth < 0.1:
        return f"The number of networks alive has almost stopped growing ({growth:+.0%} by {years})"
    return f"The number of networks alive is still growing ({growth:+.0%} by {years})"


def _density_verdict(main: Mapping[str, object], peak_year: int | None) -> str:
    if main["inverted_u"] and main["peak_in_observed_range"]:
        return (
            f"Foundings rose with the number of networks and then fell: the founding rate "
            f"peaked at about {main['peak_density']:.0f} networks alive, a density first "
            f"reached in {peak_year}, and has declined since."
        )
    if main["inverted_u"]:
        return (
            f"The fitted founding rate is an inverted U in density, but its peak "
            f"({main['peak_density']:.0f} networks) lies outside the observed range, so the data "
            f"show only one side of it."
        )
    return "The founding rate shows no clear inverted U in density."


def _margin(table: pd.DataFrame) -> str:
    """ΔAIC from the preferred model to the best model of another kind."""
    kind = _kind(table.iloc[0]["model"])
    others = table.loc[[_kind(m) != kind for m in table["model"]]]
    if others.empty:
        return ""
    row = others.iloc[0]
    return f"{row['delta_aic']:.1f} AIC points ahead of the best model of another kind, a {row['label']}"


def _kind(model_id: str) -> str:
    """Models of one kind answer the saturation question alike (every S-curve levels off)."""
    if any(curve in model_id for curve in CURVES):
        return "saturation curve"
    return "segmented" if "segmented" in model_id else model_id


def _peak(h: Mapping[str, object]) -> str:
    if not h["is_peak"] or not np.isfinite(h["peak_density"]):
        return "undefined (no inverted U)"
    return (
        f"{h['peak_density']:.0f} networks (95% CI "
        f"{_range(h['peak_density_ci_low'], h['peak_density_ci_high'], 0)})"
    )


def _k(h: Mapping[str, object]) -> str:
    low, high = h["k_ci"]
    upper = "no finite upper limit" if not np.isfinite(high) else f"{high:.0f}"
    lower = "below the search range" if not np.isfinite(low) else f"{low:.0f}"
    return f"{h['k']:.0f} networks ever founded (95% CI {lower}–{upper})"


def _ci(row: pd.Series, digits: int) -> str:
    low, high = _num(row["conf_low"], digits), _num(row["conf_high"], digits)
    return f"{_num(row['estimate'], digits)} (95% CI {low} to {high})"


def _break_test(test: Mapping[str, float]) -> str:
    """The bootstrap test of "no break", with what its p-value's floor means."""
    replicates = int(test["replicates"])
    text = (
        f"LR = {test['lr']:.1f}, parametric bootstrap {_p(test['p_bootstrap'])} over "
        f"{replicates} replicates"
    )
    if replicates and test["p_bootstrap"] <= 1.0 / (1 + replicates) + 1e-12:
        text += (
            f", the smallest p this many replicates can give: no series simulated without a "
            f"break reached it (largest LR {test['lr_null_max']:.1f})"
        )
    return text


def _lr(h: Mapping[str, object]) -> str:
    return f"LR χ²({h['lr_df']}) = {h['lr']:.1f}, {_p(h['lr_p'])}"


def _range(low: float, high: float, digits: int) -> str:
    if not (np.isfinite(low) and np.isfinite(high)):
        return "not available"
    return f"{_num(low, digits)}–{_num(high, digits)}"


def _num(value: float, digits: int) -> str:
    """A number with a true minus sign, as typeset prose wants it."""
    if value is None or not np.isfinite(value):
        return "not available"
    return f"{value:.{digits}f}".replace("-", "−")


def _pct(change: float) -> str:
    return f"{'+' if change >= 0 else '−'}{abs(change):.1%} a year"


def _p(p: float) -> str:
    return f"p {format_p(p)}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _window(frame: pd.DataFrame) -> str:
    return f"{int(frame['year'].min())}–{int(frame['year'].max())}"


#: The brief cross-references the model comparison as @tbl-foundingmodels.
COMPARISON_LABEL = "tbl-foundingmodels"


def comparison_markdown(table: pd.DataFrame, fits: GrowthFits) -> str:
    """The model-comparison table for the brief (pipe table + caption line)."""
    frame = pd.DataFrame(
        {
            "Model": [label[0].upper() + label[1:] for label in table["label"]],
            "Likelihood": list(table["likelihood"]),
            "Parameters": list(table["k"]),
            "Log-likelihood": [_num(v, 1) for v in table["loglik"]],
            "AIC": [_num(v, 1) for v in table["aic"]],
            "ΔAIC": [_num(v, 1) for v in table["delta_aic"]],
            "BIC": [_num(v, 1) for v in table["bic"]],
        }
    )
    caption = (
        f"Models of yearly network foundings compared on the same {len(fits.frame)} years "
        f"({_window(fits.frame)}); the lowest AIC marks the preferred model, and differences "
        f"below about 2 are not meaningful. The density-dependence model and the model without "
        f"density terms also include last year's foundings and ends and period effects."
    )
    return markdown_table(frame, caption, COMPARISON_LABEL)


def skipped_table(reason: str) -> str:
    """The comparison table's skipped form: one row saying why, so the brief's include works."""
    frame = pd.DataFrame({"Models of yearly network foundings": [reason]})
    return markdown_table(frame, "Models of yearly network foundings.", COMPARISON_LABEL)


def fitted_table(fits: GrowthFits) -> pd.DataFrame:
    """Observed and fitted yearly foundings of the main models (for the figure)."""
    frame = fits.frame
    curve = fits.s_curve()
    out = pd.DataFrame({"year": frame["year"], "foundings": frame["foundings"]})
    out["Exponential time trend"] = fits.regressions["founding_poisson_trend"].fitted(frame)
    out["Density dependence (NB2)"] = fits.regressions["founding_nb_density"].fitted(frame)
    out[CURVE_LABELS[curve.curve].capitalize()] = curve.fitted(frame)
    out["Segmented trend"] = fits.best_segmented().fitted(frame)
    return out


def curves_table(fits: GrowthFits, to_year: int) -> pd.DataFrame:
    """Networks ever founded: observed, and as fitted by each curve up to ``to_year``.

    Fitted curves are anchored at the first founding (1 network), as the observed count is.
    """
    frame = fits.frame
    first = int(frame["year"].min()) - 1
    years = np.arange(first, to_year + 1)
    observed = 1 + np.concatenate([[0], np.cumsum(frame["foundings"].to_numpy())])
    out = pd.DataFrame({"year": years})
    out["ever_founded"] = pd.array(
        list(observed) + [pd.NA] * (years.size - observed.size), dtype="Int64"
    )
    for curve in CURVES:
        fit = fits.best_curve(curve)
        m = fit.cumulative_fitted(years)
        out[CURVE_LABELS[curve].capitalize()] = 1 + m - m[0]
    return out


def plot_foundings_fitted(fitted: pd.DataFrame, path: str) -> None:
    """Observed foundings per year (bars) and the fitted rates of the main models (lines)."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    ax.bar(fitted["year"], fitted["foundings"], width=0.85, color="0.8", label="Observed")
    for i, (label, name) in enumerate(_distinct_lines(fitted, list(fitted.columns[2:]))):
        colour, style = colours[LINE_COLOURS[i % 6]], LINE_STYLES[i % 4]
        ax.plot(fitted["year"], fitted[name], color=colour, ls=style, lw=2, label=label)
    ax.set_xlabel("Year")
    ax.set_ylabel("Networks founded (per year)")
    ax.legend(loc="upper left", frameon=False)
    save_figure(fig, path)


def _distinct_lines(table: pd.DataFrame, columns: list[str]) -> list[tuple[str, str]]:
    """(legend label, column) per visibly different line: columns that coincide share one.

    Lines closer than 1% of their height everywhere look like one line (the Bass curve
    collapses onto the logistic when its innovation parameter is near 0), so two legend
    entries would point at one drawn line; they become "Logistic / Bass (coincide)".
    """
    groups: list[list[str]] = []
    for name in columns:
        values = table[name].to_numpy(dtype=float)
        for group in groups:
            first = table[group[0]].to_numpy(dtype=float)
            scale = max(np.nanmax(np.abs(first)), np.nanmax(np.abs(values)), 1e-12)
            if np.nanmax(np.abs(first - values)) <= 0.01 * scale:
                group.append(name)
                break
        else:
            groups.append([name])
    return [
        (g[0] if len(g) == 1 else " / ".join(n.split()[0] for n in g) + " (coincide)", g[0])
        for g in groups
    ]


def plot_alive_forecast(
    alive: pd.DataFrame, curves: pd.DataFrame, forecast: pd.DataFrame, census_year: int, path: str
) -> None:
    """Networks alive and ever founded, the fitted curves, the forecast band and the
    published counts, with the census year marked."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 4.4))
    ax.fill_between(alive["year"], alive["low"], alive["high"], color=colours[0], alpha=0.25, lw=0)
    ax.plot(alive["year"], alive["high"], color=colours[0], lw=2.2, label="Alive (census)")
    founded = curves.dropna(subset=["ever_founded"])
    ax.plot(
        founded["year"],
        founded["ever_founded"],
        color="0.25",
        lw=1.6,
        label="Ever founded (census)",
    )
    for i, (label, name) in enumerate(_distinct_lines(curves, list(curves.columns[2:]))):
        ax.plot(
            curves["year"],
            curves[name],
            color=colours[i + 1],
            ls=LINE_STYLES[1 + i % 3],
            lw=1.8,
            label=label,
        )
    ax.fill_between(
        forecast["year"],
        forecast["alive_low"],
        forecast["alive_high"],
        color=colours[4],
        alpha=0.3,
        lw=0,
        label="Forecast alive, 95% interval",
    )
    ax.plot(forecast["year"], forecast["alive_median"], color=colours[4], lw=2.2)
    draw_published(ax)
    ax.axvline(census_year, color="0.4", lw=1, ls=":")
    bottom, top = ax.get_ylim()
    ax.annotate(  # at the foot of the line, where no curve runs in the census year
        f"census {census_year}",
        (census_year, bottom + 0.03 * (top - bottom)),
        ha="right",
        va="bottom",
        fontsize=SMALL,
        color="0.3",
        rotation=90,
    )
    ax.set_xlabel("Year")
    ax.set_ylabel("Networks (count)")
    ax.set_xlim(max(int(alive["year"].min()), census_year - 80), int(forecast["year"].max()) + 1)
    ax.legend(loc="upper left", frameon=False)
    save_figure(fig, path)


def plot_skipped(path: str, reason: str) -> None:
    """A figure that says why there is no figure (the brief hides the section anyway)."""
    save_note(reason, path)

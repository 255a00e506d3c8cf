"""What the growth stage tells the brief: its numbers, sentences and model table.

Every sentence is built from the fitted models by a fixed rule, so the brief's wording follows
the evidence when the data change.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis.census.describe import PUBLISHED_ALIVE, alive_in
from analysis.common.contract import markdown_table
from analysis.common.wording import format_p, join_words
from analysis.growth.curves import CURVES
from analysis.growth.foundings import (
    TERM_DENSITY,
    TERM_DENSITY2,
    first_year_at,
    nb_vs_poisson,
    tidy,
)
from analysis.growth.saturation import (
    RIGHT_TRUNCATION_YEARS,
    GrowthFits,
    comparison,
    headline,
    trend_change,
    verdict,
    years_span,
)
from analysis.growth.trend import break_year_ci

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


PUBLISHED_WORDS = {1985: "55", 2016: "more than 200"}  # as published (analysis.census.describe)


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
    before, after = trend_change(seg)
    end = forecast.iloc[-1]
    peak_year = first_year_at(fits.frame, main["peak_density"]) if main["is_peak"] else None
    numbers: dict[str, object] = {
        "available": True,
        "skip_reason": "",
        "window": years_span(fits.frame),
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
    return f"{lead} the conclusion changes in {join_words(changes)}: {facts}."


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
        f"({years_span(fits.frame)}); the lowest AIC marks the preferred model, and differences "
        f"below about 2 are not meaningful. The density-dependence model and the model without "
        f"density terms also include last year's foundings and ends and period effects."
    )
    return markdown_table(frame, caption, COMPARISON_LABEL)


def skipped_table(reason: str) -> str:
    """The comparison table's skipped form: one row saying why, so the brief's include works."""
    frame = pd.DataFrame({"Models of yearly network foundings": [reason]})
    return markdown_table(frame, "Models of yearly network foundings.", COMPARISON_LABEL)

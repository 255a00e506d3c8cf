"""What the survival stage tells the brief: the dissolution table, numbers and sentences.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from analysis.common.contract import markdown_table
from analysis.common.wording import format_ratio, join_words
from analysis.survival.curves import (
    INCIDENCE_WORDS,
    curve_rows,
    curve_value,
    last_reliable_age,
    median_survival,
)
from analysis.survival.models import EPV_RULE, MODEL_WORDS, PRIMARY_COVARIATES, FittedModel
from analysis.survival.spells import EVENT_WORDS, PRIMARY_EVENT, end_counts

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
    followed_20 = curve_rows(curves, any_end, "survival")["age"].max() >= 20
    if followed_20:
        row = curve_value(curves, any_end, "survival", 20)
        low, high = 100 * row["conf_low"], _percent(row["conf_high"])
        numbers["share_surviving_20"] = f"{_percent(row['estimate'])} (95% CI {low:.0f}–{high})"
    else:
        numbers["share_surviving_20"] = "not estimable (no network was followed for 20 years)"
    for event in ("dissolved", "merged"):
        rows = curve_rows(curves, INCIDENCE_WORDS[event], "cumulative incidence")
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
        numbers["robustness_sentence"] = f"The conclusions do not change with {join_words(held)}."
    elif held:
        numbers["robustness_sentence"] = (
            f"The conclusions hold with {join_words(held)}, but change with {join_words(changed)}."
        )
    else:
        numbers["robustness_sentence"] = f"The conclusions change with {join_words(changed)}."
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

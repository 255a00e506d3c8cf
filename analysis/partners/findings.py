"""What the partner models tell the brief: numbers, verdicts and the effects figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common.figure_style import MARKERS, SMALL, WIDTH, apply_theme, save_figure
from analysis.common.wording import format_p, format_ratio
from analysis.partners.coding import (
    FLAG_LABELS,
    short_label,
)
from analysis.partners.composition import composition_keys, composition_numbers
from analysis.partners.models import DECADE_TERM, MEMBER_FLAGS

NOT_ESTIMATED = "not estimated"


#: Covariates of the member-count model, in the order of its numbers.
MEMBER_VARIABLES = ("age_decades", "global_scope", *MEMBER_FLAGS)


def model_keys(logit_outcomes: Sequence[str], hazard_flags: Sequence[str]) -> list[str]:
    """Every key :func:`model_numbers` writes for these models, whatever the data."""
    return [
        *(f"logit_{outcome}" for outcome in logit_outcomes),
        "logit_firth_outcomes",
        "members_available",
        "members_skip_reason",
        "members_nobs",
        "members_dispersion",
        *(f"irr_{variable}" for variable in MEMBER_VARIABLES),
        "members_verdict",
        *(f"hr_{flag}" for flag in hazard_flags),
        "dissolution_available",
        "dissolution_events",
        "dissolution_events_per_variable",
        "dissolution_verdict",
    ]


def direction(row: Mapping) -> str:
    """``higher``/``lower`` when the 95% CI of a ratio excludes 1, else ``unclear``."""
    if row["conf_low"] > 1:
        return "higher"
    if row["conf_high"] < 1:
        return "lower"
    return "unclear"


def verdict(rows: Mapping[str, Mapping], templates: Mapping[str, str], basis: str) -> str:
    """One sentence on what the CIs of several partner-flag ratios allow us to say.

    ``rows`` maps a flag to its tidy row; ``templates`` maps each direction to a clause with
    ``{}`` for the flags ("networks with a {} founding partner ended more often than others");
    flags with the same direction share a clause; ``basis`` is added in brackets.
    """
    clauses = []
    for way in ("higher", "lower", "unclear"):
        names = [short_label(f).lower() for f, row in rows.items() if direction(row) == way]
        if names:
            joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            clauses.append(templates[way].format(joined))
    if not clauses:
        return NOT_ESTIMATED
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + f" ({basis})."


def model_numbers(
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> dict:
    """Sentences on per-decade odds ratios, member-count rate ratios and hazard ratios.

    The keys are the same whether or not a model could be estimated (:func:`model_keys`);
    a model that was not says so in its sentence.
    """
    numbers: dict = dict.fromkeys(model_keys(list(logits), list(dissolution)), NOT_ESTIMATED)
    firth = []
    for outcome, (tidy, glance) in logits.items():
        key = f"logit_{outcome}"
        if not glance.get("available", True):
            numbers[key] = f"{FLAG_LABELS[outcome]}: {NOT_ESTIMATED} ({glance['skip_reason']})"
            continue
        row = tidy.set_index("term").loc[DECADE_TERM]
        numbers[key] = (
            f"{FLAG_LABELS[outcome]}: odds ratio per decade of founding {format_ratio(row)}, "
            f"p {format_p(row['p_value'])} ({glance['events']} of {glance['nobs']} networks; "
            f"{glance['estimator']})"
        )
        if glance["estimator"].startswith("Firth"):
            firth.append(short_label(outcome).lower())
    numbers["logit_firth_outcomes"] = ", ".join(firth) if firth else "none"

    tidy, glance = members
    numbers["members_available"] = bool(glance.get("available", True))
    numbers["members_skip_reason"] = glance.get("skip_reason", "")
    if numbers["members_available"]:
        numbers["members_nobs"] = glance["nobs"]
        numbers["members_dispersion"] = f"{glance['dispersion']:.2f}"
        by = tidy.set_index("variable")
        for variable, row in by.drop(index="Intercept").iterrows():
            numbers[f"irr_{variable}"] = f"{format_ratio(row)}, p {format_p(row['p_value'])}"
        numbers["members_verdict"] = verdict(
            {f: by.loc[f] for f in MEMBER_FLAGS if f in by.index},
            {
                "higher": "networks with a {} founding partner report more members than others",
                "lower": "networks with a {} founding partner report fewer members than others",
                "unclear": "for a {} founding partner the 95% CI of the rate ratio spans 1",
            },
            f"negative binomial model of {glance['nobs']} member counts, adjusted for age and scope",
        )

    numbers["dissolution_available"] = False
    hazard_rows = {}
    for flag, (tidy, glance) in dissolution.items():
        if not glance.get("available", True):
            numbers[f"hr_{flag}"] = f"{NOT_ESTIMATED} ({glance['skip_reason']})"
            continue
        row = tidy[tidy["kind"] == "hazard ratio"].iloc[0]
        numbers[f"hr_{flag}"] = (
            f"{format_ratio(row)}, p {format_p(row['p_value'])} "
            f"({glance['events_with_flag']} of {glance['events']} ends among the "
            f"{glance['networks_with_flag']} networks with this founding partner)"
        )
        hazard_rows[flag] = row
        numbers["dissolution_available"] = True
        numbers["dissolution_events"] = glance["events"]
        numbers["dissolution_events_per_variable"] = round(glance["events_per_variable"], 1)
    if hazard_rows:
        numbers["dissolution_verdict"] = verdict(
            hazard_rows,
            {
                "higher": "networks with a {} founding partner ended more often than others",
                "lower": "networks with a {} founding partner ended less often than others",
                "unclear": "the data cannot tell whether networks with a {} founding partner end "
                "more or less often than others, as the 95% CI of the hazard ratio spans 1",
            },
            f"{numbers['dissolution_events']} ends in all, one flag per model",
        )
    return numbers


def partner_numbers(
    networks: pd.DataFrame,
    period_breaks: Sequence[int],
    seed: int,
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> dict:
    """The stage's numbers.json: composition, tests and model results."""
    return composition_numbers(networks, period_breaks, seed) | model_numbers(
        logits, members, dissolution
    )


def skipped_partner_numbers(
    reason: str, n_networks: int, logit_outcomes: Sequence[str], hazard_flags: Sequence[str]
) -> dict:
    """numbers.json in skipped form, with every key of the full form (see composition_keys)."""
    keys = [*composition_keys(), *model_keys(logit_outcomes, hazard_flags)]
    numbers = dict.fromkeys(keys, "not available")
    numbers |= {
        "available": False,
        "skip_reason": reason,
        "n_networks": n_networks,
        "members_available": False,
        "dissolution_available": False,
    }
    return numbers


def effect_panels(
    logits: Mapping[str, tuple[pd.DataFrame, dict]],
    members: tuple[pd.DataFrame, dict],
    dissolution: Mapping[str, tuple[pd.DataFrame, dict]],
) -> list[tuple[str, pd.DataFrame]]:
    """Rows of the coefficient plot, one panel per model family that has estimates.

    Takes the models as :func:`model_numbers` does; each panel is (x-axis label, rows with
    estimate, conf_low, conf_high, label, series). Skipped models have no rows.
    """
    wanted = {
        DECADE_TERM: "per decade of founding",
        "Global scope (vs regional)": "global vs regional scope",
    }
    logit_rows = [
        tidy[tidy["term"] == term].assign(label=short_label(outcome), series=series)
        for outcome, (tidy, _) in logits.items()
        for term, series in wanted.items()
    ]
    member_rows = members[0][members[0]["term"] != "Intercept (members)"]
    if len(member_rows):
        member_rows = member_rows.assign(
            label=[
                short_label(v) if v in FLAG_LABELS else t
                for v, t in zip(member_rows["variable"], member_rows["term"])
            ],
            series="member count",
        )
    hazard_rows = [
        tidy[tidy["kind"] == "hazard ratio"].assign(label=short_label(flag), series="any end")
        for flag, (tidy, _) in dissolution.items()
        if len(tidy)
    ]
    panels = [
        ("Odds ratio of having this founding partner (log scale)", logit_rows),
        ("Rate ratio of member count (log scale)", [member_rows]),
        ("Hazard ratio of the network ending (log scale)", hazard_rows),
    ]
    out = []
    for xlabel, parts in panels:
        parts = [p for p in parts if len(p)]
        if parts:
            rows = pd.concat(parts)
            order = {series: i for i, series in enumerate(dict.fromkeys(rows["series"]))}
            rows = rows.sort_values("series", key=lambda s: s.map(order), kind="stable")
            rows = rows.reset_index(drop=True)
            out.append((xlabel, rows))
    return out


def plot_partner_effects(panels: list[tuple[str, pd.DataFrame]], path: str | Path) -> None:
    """Coefficient plot: ratios with 95% CIs on one log axis, one panel per model family.

    One row per partner; where a panel has two series (per decade, global scope) they sit
    side by side in the row, told apart by colour and marker, and the legend names them.
    """
    colours = apply_theme()
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    labels = [list(dict.fromkeys(rows["label"])) for _, rows in panels]
    n_rows = sum(len(ls) for ls in labels)
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(WIDTH, min(5.0, 0.8 + 0.22 * n_rows + 0.45 * len(panels))),
        gridspec_kw={"height_ratios": [len(ls) + 0.6 for ls in labels]},
        sharex=True,
        squeeze=False,
    )
    looks: dict[str, tuple] = {}  # series -> (colour, marker), only where a panel has several
    for ax, (xlabel, rows), names in zip(axes[:, 0], panels, labels):
        position = {name: len(names) - 1 - i for i, name in enumerate(names)}
        series = list(dict.fromkeys(rows["series"]))
        offsets = np.linspace(0.17, -0.17, len(series)) if len(series) > 1 else [0.0]
        for offset, name in zip(offsets, series):
            sub = rows[rows["series"] == name]
            estimate = sub["estimate"].to_numpy(dtype=float)
            if len(series) > 1:
                k = len(looks)
                look = looks.setdefault(name, (colours[k % 10], MARKERS[k % len(MARKERS)]))
            else:
                look = ("0.15", "o")
            ax.errorbar(
                estimate,
                sub["label"].map(position).to_numpy(dtype=float) + offset,
                xerr=[
                    estimate - sub["conf_low"].to_numpy(dtype=float),
                    sub["conf_high"].to_numpy(dtype=float) - estimate,
                ],
                fmt=look[1],
                color=look[0],
                ms=5,
                elinewidth=1.6,
                capsize=0,
            )
        ax.axvline(1, color="0.4", lw=1, ls="--")
        ax.set_xscale("log")
        ax.set_yticks(list(position.values()), list(position))
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.tick_params(axis="y", length=0)
        ax.set_title(xlabel.replace(" (log scale)", ""), fontsize=SMALL, loc="left")
    ax = axes[-1, 0]
    # ratios read as plain numbers (0.5, 1, 2), not powers of ten; sparser over a wide range
    low, high = ax.get_xlim()
    subs = (1, 2, 5) if np.log10(high / low) <= 2.5 else (1, 3)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("Ratio (log scale; 1 = no difference)")
    if looks:
        handles = [
            plt.Line2D([], [], color=c, marker=m, ls="-", lw=1.6, ms=5) for c, m in looks.values()
        ]
        names = [name[0].upper() + name[1:] for name in looks]
        fig.legend(handles, names, loc="outside upper center", ncol=2, frameon=False)
    save_figure(fig, path)

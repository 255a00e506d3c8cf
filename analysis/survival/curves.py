"""Survival curves of city networks: Kaplan-Meier and cumulative incidence by end type.

The curves describe how long networks last before any model; with few ends the ages beyond
which too few networks remain at risk are marked, so a reader does not over-read the tail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.common.figure_style import SMALL, WIDTH, apply_theme, save_figure, save_note
from analysis.survival.spells import EVENT_WORDS, EVENTS, PRIMARY_EVENT, network_spells

INCIDENCE_WORDS = {"dissolved": "dissolution", "merged": "merger"}


#: Columns of the survival-curve table (:func:`survival_curves`).
CURVE_COLUMNS = ["curve", "end", "measure", "age", "estimate", "conf_low", "conf_high", "at_risk"]


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
    rows = curve_rows(curves, curve, measure)
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
    rows = curve_rows(curves, curve, "survival")
    below = rows[(rows["estimate"] <= 0.5) & (rows["at_risk"] >= min_at_risk)]
    return "not reached" if below.empty else f"{below['age'].iloc[0]:.0f} years"


def last_reliable_age(
    curves: pd.DataFrame, curve: str = EVENT_WORDS[PRIMARY_EVENT], min_at_risk: int = 10
) -> float:
    """The oldest age at which at least ``min_at_risk`` networks are still at risk."""
    rows = curve_rows(curves, curve, "survival")
    ages = rows.loc[rows["at_risk"] >= min_at_risk, "age"]
    return float(ages.max()) if len(ages) else 0.0


def curve_rows(curves: pd.DataFrame, curve: str, measure: str) -> pd.DataFrame:
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
    curves = followed if len(curve_rows(followed, EVENT_WORDS[PRIMARY_EVENT], "survival")) else curves
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
    rows = curve_rows(curves, EVENT_WORDS[PRIMARY_EVENT], "survival")
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

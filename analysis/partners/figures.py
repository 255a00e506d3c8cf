"""The partner stage's figures: shares by period or decade, and partner effects.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common.figure_style import SMALL, WIDTH, apply_theme, save_figure, save_note
from analysis.partners.coding import COMPOSITE_FLAGS, PARTNER_TYPES, short_label


def plot_share_panels(frame: pd.DataFrame, path: str | Path, xlabel: str) -> None:
    """One dot-and-interval panel per group (period or decade): share of sourced networks
    with each founding partner, Wilson 95% intervals, partner types down the shared y axis.

    Dots rather than stacked bars because a network can have several partner types, so the
    shares do not add up to one. Rows are sorted by the overall share, the composite
    coalitions first; reading a row across the panels shows the change over time.
    """
    colours = apply_theme()
    import matplotlib.pyplot as plt

    totals = frame.groupby("flag")[["count", "n"]].sum()
    overall = (totals["count"] / totals["n"].where(totals["n"] > 0)).fillna(0.0)
    # stable sort: ties keep the vocabulary's order, so the figure is reproducible
    kinds = [
        (kind, sorted([f for f in flags if f in overall], key=lambda f: -overall[f]), colour, mark)
        for kind, flags, colour, mark in (
            ("Founding coalition", COMPOSITE_FLAGS, colours[1], "D"),
            ("Partner type", PARTNER_TYPES, colours[0], "o"),
        )
    ]
    position: dict[str, float] = {}  # flag -> y, top down, a gap after the coalitions
    for i, (_, flags, _, _) in enumerate(kinds):
        for flag_name in flags:
            position[flag_name] = -len(position) - 0.6 * i
    groups = list(frame["group"].cat.categories)
    fig, axes = plt.subplots(
        1,
        len(groups),
        figsize=(WIDTH, 1.7 + 0.28 * len(position)),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    by = frame.set_index(["group", "flag"])
    for ax, group in zip(axes[0], groups):
        for kind, flags, colour, marker in kinds:
            sub = by.loc[group].loc[flags]
            share = sub["share"].to_numpy(dtype=float) * 100
            # clip: a Wilson bound at 0 or n events can sit a rounding error past the estimate
            err = np.clip(
                np.vstack(
                    [
                        share - sub["conf_low"].to_numpy(dtype=float) * 100,
                        sub["conf_high"].to_numpy(dtype=float) * 100 - share,
                    ]
                ),
                0,
                None,
            )
            ax.errorbar(
                share,
                [position[f] for f in flags],
                xerr=err,
                fmt=marker,
                color=colour,
                ms=5,
                elinewidth=1.6,
                capsize=0,
                label=kind,
            )
        n = int(by.loc[group]["n"].iloc[0])
        ax.set_title(f"{group}\nn = {n}", fontsize=SMALL)
        ax.set_xlim(-5, 105)
        # narrow panels keep only the end labels, so neighbouring "100" and "0" stay apart
        ax.set_xticks([0, 50, 100], ["0", "50" if len(groups) <= 4 else "", "100"])
        ax.set_xticks([25, 75], minor=True)
        ax.grid(which="minor", axis="x", lw=0.6)
        ax.tick_params(axis="y", length=0)
    first = axes[0, 0]
    first.set_yticks(list(position.values()), [short_label(f) for f in position])
    first.set_ylim(min(position.values()) - 0.7, 0.7)
    first.annotate(  # the header of the panel titles' column, where the row labels are
        f"{xlabel}\nn = sourced networks",
        (0, 0),
        xycoords=first.title,
        xytext=(-10, 0),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=SMALL,
        fontweight="bold",
    )
    fig.supxlabel("Networks with this founding partner (%)", fontsize=12)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncol=2, frameon=False)
    save_figure(fig, path)


def plot_skipped(path: str | Path, reason: str) -> None:
    """A placeholder figure that says the analysis was skipped and why."""
    save_note("Analysis skipped.\n" + reason, path)

"""The focus-group stage's figures: theme frequencies, co-occurrence and saturation.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common.figure_style import WIDTH, apply_theme, save_figure
from analysis.focus_groups.themes import SYNTHETIC_MARK


def _annotate_synthetic(ax, synthetic: bool, top: bool = False) -> None:  # noqa: ANN001 (Axes)
    """Stamp "SYNTHETIC DATA" in a right-hand corner of the plot."""
    if synthetic:
        ax.text(
            0.98,
            0.97 if top else 0.03,
            SYNTHETIC_MARK,
            transform=ax.transAxes,
            ha="right",
            va="top" if top else "bottom",
            fontsize=11,
            fontweight="bold",
            color="0.35",
        )


def plot_theme_frequencies(
    codes: pd.DataFrame, theme_labels: Mapping[str, str], path: str | Path, synthetic: bool
) -> None:
    """Share of participants raising each code, grouped and coloured by theme, Wilson 95% CI."""
    colours = dict(zip(theme_labels, itertools.cycle(apply_theme())))
    import matplotlib.pyplot as plt

    data = codes.assign(_theme=pd.Categorical(codes["theme_id"], categories=list(theme_labels)))
    data = data.sort_values(["_theme", "participant_share"], ascending=[True, False])
    y = np.arange(len(data))[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(data) + 1.6))
    for theme_id, label in theme_labels.items():
        part = data["theme_id"].to_numpy() == theme_id
        share = data["participant_share"].to_numpy()[part] * 100
        err = np.vstack(
            [
                share - data["share_low"].to_numpy()[part] * 100,
                data["share_high"].to_numpy()[part] * 100 - share,
            ]
        )
        ax.errorbar(
            share, y[part], xerr=err, fmt="o", color=colours[theme_id], capsize=3, label=label
        )
    ax.set_yticks(y, data["label"])
    ax.set_xlabel("Participants who raised the code\n(% of all, 95% Wilson CI)")
    ax.set_ylabel("")
    ax.set_xlim(0, 100)
    fig.legend(loc="outside upper center", ncol=2, frameon=False)
    _annotate_synthetic(ax, synthetic)
    save_figure(fig, path)


def plot_cooccurrence(
    pairs: pd.DataFrame, labels: Mapping[str, str], path: str | Path, synthetic: bool
) -> None:
    """Heatmap of the c-coefficient between codes (lower triangle; sequential, CVD-safe).

    Codes are numbered: each row carries the number and name, the columns only the number,
    so the long names are written once and the cells stay large enough to read.
    """
    apply_theme()
    import matplotlib.pyplot as plt
    import seaborn as sns

    codes = list(labels)
    matrix = pd.DataFrame(np.nan, index=codes, columns=codes)
    for row in pairs.itertuples():
        matrix.loc[row.code_2, row.code_1] = row.c_coefficient
    matrix = matrix.iloc[:, :-1]  # the first row stays (empty) so that code 1 is named
    values = matrix.to_numpy()
    text = np.where(
        np.isnan(values),
        "",
        [["0" if v == 0 else f"{v:.2f}".lstrip("0") for v in line] for line in values],
    )
    fig, ax = plt.subplots(figsize=(WIDTH, 5.0))
    sns.heatmap(
        matrix,
        ax=ax,
        cmap="Blues",  # one hue, light to dark: darker = more often together
        vmin=0,
        vmax=max(0.05, np.nanmax(values)),
        annot=text,
        fmt="",
        annot_kws={"fontsize": 10},  # the cells' values; the colour carries them on a phone
        square=True,
        linewidths=0.5,
        cbar_kws={
            "label": "c-coefficient (0–1)",
            "orientation": "horizontal",
            "shrink": 0.6,
            "pad": 0.04,
        },
        mask=matrix.isna(),
    )
    ax.set_xticklabels(range(1, len(codes)), rotation=0)
    ax.set_yticklabels([f"{i} {labels[c]}" for i, c in enumerate(codes, start=1)], rotation=0)
    ax.set_xlabel("Code (numbered as in the rows)")
    ax.set_ylabel("")
    ax.grid(False)  # grid lines would show through the empty upper triangle
    _annotate_synthetic(ax, synthetic, top=True)
    save_figure(fig, path)


def plot_saturation(
    curve: pd.DataFrame, envelope: pd.DataFrame, n_codes: int, path: str | Path, synthetic: bool
) -> None:
    """Cumulative codes by session in the order held, against the random-order envelope."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 3.8))
    ax.fill_between(
        envelope["position"],
        envelope["low"],
        envelope["high"],
        color=colours[0],
        alpha=0.2,
        lw=0,
        label="Random session orders (95% range)",
    )
    ax.plot(
        curve["position"],
        curve["cumulative_codes"],
        marker="o",
        color=colours[0],
        label="Sessions in the order held",
    )
    ax.bar(
        curve["position"],
        curve["new_codes"],
        width=0.5,
        color=colours[1],
        alpha=0.8,
        label="New codes in the session",
    )
    ax.axhline(n_codes, color="0.5", ls="--", lw=1, label="Codes in the codebook")
    ax.set_xlabel("Sessions held (count)")
    ax.set_ylabel("Distinct codes (count)")
    ax.set_xticks(curve["position"])
    ax.set_ylim(0, n_codes + 1)
    ax.legend(loc="center right", frameon=False)
    _annotate_synthetic(ax, synthetic)
    save_figure(fig, path)

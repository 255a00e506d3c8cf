"""Describing the census: how many networks were founded each year and how many are alive.

The descriptive slice every reader checks first, and the comparison with the counts published
around the paper (55 networks in 1985, "more than 200" in 2016), which tells how far the
public-source reconstruction under-covers early and defunct networks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.census.population import density, lifetimes, yearly_frame
from analysis.common.figure_style import WIDTH, apply_theme, save_figure

#: Counts published around the paper (Acuto 2016, Nature 537: 611–613; reference/paper.md).
PUBLISHED_ALIVE = {1985: 55, 2016: 200}


def alive_in(networks: pd.DataFrame, census_year: int, years: Sequence[int]) -> pd.DataFrame:
    """Networks alive during each year, as a range over the unknown end years.

    ``low`` ends networks without an ``end_year`` right after their last evidence; ``high``
    keeps them alive until the census (the census README's count).
    """
    lives = lifetimes(networks, census_year)
    after = np.asarray(years) + 1
    return pd.DataFrame(
        {
            "year": list(years),
            "low": density(lives, after, "exit_year"),
            "high": density(lives, after, "exit_year_max"),
        }
    )


def census_numbers(networks: pd.DataFrame, census_year: int, period_breaks: Sequence[int]) -> dict:
    """The figures the brief quotes about the census itself."""
    frame = yearly_frame(networks, census_year, period_breaks)
    alive = alive_in(networks, census_year, sorted(PUBLISHED_ALIVE)).set_index("year")
    decades = (networks["founded_year"].astype(int) // 10 * 10).value_counts()
    busiest = int(decades.idxmax())
    lives = lifetimes(networks, census_year)
    numbers: dict = {
        "available": True,
        "n_networks": len(networks),
        "census_year": census_year,
        "first_founding": int(frame["year"].min()),
        "last_founding": int(networks["founded_year"].max()),
        "alive_at_census": int(frame["alive_end"].iloc[-1]),
        "n_dissolved": int((lives["end_type"] == "dissolved").sum()),
        "n_merged": int((lives["end_type"] == "merged").sum()),
        "busiest_decade": f"{busiest}s",
        "busiest_decade_foundings": int(decades.max()),
        "founded_since_1990": int((networks["founded_year"] >= 1990).sum()),
    }
    if "borderline" in networks.columns:
        numbers["n_borderline"] = int(networks["borderline"].fillna(False).sum())
    for year, published in PUBLISHED_ALIVE.items():
        low, high = int(alive.loc[year, "low"]), int(alive.loc[year, "high"])
        numbers[f"alive_{year}"] = str(high) if low == high else f"{low}–{high}"
        numbers[f"published_{year}"] = published
        numbers[f"coverage_{year}"] = f"{high / published:.0%}"
    return numbers


def plot_foundings(frame: pd.DataFrame, path: str | Path) -> None:
    """Bar chart of foundings per year: the burst after 1990 is the headline."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    ax.bar(frame["year"], frame["foundings"], width=0.9, color=colours[0])
    ax.set_xlabel("Year of founding")
    ax.set_ylabel("Networks founded (per year)")
    ax.set_xlim(frame["year"].min() - 1, frame["year"].max() + 1)
    save_figure(fig, path)


def plot_alive(frame: pd.DataFrame, alive: pd.DataFrame, path: str | Path) -> None:
    """Networks alive each year, with the counts published around the paper as points."""
    colours = apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 3.2))
    ax.fill_between(alive["year"], alive["low"], alive["high"], color=colours[0], alpha=0.25, lw=0)
    ax.plot(alive["year"], alive["high"], color=colours[0], lw=2, label="This census (alive)")
    draw_published(ax)
    ax.set_xlabel("Year")
    ax.set_ylabel("Networks alive (count)")
    ax.legend(loc="upper left", frameon=False)
    save_figure(fig, path)


def draw_published(ax: Any) -> None:
    """The published counts as black diamonds: one look in every figure that shows them."""
    published = pd.Series(PUBLISHED_ALIVE)
    ax.scatter(
        published.index,
        published.values,
        color="black",
        edgecolor="white",
        marker="D",
        s=55,
        zorder=4,
        label="Published count (Acuto 2016)",
    )

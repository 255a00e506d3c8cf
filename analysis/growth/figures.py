"""The growth stage's figures: observed and fitted foundings, networks alive and forecast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.census.describe import draw_published
from analysis.common.figure_style import (
    LINE_COLOURS,
    LINE_STYLES,
    SMALL,
    WIDTH,
    apply_theme,
    save_figure,
    save_note,
)
from analysis.growth.curves import CURVES
from analysis.growth.saturation import CURVE_LABELS, GrowthFits


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

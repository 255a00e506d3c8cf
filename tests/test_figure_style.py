"""The shared figure style and the redesigned figures: sizes, labels and merged legend lines."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import seaborn as sns
from PIL import Image

import analysis.partners.figures as partner_figures
import analysis.partners.findings as partner_findings
from analysis.common.figure_style import WIDTH, apply_theme, save_figure
from analysis.growth.figures import _distinct_lines
from analysis.partners.coding import COMPOSITE_FLAGS, FLAGS, short_label


def test_theme_is_colour_blind_with_readable_text_and_the_agg_backend() -> None:
    palette = apply_theme()
    assert palette == sns.color_palette("colorblind")
    assert plt.get_backend().lower() == "agg"
    for key in ("xtick.labelsize", "ytick.labelsize", "legend.fontsize", "axes.labelsize"):
        assert plt.rcParams[key] >= 10, key


def test_save_figure_writes_200_dpi_and_closes(tmp_path: Path) -> None:
    apply_theme()
    fig, ax = plt.subplots(figsize=(4, 2), layout=None)
    ax.set_axis_off()
    ax.add_patch(plt.Rectangle((0, 0), 1, 1, transform=fig.transFigure, color="k"))
    save_figure(fig, tmp_path / "sub" / "x.png")
    with Image.open(tmp_path / "sub" / "x.png") as image:
        # the patch fills the figure, so the cropped PNG is the whole 4 x 2 in at 200 dpi
        assert image.size == pytest.approx((4 * 200, 2 * 200), abs=25)
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.1)
    assert not plt.get_fignums()


def test_coinciding_curves_share_one_legend_line() -> None:
    years = np.arange(1950, 2030)
    logistic = 200 / (1 + np.exp(-(years - 2000) / 8))
    table = pd.DataFrame(
        {
            "year": years,
            "ever_founded": np.nan,
            "Logistic curve": logistic,
            "Gompertz curve": 260 * np.exp(-np.exp(-(years - 1995) / 15)),
            "Bass diffusion curve": logistic * (1 + 1e-4),  # innovation p ~ 0: the same curve
        }
    )
    lines = _distinct_lines(table, list(table.columns[2:]))
    assert lines == [
        ("Logistic / Bass (coincide)", "Logistic curve"),
        ("Gompertz curve", "Gompertz curve"),
    ]
    # 5% apart at the top is visibly two lines
    table["Bass diffusion curve"] = logistic * 1.05
    assert [label for label, _ in _distinct_lines(table, list(table.columns[2:]))] == [
        "Logistic curve",
        "Gompertz curve",
        "Bass diffusion curve",
    ]


def _keep_figure(monkeypatch: pytest.MonkeyPatch, module) -> list:  # noqa: ANN001 (module)
    """Capture the figure a plot function saves, and still save it."""
    kept: list = []

    def save(fig, path):  # noqa: ANN001, ANN202
        fig.canvas.draw()
        kept.append(fig)
        fig.savefig(path, dpi=200, bbox_inches="tight", pad_inches=0.05)

    monkeypatch.setattr(module, "save_figure", save)
    return kept


def _png_inches(path: Path) -> tuple[float, float]:
    with Image.open(path) as image:
        return image.size[0] / 200, image.size[1] / 200


def test_share_panels_one_panel_per_group_coalitions_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups = pd.Categorical(["1913–1989", "1990–1999", "2000–2014", "2015–"], ordered=True)
    rng = np.random.default_rng(1)
    rows = [
        {
            "group": g,
            "flag": f,
            "n": 40,
            "count": (k := int(rng.integers(0, 41))),
            "share": k / 40,
            "conf_low": max(k / 40 - 0.1, 0),
            "conf_high": min(k / 40 + 0.1, 1),
        }
        for g in groups.categories
        for f in FLAGS
    ]
    frame = pd.DataFrame(rows)
    frame["group"] = pd.Categorical(frame["group"], categories=groups.categories, ordered=True)
    kept = _keep_figure(monkeypatch, partner_figures)
    partner_figures.plot_share_panels(frame, tmp_path / "shares.png", "Founding period")
    (fig,) = kept
    axes = fig.axes
    assert len(axes) == 4
    assert [ax.get_title().split("\n")[0] for ax in axes] == list(groups.categories)
    ticks = [t.get_text() for t in axes[0].get_yticklabels()]
    assert len(ticks) == len(FLAGS)
    overall = frame.groupby("flag")["count"].sum()
    coalitions = sorted(COMPOSITE_FLAGS, key=lambda f: -overall[f])
    assert ticks[:3] == [short_label(f) for f in coalitions]  # composite flags first, by share
    width, height = _png_inches(tmp_path / "shares.png")
    assert width <= WIDTH + 0.1 and height <= 6


def test_partner_effects_one_label_per_partner_and_compact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def rows(labels: list[str], series: str, estimate: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "label": labels,
                "series": series,
                "estimate": estimate,
                "conf_low": estimate / 2,
                "conf_high": estimate * 2,
            }
        )

    partners_ = ["Multilateral", "NGO", "Supranational"]
    panels = [
        (
            "Odds ratio of having this founding partner (log scale)",
            pd.concat(
                [rows(partners_, "per decade of founding", 1.5), rows(partners_, "global", 0.5)],
                ignore_index=True,
            ),
        ),
        ("Hazard ratio of the network ending (log scale)", rows(["NGO"], "any end", 2.0)),
    ]
    kept = _keep_figure(monkeypatch, partner_findings)
    partner_findings.plot_partner_effects(panels, tmp_path / "effects.png")
    (fig,) = kept
    top, bottom = fig.axes[:2]
    assert [t.get_text() for t in top.get_yticklabels()] == partners_  # once each, in order
    assert [t.get_text() for t in bottom.get_yticklabels()] == ["NGO"]
    # the two series of a row sit apart, each with its own marker
    markers = {line.get_marker() for line in top.get_lines() if line.get_marker() != "None"}
    assert len(markers) == 2
    legend = fig.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == ["Per decade of founding", "Global"]
    width, height = _png_inches(tmp_path / "effects.png")
    assert width <= WIDTH + 0.1 and height <= 5.1

"""The one look of every figure in the brief.

Figures are drawn at most 7 in wide with text of at least 11 pt, so they keep their size in
the PDF (about 6.5 in of text width) and their smallest text is still about 8 px high when a
phone shows them 360 px wide.
Every figure function calls :func:`apply_theme` before drawing and :func:`save_figure` to
write, so the style lives here once.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

#: Width of a full-width figure (inches): no wider, or the PDF shrinks the text.
WIDTH = 7.0
#: Dashes that tell lines apart where colour alone does not (colour-blind readers, print).
LINE_STYLES = ("-", "--", "-.", ":")
#: Palette positions for up to six lines, in an order that keeps the colour-blind palette's
#: orange and vermillion (positions 1 and 3) apart: the first four lines never need both.
LINE_COLOURS = (0, 1, 2, 4, 5, 3)
#: Markers that tell series of points apart together with their colour.
MARKERS = ("o", "s", "D", "^", "v")
#: Text size (pt) of ticks, annotations and legends: the smallest text in any figure.
SMALL = 11

_FONT_SIZES = {
    "font.size": 12,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    "legend.title_fontsize": SMALL,
    "figure.titlesize": 12,
    # lays out panels, legends and labels outside the axes without overlap
    "figure.constrained_layout.use": True,
}


def apply_theme() -> list[tuple[float, float, float]]:
    """Set the Agg backend and the shared seaborn theme; return the colour-blind palette.

    The backend is set here, not at import, so importing an analysis module never changes
    how a caller's own plots are shown.
    """
    import matplotlib

    matplotlib.use("Agg")
    import seaborn as sns

    sns.set_theme(style="whitegrid", palette="colorblind", context="notebook", rc=_FONT_SIZES)
    return sns.color_palette("colorblind")


def save_figure(fig: Any, path: str | Path) -> None:
    """Write ``fig`` as a 200-dpi PNG cropped to its content, then close it (frees memory)."""
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=200, bbox_inches="tight", pad_inches=0.05)
    plt.close(fig)


def save_note(text: str, path: str | Path) -> None:
    """A figure that only says, in words, why there is no plot (a skipped analysis)."""
    apply_theme()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(WIDTH, 1.5))
    ax.axis("off")
    lines = "\n".join(textwrap.fill(line, 80) for line in text.splitlines())
    ax.text(0.5, 0.5, lines, ha="center", va="center", fontsize=SMALL)
    save_figure(fig, path)

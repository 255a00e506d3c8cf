"""How numbers are written in the brief's prose: one convention for p-values, shares and
ratios with their intervals, so every section of the brief reads alike."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def join_words(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``: a list inside a sentence."""
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def format_p(p: float) -> str:
    """``= 0.04``, ``= 0.004`` or ``< 0.001`` (follows a "p"): two decimals, three below 0.01."""
    if not np.isfinite(p):
        return "not computable"
    if p < 0.001:
        return "< 0.001"
    return f"= {p:.3f}" if p < 0.01 else f"= {p:.2f}"


def format_share(share: float, low: float, high: float, what: str = "") -> str:
    """``25% (95% CI 19–31%)``; ``what`` follows the share (``71% of participants (…)``)."""
    return f"{share:.0%}{what} (95% CI {low * 100:.0f}–{high * 100:.0f}%)"


def format_ratio(row: pd.Series) -> str:
    """A ratio (hazard, odds, rate) with its CI from a tidy row: ``1.9 (95% CI 1.2–2.7)``."""
    low, high = ratio_number(row["conf_low"]), ratio_number(row["conf_high"])
    return f"{ratio_number(row['estimate'])} (95% CI {low}–{high})"


def ratio_number(value: float) -> str:
    """Two decimals below 10, none above; degenerate fits on tiny tables show as bounds."""
    if value < 0.01:
        return "<0.01"
    if value >= 1000:
        return ">999"
    return f"{value:.2f}" if value < 10 else f"{value:.0f}"

"""The brief's one convention for writing p-values, shares and ratios (known answers)."""

import math

import pandas as pd
import pytest

from analysis.common.wording import format_p, format_ratio, format_share, join_words


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.2345, "= 0.23"), (0.0456, "= 0.05"), (0.0042, "= 0.004"), (0.0004, "< 0.001"),
     (math.nan, "not computable")],
)
def test_p_values(p: float, text: str) -> None:
    assert format_p(p) == text


def test_shares_with_intervals() -> None:
    assert format_share(0.25, 0.1903, 0.3149) == "25% (95% CI 19–31%)"
    assert format_share(0.71, 0.59, 0.81, " of participants") == "71% of participants (95% CI 59–81%)"


def test_ratios_with_intervals() -> None:
    row = pd.Series({"estimate": 1.354, "conf_low": 0.47, "conf_high": 12.4})
    assert format_ratio(row) == "1.35 (95% CI 0.47–12)"
    extreme = pd.Series({"estimate": 78.2, "conf_low": 1e-9, "conf_high": 5e22})
    assert format_ratio(extreme) == "78 (95% CI <0.01–>999)"


def test_join_words_lists_inside_a_sentence() -> None:
    assert join_words([]) == ""
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(("a", "b", "c")) == "a, b and c"

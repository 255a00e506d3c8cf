"""Krippendorff's alpha, Cohen's kappa and bootstrap intervals against published answers."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from analysis.focus_groups.agreement import (
    Estimate,
    alpha_from_coincidences,
    alpha_from_table,
    bootstrap,
    kappa_from_table,
    nominal_alpha,
    unit_coincidences,
    unit_tables,
    verdict,
)

nan = np.nan

# krippendorff 0.9.0, docstring of krippendorff.alpha (the example of Wikipedia's article):
# 3 coders x 15 units, nominal alpha = 0.691358
DOCSTRING = [
    [nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
    [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
    [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4],
]
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", worked example for nominal
# data with missing values: 4 observers x 12 units, alpha = 0.743 (also in krippendorff's docstring)
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
# two coders, binary, 10 units, no missing data (Krippendorff 2011's binary example, alpha = 0.095;
# worked out by hand in test_binary_alpha_by_hand)
BINARY_A = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
BINARY_B = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]


def test_alpha_reproduces_the_krippendorff_docstring_example() -> None:
    assert round(nominal_alpha(DOCSTRING), 6) == 0.691358
    assert nominal_alpha(DOCSTRING) == pytest.approx(
        krippendorff.alpha(reliability_data=DOCSTRING, level_of_measurement="nominal")
    )


def test_alpha_reproduces_krippendorffs_worked_example_with_missing_data() -> None:
    assert round(nominal_alpha(KRIPPENDORFF_2011), 3) == 0.743


def test_binary_alpha_by_hand() -> None:
    # coincidences: o00 = 10, o11 = 2, o01 = o10 = 4; n = 20, n0 = 14, n1 = 6
    # alpha = 1 - (n - 1) * o01 / (n0 * n1) = 1 - 19 * 4 / 84 = 0.0952
    o = unit_coincidences([BINARY_A, BINARY_B], values=[0, 1]).sum(axis=0)
    assert o.tolist() == [[10, 4], [4, 2]]
    assert nominal_alpha([BINARY_A, BINARY_B]) == pytest.approx(1 - 19 * 4 / 84)
    assert round(nominal_alpha([BINARY_A, BINARY_B]), 3) == 0.095


@pytest.mark.parametrize("seed", range(6))
def test_alpha_agrees_with_the_krippendorff_package_on_random_data(seed: int) -> None:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 2 + seed % 3, size=(2 + seed % 3, 60)).astype(float)
    data[rng.random(data.shape) < 0.25] = nan
    assert nominal_alpha(data) == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), abs=1e-12
    )


def test_two_coder_alpha_from_the_agreement_table() -> None:
    table = unit_tables(BINARY_A, BINARY_B, values=[0, 1]).sum(axis=0)
    assert table.tolist() == [[5, 3], [1, 1]]  # rows A (0, 1), columns B (0, 1)
    assert alpha_from_table(table) == pytest.approx(nominal_alpha([BINARY_A, BINARY_B]))


def test_alpha_without_variation_is_undefined() -> None:
    assert np.isnan(nominal_alpha([[1, 1, 1], [1, 1, 1]]))
    assert np.isnan(alpha_from_coincidences(np.zeros((2, 2))))


def test_kappa_textbook_two_by_two() -> None:
    # 50 units: both yes 20, A yes B no 5, A no B yes 10, both no 15
    # po = 35/50 = 0.70; pe = (25 * 30 + 25 * 20) / 50**2 = 0.50; kappa = 0.20 / 0.50 = 0.40
    assert kappa_from_table([[20, 5], [10, 15]]) == pytest.approx(0.4)
    # alpha of the same table by hand: coincidences T + T' = [[40, 15], [15, 30]], n = 100,
    # n0 = 55, n1 = 45: 1 - 99 * 30 / (100**2 - 55**2 - 45**2)
    assert alpha_from_table([[20, 5], [10, 15]]) == pytest.approx(
        1 - 99 * 30 / (100**2 - 55**2 - 45**2)
    )


def test_kappa_is_undefined_when_both_coders_use_one_category() -> None:
    assert np.isnan(kappa_from_table([[0, 0], [0, 12]]))
    assert np.isnan(kappa_from_table(np.zeros((2, 2))))


def test_unit_tables_keep_only_units_both_coders_coded() -> None:
    tables = unit_tables([1, 0, nan, 1], [1, nan, 0, 0], values=[0, 1])
    assert tables.shape == (2, 2, 2)
    assert tables.sum(axis=0).tolist() == [[0, 0], [1, 1]]


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 300).astype(float)
    b = np.where(rng.random(300) < 0.15, 1 - a, a)
    contributions = unit_coincidences([a, b], values=[0, 1])
    first = bootstrap(contributions, alpha_from_coincidences, 500, seed=11)
    assert first == bootstrap(contributions, alpha_from_coincidences, 500, seed=11)
    assert first != bootstrap(contributions, alpha_from_coincidences, 500, seed=12)
    assert first.low < first.estimate < first.high
    assert first.estimate == pytest.approx(nominal_alpha([a, b]))
    assert first.n_units == 300
    # flipping 15% of balanced binary codes: expected alpha about 1 - 2 * 0.15 = 0.70
    assert first.low < 0.70 < first.high


def test_bootstrap_of_nothing_is_undefined() -> None:
    empty = bootstrap(np.zeros((0, 2, 2)), kappa_from_table, 100, seed=1)
    assert np.isnan(empty.estimate) and empty.n_units == 0
    assert empty.text() == "not estimable"


def test_estimate_text_and_verdicts() -> None:
    assert Estimate(0.8851, 0.8012, 0.9467, 10).text() == "0.89 (95% CI 0.80–0.95)"
    assert Estimate(0.75, -0.0004, 1.0, 10).text() == "0.75 (95% CI 0.00–1.00)"
    assert [verdict(a) for a in (0.85, 0.800, 0.7, 0.667, 0.5, nan)] == [
        "reliable",
        "reliable",
        "tentative",
        "tentative",
        "not reliable",
        "not estimable",
    ]

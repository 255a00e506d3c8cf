"""Founding-partner coding, shares with Wilson intervals, tests of association and trend."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.partners.coding import (
    code_partners,
    decade_bins,
    founding_periods,
    partners_skip_reason,
)
from analysis.partners.composition import (
    association_test,
    composition_keys,
    composition_numbers,
    ordinal_trend,
    shares,
    shares_table,
    trend_tests,
)


def networks(types: list[str | None], years: list[int] | None = None) -> pd.DataFrame:
    """A hand-made networks table with only the columns the coding needs."""
    years = years or [2000] * len(types)
    return pd.DataFrame(
        {
            "network_id": [f"n{i}" for i in range(len(types))],
            "name": [f"Network {i}" for i in range(len(types))],
            "founded_year": pd.array(years, dtype="Int64"),
            "founding_partner_types": pd.array(types, dtype="string"),
        }
    )


def test_coding_flags_coalitions_and_not_sourced() -> None:
    coded = code_partners(
        networks(
            [
                "city_government",
                "city_government;business",
                "local_government_association;multilateral",
                None,
                "",
                "city_government; ngo",
                "regional_government;local_government_association",
            ]
        )
    )
    assert coded["sourced"].tolist() == [True, True, True, False, False, True, True]
    assert coded["cities_only"].tolist() == [True, False, False, pd.NA, pd.NA, False, True]
    assert coded["public_private"].tolist() == [False, True, False, pd.NA, pd.NA, False, False]
    assert coded["intergovernmental"].tolist() == [False, False, True, pd.NA, pd.NA, False, False]
    assert coded["ngo"].tolist() == [False, False, False, pd.NA, pd.NA, True, False]
    assert coded["coalition"].astype(str).tolist() == [
        "cities only",
        "public–private",
        "intergovernmental",
        "not sourced",
        "not sourced",
        "other mixed",
        "cities only",
    ]
    # an unsourced network is never counted as cities only, not even as "False"
    assert coded.loc[3, "cities_only"] is pd.NA


def test_unknown_partner_type_names_row_network_and_column() -> None:
    with pytest.raises(
        ValueError, match=r"row 2 \(network n1\), column `founding_partner_types`.*'church'"
    ):
        code_partners(networks(["city_government", "city_government;church"]))


def test_shares_and_wilson_intervals_against_hand_computed_values() -> None:
    # group A: 10 sourced networks, 3 with a multilateral partner; group B: 5 sourced, none,
    # plus 2 not sourced that must stay out of the denominator
    types = ["multilateral"] * 3 + ["city_government"] * 7 + ["city_government"] * 5 + [None] * 2
    groups = pd.Categorical(["A"] * 10 + ["B"] * 7, categories=["A", "B"], ordered=True)
    result = shares(code_partners(networks(types)), groups, flags=["multilateral", "cities_only"])
    a = result[(result["group"] == "A") & (result["flag"] == "multilateral")].iloc[0]
    b = result[(result["group"] == "B") & (result["flag"] == "multilateral")].iloc[0]
    # Wilson: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n), z = 1.959964
    # A: p = 0.3, n = 10: centre 0.4920729/1.3841459 = 0.3555066, half 0.3428741/1.3841459
    # = 0.2477153
    assert (a["n"], a["count"], a["share"]) == (10, 3, 0.3)
    assert a["conf_low"] == pytest.approx(0.107791, abs=2e-6)
    assert a["conf_high"] == pytest.approx(0.603222, abs=2e-6)
    # B: p = 0, n = 5 -> centre = half = 0.384146/1.768292 = 0.217241
    assert (b["n"], b["n_unsourced"], b["count"]) == (5, 2, 0)
    assert b["conf_low"] == pytest.approx(0.0, abs=1e-12)
    assert b["conf_high"] == pytest.approx(0.434482, abs=2e-6)
    cities = result[(result["group"] == "B") & (result["flag"] == "cities_only")].iloc[0]
    assert cities["share"] == 1.0  # the 2 unsourced networks are not "cities only" nor "not"


def test_decade_bins_pool_thin_first_and_last_decades() -> None:
    years = [1913, 1935, 1951, 1962] + [1985] * 12 + [1995] * 15 + [2021] * 3
    bins = decade_bins(years, min_n=10)
    assert list(bins.categories) == ["1913–89", "1990–2021"]
    assert pd.Series(bins).value_counts(sort=False).tolist() == [16, 18]
    assert list(decade_bins([1991, 2001, 2011], min_n=1).categories) == ["1990s", "2000s", "2010s"]


def test_cochran_armitage_reproduces_agresti_textbook_example() -> None:
    # Agresti, Categorical Data Analysis (2nd ed., 2002, §3.4.5, Table 3.7; 3rd ed. 2013
    # §3.4.6): infant malformation by mother's alcohol consumption (Graubard & Korn 1987).
    # With scores (0, 0.5, 1.5, 4.0, 7.0): M² = 6.57, P = 0.01; equally spaced: M² = 1.83, P = 0.18.
    table = np.array([[48, 17066], [38, 14464], [5, 788], [1, 126], [1, 37]])
    z, p = ordinal_trend(table, [0, 0.5, 1.5, 4.0, 7.0])
    assert z**2 == pytest.approx(6.57, abs=0.005)
    assert p == pytest.approx(0.0104, abs=0.0005)
    assert z > 0  # malformation rises with consumption
    z, p = ordinal_trend(table, [1, 2, 3, 4, 5])
    assert z**2 == pytest.approx(1.83, abs=0.005)
    assert p == pytest.approx(0.18, abs=0.005)


def test_trend_tests_sign_and_holm_adjustment() -> None:
    # multilateral share rises 1/10 -> 5/10 -> 9/10 over three periods; cities only falls
    types = []
    for k in (1, 5, 9):
        types += ["multilateral"] * k + ["city_government"] * (10 - k)
    years = [1980] * 10 + [1995] * 10 + [2010] * 10
    table = networks(types, years)
    periods = founding_periods(table, [1990, 2000])
    result = trend_tests(code_partners(table), periods, years).set_index("flag")
    assert result.loc["multilateral", "z"] > 3
    assert result.loc["cities_only", "z"] == pytest.approx(-result.loc["multilateral", "z"])
    assert np.isnan(result.loc["business", "z"])  # never occurs: no test
    tested = result["p_value"].dropna()
    smallest = tested.idxmin()
    assert result.loc[smallest, "p_holm"] == pytest.approx(min(1.0, len(tested) * tested.min()))
    assert (result["p_holm"].dropna() >= tested).all()


def test_association_by_hand_and_monte_carlo_when_cells_are_sparse() -> None:
    # 10 vs 10 perfectly separated: chi² = 20, V = 1, expected counts 5 -> asymptotic
    rows = ["a"] * 10 + ["b"] * 10
    result = association_test(rows, rows, seed=1)
    assert (result.statistic, result.dof, result.cramers_v, result.monte_carlo) == (
        pytest.approx(20.0),
        1,
        pytest.approx(1.0),
        False,
    )
    # 3 vs 3: expected 1.5 -> Monte Carlo; with both margins fixed the tables have a = 0..3
    # with probabilities 1, 9, 9, 1 over 20 and chi² = 6 only at a = 0 or 3, so p = 2/20
    rows = ["a"] * 3 + ["b"] * 3
    result = association_test(rows, rows, seed=1)
    assert result.monte_carlo and result.statistic == pytest.approx(6.0)
    assert result.p_value == pytest.approx(0.10, abs=0.012)
    assert "Monte Carlo p" in result.sentence()


def test_composition_numbers_keys_and_values() -> None:
    types = ["city_government"] * 8 + ["multilateral;city_government"] * 2 + [None] * 2
    table = networks(types, [1980] * 6 + [2010] * 6)
    table["primary_theme"] = ["general", "health"] * 6
    table["region"] = ["Europe", "Global", "Africa"] * 4
    numbers = composition_numbers(table, [1990, 2000], seed=3)
    assert set(numbers) == set(composition_keys())
    assert (numbers["n_networks"], numbers["n_sourced"], numbers["n_unsourced"]) == (12, 10, 2)
    assert numbers["share_multilateral"] == "20% (95% CI 6–51%)"  # Wilson 2/10: 0.0567–0.5098
    assert numbers["period_first"] == "1980–1989" and numbers["period_last"] == "2000–"
    assert numbers["first_cities_only"] == "100%"


def test_shares_table_is_a_pipe_table_with_caption() -> None:
    table = networks(["city_government", "multilateral", None], [1980, 1995, 2005])
    text = shares_table(code_partners(table), founding_periods(table, [1990, 2000]))
    lines = text.splitlines()
    assert lines[0] == "| Founding partner | 1980–1989 | 1990–1999 | 2000– | All |"
    assert lines[-1].startswith(": ") and lines[-1].endswith("{#tbl-partner-shares}")
    not_sourced = next(line for line in lines if line.startswith("| Partners not sourced"))
    assert not_sourced.endswith("| 0 | 0 | 1 | 1 |")


def test_skip_reason_when_partner_types_absent_or_empty() -> None:
    table = networks(["city_government"])
    assert partners_skip_reason(table) is None
    assert "founding_partner_types" in partners_skip_reason(
        table.drop(columns="founding_partner_types")
    )
    table["founding_partner_types"] = pd.array([pd.NA], dtype="string")
    assert "founding-partner analysis was skipped" in partners_skip_reason(table)


def test_partner_vocabulary_is_the_data_packages() -> None:
    """One source of truth: the display order here must list exactly the schema's vocabulary."""
    import json
    from pathlib import Path

    from analysis.partners.coding import PARTNER_COLUMN, PARTNER_TYPES

    package = json.loads((Path(__file__).resolve().parents[1] / "data/datapackage.json").read_text())
    fields = {f["name"]: f for r in package["resources"] for f in r.get("schema", {}).get("fields", [])}
    assert sorted(PARTNER_TYPES) == sorted(fields[PARTNER_COLUMN]["x-list-enum"])

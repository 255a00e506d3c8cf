"""Dissolution models on hand-built fixtures: network-years, survival curves, model API, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.common.contract import TIDY_COLUMNS, read_model, write_model, write_numbers
from analysis.common.wording import format_ratio
from analysis.survival.curves import (
    curve_value,
    median_survival,
    plot_survival_curves,
    survival_curves,
)
from analysis.survival.findings import (
    dissolution_numbers,
    dissolution_table,
    number_keys,
    skipped_numbers,
    skipped_table,
)
from analysis.survival.models import (
    MODEL_SPECS,
    dissolution_skip_reason,
    fit_dissolution_models,
    fit_piecewise_exponential,
    skipped_model,
)
from analysis.survival.spells import end_counts, network_years

ROOT = Path(__file__).resolve().parents[1]
CENSUS = 2000


def networks(rows: list[tuple]) -> pd.DataFrame:
    """A networks table in the validated types from (id, founded, status, end, last_evidence)."""
    frame = pd.DataFrame(
        rows, columns=["network_id", "founded_year", "status", "end_year", "last_evidence_year"]
    )
    for column in ("founded_year", "end_year", "last_evidence_year"):
        frame[column] = frame[column].astype("Int64")
    frame["status"] = frame["status"].astype("string")
    frame["name"] = frame["network_id"]
    return frame


# A: active, last seen 1998 (censored there, alive in density until the census)
# B: dissolved in 1995
# C: merged, end year unknown, last seen 1996 -> ended in (1996, 2000]
HAND = networks(
    [
        ("A", 1990, "active", None, 1998),
        ("B", 1992, "dissolved", 1995, None),
        ("C", 1994, "merged", None, 1996),
    ]
)


def test_network_years_on_three_hand_built_networks() -> None:
    years = network_years(HAND, CENSUS, [0, 5])
    by = {k: g.reset_index(drop=True) for k, g in years.groupby("network_id")}
    # at risk from the year after founding to the exit (or censoring) year
    assert by["A"]["year"].tolist() == list(range(1991, 1999))
    assert by["B"]["year"].tolist() == [1993, 1994, 1995]
    assert by["C"]["year"].tolist() == [1995, 1996, 1997]  # earliest end: 1996 + 1
    assert len(years) == 14
    assert years["exposure"].sum() == 14.0
    # events only in the exit row, by end type
    assert years.loc[years["dissolved"] == 1, ["network_id", "year"]].values.tolist() == [
        ["B", 1995]
    ]
    assert years.loc[years["merged"] == 1, ["network_id", "year"]].values.tolist() == [["C", 1997]]
    assert years["ended"].sum() == 2
    # N_t at the start of each year: A from 1991, B during 1993-95, C during 1995-97
    assert (by["A"]["density"] * 100).round().tolist() == [1, 1, 2, 2, 3, 2, 2, 1]
    assert (by["B"]["density"] * 100).round().tolist() == [2, 2, 3]
    assert (by["C"]["density"] * 100).round().tolist() == [3, 2, 2]
    # density at founding: A first, B after A, C after A and B
    founding = years.groupby("network_id")["density_founding"].first() * 100
    assert founding.round().to_dict() == {"A": 0, "B": 1, "C": 2}
    assert by["A"]["age"].tolist() == list(range(1, 9))
    assert by["A"]["age_piece"].tolist() == [0, 0, 0, 0, 5, 5, 5, 5]
    assert (years["age_stop"] - years["age_start"]).eq(1).all()
    assert years["interval_censored"].groupby(years["network_id"]).first().to_dict() == {
        "A": False,
        "B": False,
        "C": True,
    }


@pytest.mark.parametrize(
    ("rule", "c_years", "c_density"),
    [
        ("earliest", [1995, 1996, 1997], [3, 2, 2]),
        ("midpoint", [1995, 1996, 1997, 1998], [3, 2, 2, 2]),  # (1997 + 2000) // 2
        ("latest", [1995, 1996, 1997, 1998, 1999, 2000], [3, 2, 2, 2, 2, 2]),
    ],
)
def test_unknown_end_years_are_placed_by_the_rule_never_dropped(
    rule: str, c_years: list[int], c_density: list[int]
) -> None:
    years = network_years(HAND, CENSUS, [0, 5], end_rule=rule)
    c = years[years["network_id"] == "C"]
    assert c["year"].tolist() == c_years
    assert c["merged"].tolist() == [0] * (len(c_years) - 1) + [1]
    assert (c["density"] * 100).round().tolist() == c_density
    assert years["ended"].sum() == 2


def test_end_counts_say_how_each_network_is_handled() -> None:
    extra = networks([("D", 2000, "active", None, None), ("E", 1996, "dissolved", 1996, None)])
    counts = end_counts(pd.concat([HAND, extra], ignore_index=True), CENSUS)
    assert counts == {
        "n_networks": 5,
        "n_network_years": 14 + 0 + 1,
        "n_ended": 3,
        "n_dissolved": 2,
        "n_merged": 1,
        "n_end_year_known": 2,
        "n_interval_censored": 1,
        "n_interval_censored_dissolved": 0,
        "n_interval_censored_merged": 1,
        "n_active_at_census": 1,
        "n_censored_before_census": 1,
        "n_no_time_at_risk": 1,
    }


def test_an_end_in_the_founding_year_counts_in_the_first_year_at_risk() -> None:
    years = network_years(networks([("E", 1996, "dissolved", 1996, None)]), CENSUS, [0])
    assert years[["year", "age", "dissolved"]].values.tolist() == [[1997, 1, 1]]


def test_age_pieces_must_start_at_zero() -> None:
    with pytest.raises(ValueError, match="start at 0"):
        network_years(HAND, CENSUS, [5, 10])


# --------------------------------------------------------------------------- survival curves

# durations (age at end or censoring) 2, 10, 5, 2, 3; ends: dissolved, -, merged, -, dissolved
CURVE_FIXTURE = networks(
    [
        ("n1", 2000, "dissolved", 2002, None),
        ("n2", 2000, "active", None, None),
        ("n3", 2000, "merged", 2005, None),
        ("n4", 2004, "active", None, 2006),
        ("n5", 2001, "dissolved", 2004, None),
    ]
)


def test_kaplan_meier_and_cumulative_incidence_match_the_product_limit_by_hand() -> None:
    curves = survival_curves(CURVE_FIXTURE, 2010, seed=1)

    def at(curve: str, measure: str, age: int) -> float:
        return float(curve_value(curves, curve, measure, age)["estimate"])

    any_end = "any end (dissolution or merger)"
    # age 2: 5 at risk, 1 end (the censoring at 2 counts as at risk) -> 4/5
    assert at(any_end, "survival", 1) == 1.0
    assert at(any_end, "survival", 2) == pytest.approx(4 / 5)
    assert at(any_end, "survival", 3) == pytest.approx(4 / 5 * 2 / 3)
    assert at(any_end, "survival", 5) == pytest.approx(4 / 5 * 2 / 3 * 1 / 2)
    assert at(any_end, "survival", 10) == pytest.approx(4 / 15)
    # dissolution with the merger censored
    assert at("dissolution (mergers censored)", "survival", 5) == pytest.approx(4 / 5 * 2 / 3)
    # Aalen-Johansen: F_k(t) = sum S(s-) d_k(s) / n(s)
    assert at("dissolution", "cumulative incidence", 3) == pytest.approx(1 / 5 + 4 / 5 * 1 / 3)
    assert at("dissolution", "cumulative incidence", 10) == pytest.approx(1 / 5 + 4 / 5 * 1 / 3)
    assert at("merger", "cumulative incidence", 5) == pytest.approx(4 / 5 * 2 / 3 * 1 / 2)
    rows = curves[(curves["curve"] == any_end) & (curves["age"] == 3)]
    assert rows["at_risk"].tolist() == [3]
    assert (curves["conf_low"] <= curves["estimate"] + 1e-12).all()
    assert (curves["conf_high"] >= curves["estimate"] - 1e-12).all()
    # the median is 5 years, but only 2 networks were at risk then
    assert median_survival(curves, min_at_risk=1) == "5 years"
    assert median_survival(curves) == "not reached"


def test_survival_figure_is_written(tmp_path) -> None:
    curves = survival_curves(CURVE_FIXTURE, 2010, seed=1)
    plot_survival_curves(curves, tmp_path / "curves.png", min_at_risk=1)
    plot_survival_curves(
        curves.iloc[0:0], tmp_path / "skipped.png", note="Skipped: no status column."
    )
    for name in ("curves.png", "skipped.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


# --------------------------------------------------------------------------- model API


def test_a_one_flag_model_reproduces_the_crude_rate_ratio() -> None:
    """With one age piece and one 0/1 covariate the MLE is the ratio of events per exposure."""
    rng = np.random.default_rng(3)
    n = 400
    flag = rng.random(n) < 0.4
    rows = pd.DataFrame(
        {
            "network_id": np.arange(n).astype(str),
            "age": 1,
            "age_piece": 0,
            "exposure": rng.uniform(1, 20, n),
            "ended": (rng.random(n) < np.where(flag, 0.3, 0.15)).astype(int),
            "flag": flag.astype(float),
        }
    )
    fit = fit_piecewise_exponential(
        rows, ["flag"], labels={"flag": "multilateral founding partner"}
    )
    rate = rows.groupby("flag").apply(
        lambda g: g["ended"].sum() / g["exposure"].sum(), include_groups=False
    )
    term = fit.term("flag", {"flag": "multilateral founding partner"})
    assert term["estimate"] == pytest.approx(rate[1.0] / rate[0.0], rel=1e-6)
    assert fit.tidy.loc[0, "estimate"] == pytest.approx(rate[0.0], rel=1e-6)
    assert fit.tidy["term"].tolist() == ["age 1 years and over", "multilateral founding partner"]
    assert fit.glance["events"] == rows["ended"].sum()
    assert fit.glance["events_per_variable"] == rows["ended"].sum()
    assert fit.glance["converged"] is True
    assert list(fit.tidy.columns[:6]) == TIDY_COLUMNS


def test_age_pieces_without_events_are_merged_into_the_next() -> None:
    rows = pd.DataFrame(
        {
            "network_id": [str(i) for i in range(8)],
            "age": [1, 2, 6, 7, 12, 13, 30, 31],
            "age_piece": [0, 0, 5, 5, 10, 10, 20, 20],
            "exposure": 1.0,
            "ended": [0, 0, 1, 0, 1, 1, 0, 0],
        }
    )
    rows["x"] = np.arange(8.0)
    fit = fit_piecewise_exponential(rows, ["x"])
    assert fit.glance["age_pieces"] == ["age 1–9 years", "age 10 years and over"]


def test_bad_model_input_is_named() -> None:
    years = network_years(HAND, CENSUS, [0])
    with pytest.raises(ValueError, match="lack column"):
        fit_piecewise_exponential(years, ["partner_flag"])
    with pytest.raises(ValueError, match="no dissolution"):
        fit_piecewise_exponential(years.assign(dissolved=0), ["density"], event="dissolved")


# --------------------------------------------------------------------------- stage outputs


def test_skip_reason_when_status_is_missing_or_ends_are_too_few() -> None:
    assert "status" in dissolution_skip_reason(HAND.drop(columns="status"), CENSUS)
    assert "only 2 networks" in dissolution_skip_reason(HAND, CENSUS)


def test_skipped_outputs_follow_the_contract(tmp_path) -> None:
    reason = "The dissolution analysis was skipped: the networks table has no `status`."
    fit = skipped_model(reason)
    write_model(tmp_path / "m", fit.tidy, fit.glance)
    tidy, glance = read_model(tmp_path / "m")
    assert tidy.empty and glance["available"] is False and glance["skip_reason"] == reason
    write_numbers(tmp_path / "numbers.json", skipped_numbers(reason))
    written = json.loads((tmp_path / "numbers.json").read_text())
    # the brief's renderer expands every shortcode, so the skipped form has every key
    assert sorted(written) == sorted(number_keys())
    assert written["available"] is False and written["skip_reason"] == reason
    assert skipped_table(reason).rstrip().endswith("{#tbl-dissolution}")


def test_stage_numbers_and_table_on_a_synthetic_population(tmp_path) -> None:
    from analysis.growth.simulate import SimulationParams, simulate_networks

    params = SimulationParams(age_log_rates=(-3.8, -4.0, -4.2, -4.4, -4.4), phi2=0.0)
    table = simulate_networks(params, seed=11)
    ended = table.index[table["status"] != "active"]
    # three ends lose their year (interval-censored); a tenth of networks are borderline
    unknown = ended[:3]
    table.loc[unknown, "last_evidence_year"] = table.loc[unknown, "end_year"] - 2
    table.loc[unknown, "end_year"] = pd.NA
    table["borderline"] = pd.array(np.arange(len(table)) % 10 == 0, dtype="boolean")

    fits = fit_dissolution_models(table, 2025, [0, 5, 10, 20, 40])
    assert set(fits) == set(MODEL_SPECS)
    assert all(fit.available for fit in fits.values())
    assert fits["piecewise"].glance["events"] == len(ended)
    assert fits["piecewise_end_latest"].glance["events"] == len(ended)
    assert (
        fits["piecewise_no_borderline"].glance["n_networks"]
        < fits["piecewise"].glance["n_networks"]
    )
    assert fits["cox"].glance["converged"] is True

    curves = survival_curves(table, 2025, seed=1)
    numbers = dissolution_numbers(table, 2025, fits, curves)
    write_numbers(tmp_path / "numbers.json", numbers)
    assert numbers["available"] is True
    assert sorted(numbers) == sorted(number_keys())
    assert numbers["n_interval_censored"] == 3
    assert numbers["n_ended"] == len(ended) == numbers["n_dissolved"] + numbers["n_merged"]
    assert numbers["events_per_variable"] == pytest.approx(len(ended) / 2, abs=0.05)
    for key in ("robust_cox", "robust_no_borderline", "robust_end_midpoint", "robust_end_latest"):
        assert isinstance(numbers[key], bool)
    assert numbers["hr_density"].count("95% CI") == 1
    assert "per covariate" in numbers["low_events_caveat"]

    markdown = dissolution_table(fits)
    lines = markdown.strip().splitlines()
    assert lines[-1].startswith(": ") and lines[-1].endswith("{#tbl-dissolution}")
    assert sum(line.startswith("| ") for line in lines) == 1 + len(MODEL_SPECS)


@pytest.mark.parametrize("rule", ["earliest", "midpoint", "latest"])
def test_every_ended_network_of_the_census_is_an_event_under_every_rule(rule: str) -> None:
    """The real table: undated ends are placed, never dropped, whatever the rule."""
    table = pd.read_csv(ROOT / "data" / "raw" / "networks.csv")
    ended = table.loc[table["status"] != "active", "network_id"]
    undated = table.loc[(table["status"] != "active") & table["end_year"].isna(), "network_id"]
    assert len(undated) > 0
    years = network_years(table, 2025, [0, 5, 10, 20, 40], end_rule=rule)
    events = years.loc[years["ended"] == 1, "network_id"]
    assert sorted(events) == sorted(ended)
    assert set(undated) <= set(years.loc[years["interval_censored"], "network_id"])


def test_hazard_ratios_are_formatted_for_prose() -> None:
    assert format_ratio(pd.Series({"estimate": 1.354, "conf_low": 0.47, "conf_high": 12.4})) == (
        "1.35 (95% CI 0.47–12)"
    )
    assert format_ratio(pd.Series({"estimate": 78.2, "conf_low": 1e-9, "conf_high": 5e22})) == (
        "78 (95% CI <0.01–>999)"
    )

"""The growth stage end to end on a synthetic census: contract outputs, numbers, skipped form."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.common.contract import read_model, write_model, write_numbers
from analysis.growth.bootstrap import bootstrap_summary
from analysis.growth.figures import curves_table, fitted_table
from analysis.growth.findings import (
    NUMBER_KEYS,
    _break_test,
    comparison_markdown,
    growth_numbers,
    skipped_numbers,
)
from analysis.growth.foundings import lr_test
from analysis.growth.saturation import (
    bootstrap_for,
    comparison,
    contract_outputs,
    fit_all,
    headline,
    preferred,
    skip_growth,
    verdict,
)
from analysis.growth.simulate import SimulationParams, simulate_networks
from analysis.growth.trend import break_test, forecast_alive, recent_death_rate

BREAKS = [1990, 2000, 2015]
CENSUS = 2025


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    """A synthetic census with a seeded tenth of the networks flagged borderline."""
    networks = simulate_networks(SimulationParams(), 31)
    flags = np.random.default_rng(31).random(len(networks)) < 0.1
    networks["borderline"] = pd.array(flags, dtype="boolean")
    return networks


@pytest.fixture(scope="module")
def fits(census: pd.DataFrame):
    return fit_all(census, CENSUS, BREAKS)


@pytest.fixture(scope="module")
def breaks(fits) -> dict[str, float]:
    return break_test(fits.frame, fits.best_segmented(), seed=3, replicates=4)


def test_contract_outputs_round_trip(fits, breaks, tmp_path: Path) -> None:
    outputs = {
        **contract_outputs(fits, break_test=breaks),
        **contract_outputs(fits, "_no_borderline"),
    }
    assert set(outputs) == {
        "founding_poisson_trend", "founding_nb_density", "founding_logistic", "founding_gompertz",
        "founding_bass", "founding_segmented", "founding_nb_density_no_borderline",
        "founding_logistic_no_borderline", "founding_gompertz_no_borderline",
        "founding_bass_no_borderline",
    }  # fmt: skip
    for name, (tidy, glance) in outputs.items():
        write_model(tmp_path / name, tidy, glance)
    tidy, glance = read_model(tmp_path / "founding_nb_density")
    assert "density (per 100 networks)" in set(tidy["term"])
    assert glance["peak_density_ci_low"] < glance["peak_density"] < glance["peak_density_ci_high"]
    _, logistic = read_model(tmp_path / "founding_logistic")
    assert logistic["carrying_capacity_ci_low"] < logistic["carrying_capacity"]
    _, segmented = read_model(tmp_path / "founding_segmented")
    assert (
        segmented["break_year_ci_low"] <= segmented["break_year"] <= segmented["break_year_ci_high"]
    )
    assert segmented["break_p_bootstrap"] == breaks["p_bootstrap"]
    assert segmented["break_bootstrap_replicates"] == 4 and segmented["break_lr"] > 0


def test_models_share_rows_and_the_table_is_complete(fits) -> None:
    table = comparison(fits)
    assert len(table) == 11 and table["delta_aic"].min() == 0
    assert (table["aic"].diff().dropna().round(2) >= 0).all()
    markdown = comparison_markdown(table, fits)
    assert markdown.rstrip().endswith("{#tbl-foundingmodels}")
    assert markdown.count("\n|") == 1 + len(table)


def test_density_dependence_is_found_in_a_census_simulated_with_it(fits) -> None:
    h = headline(fits)
    assert h["inverted_u"] and h["peak_in_observed_range"]
    assert h["preferred_id"] == "founding_nb_density" and h["saturating"]
    assert 60 < h["peak_density"] < 180  # truth 117


def test_numbers_have_every_key_and_skipped_numbers_too(
    census: pd.DataFrame, fits, breaks, tmp_path: Path
) -> None:
    density = fits.regressions["founding_nb_density"]
    lr = lr_test(density, fits.regressions["founding_nb_controls"])[0]
    replicates = bootstrap_for(census, CENSUS, BREAKS, seed=1, shard=0, replicates=4)
    table = comparison(fits)
    _, label, model = preferred(fits, table)
    forecast = forecast_alive(
        model, fits.frame, 2035, recent_death_rate(fits.frame), seed=2, paths=200
    )
    borderline = census["borderline"].to_numpy(dtype=bool)
    numbers = growth_numbers(
        fits, bootstrap_summary(replicates, lr), breaks, forecast, label,
        recent_death_rate(fits.frame),
        fit_all(census.loc[~borderline], CENSUS, BREAKS), int(borderline.sum()),
        fit_all(census, CENSUS, BREAKS, CENSUS - 5), census, CENSUS,
    )  # fmt: skip
    assert set(numbers) == set(NUMBER_KEYS) and numbers["available"] is True
    assert numbers["bootstrap_replicates"] == 4
    assert numbers["break_test"].startswith(f"LR = {breaks['lr']:.1f}, parametric bootstrap p = ")
    assert numbers["break_test"].count("over 4 replicates") == 1
    assert numbers["forecast_year"] == 2035
    assert numbers["n_borderline"] == int(borderline.sum())
    assert numbers["borderline_verdict"].startswith(
        f"Without the {int(borderline.sum())} borderline"
    )
    write_numbers(tmp_path / "numbers.json", numbers)
    assert json.loads((tmp_path / "numbers.json").read_text())["window"] == "1914–2025"
    skipped = skipped_numbers("too few")
    assert set(skipped) == set(NUMBER_KEYS) and skipped["available"] is False


def test_break_test_sentence_says_when_p_is_at_its_floor() -> None:
    floor = {"lr": 78.61, "p_bootstrap": 0.02, "replicates": 49, "lr_null_max": 9.04}
    assert _break_test(floor) == (
        "LR = 78.6, parametric bootstrap p = 0.02 over 49 replicates, the smallest p this many "
        "replicates can give: no series simulated without a break reached it (largest LR 9.0)"
    )
    above = {**floor, "lr": 2.0, "p_bootstrap": 0.3}
    assert _break_test(above) == "LR = 2.0, parametric bootstrap p = 0.30 over 49 replicates"


def test_figure_tables_cover_the_window_and_the_forecast(fits) -> None:
    fitted = fitted_table(fits)
    assert len(fitted) == len(fits.frame) and fitted.iloc[:, 2:].notna().all().all()
    curves = curves_table(fits, 2035)
    assert curves["year"].max() == 2035 and curves["ever_founded"].iloc[0] == 1
    assert curves["ever_founded"].dropna().iloc[-1] == fits.frame["foundings"].sum() + 1


def test_verdict_names_what_changes() -> None:
    base = {"inverted_u": True, "peak_in_observed_range": True, "saturating": True}
    assert verdict(base, dict(base)) == []
    changes = verdict(base, {**base, "saturating": False, "inverted_u": False})
    assert len(changes) == 2
    assert changes[0].startswith("whether foundings follow an inverted U")
    assert changes[1] == "whether the preferred model says founding is slowing down"


def test_too_small_a_census_is_skipped_with_a_reason(census: pd.DataFrame) -> None:
    tiny = census.sort_values("founded_year").head(6)
    reason = skip_growth(tiny, CENSUS, BREAKS)
    assert reason is not None and "only 5 networks" in reason
    assert skip_growth(census, CENSUS, BREAKS) is None
    assert bootstrap_for(tiny, CENSUS, BREAKS, 1, 0, 3).empty

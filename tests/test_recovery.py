"""The recovery study: performance measures by hand, deterministic shards, table and verdict."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis.recovery import (
    ESTIMANDS,
    performance,
    recovery_numbers,
    recovery_shard,
    recovery_table,
    summarise,
)
from analysis.simulate import SimulationParams, true_values

BREAKS = [1990, 2000, 2015]


def test_performance_measures_by_hand() -> None:
    """Estimates 1, 2, 3 of truth 2 with SE 1: bias 0, empirical SE 1, RMSE sqrt(2/3); the
    Wald interval ±1.96 covers 2 every time. A NaN replicate is left out."""
    est = pd.Series([1.0, 2.0, 3.0, np.nan])
    out = performance(est, pd.Series([1.0, 1.0, 1.0, 1.0]), 2.0)
    assert out["n"] == 3
    assert out["bias"] == pytest.approx(0.0)
    assert out["empirical_se"] == pytest.approx(1.0)
    assert out["bias_mcse"] == pytest.approx(1 / math.sqrt(3))
    assert out["rmse"] == pytest.approx(math.sqrt(2 / 3))
    assert out["coverage"] == 1.0 and out["coverage_mcse"] == 0.0
    narrow = performance(est, pd.Series([0.5, 0.5, 0.5, 0.5]), 2.0)
    assert narrow["coverage"] == pytest.approx(1 / 3)
    assert narrow["coverage_mcse"] == pytest.approx(math.sqrt((1 / 3) * (2 / 3) / 3))


@pytest.fixture(scope="module")
def shards() -> list[pd.DataFrame]:
    return [recovery_shard(SimulationParams(), 5, shard, 3, BREAKS) for shard in (0, 1)]


def test_shards_are_reproducible_and_distinct(shards: list[pd.DataFrame]) -> None:
    pd.testing.assert_frame_equal(shards[1], recovery_shard(SimulationParams(), 5, 1, 3, BREAKS))
    assert not np.allclose(shards[0]["theta1"], shards[1]["theta1"])
    assert shards[0]["converged"].all()


def test_summary_table_and_numbers(shards: list[pd.DataFrame]) -> None:
    replicates = pd.concat(shards, ignore_index=True)
    summary = summarise(replicates, true_values(SimulationParams()))
    assert list(summary["estimand"]) == list(ESTIMANDS)
    assert (summary["replicates"] == 6).all()
    theta1 = summary.set_index("estimand").loc["theta1"]
    assert theta1["true"] == 6.3
    assert theta1["mean_estimate"] == pytest.approx(replicates["theta1"].mean())
    table = recovery_table(summary)
    assert table.count("\n|") == 1 + len(ESTIMANDS)  # separator row and one row per estimand
    assert table.rstrip().endswith("{#tbl-recovery}") and "synthetic" in table
    numbers = recovery_numbers(summary, replicates)
    assert numbers["replicates"] == 6 and numbers["available"] is True
    assert numbers["networks_median"] == int(replicates["n_networks"].median())


def _summary(coverage: float, bias: float) -> pd.DataFrame:
    rows = [
        {"estimand": k, "label": v, "true": 1.0, "mean_estimate": 1.0 + bias, "bias": bias,
         "bias_mcse": 0.01, "empirical_se": 0.1, "mean_model_se": 0.1, "rmse": 0.1,
         "coverage": coverage, "coverage_mcse": 0.01, "lr_power": 0.9}
        for k, v in ESTIMANDS.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_table_rounds_each_row_to_the_precision_of_its_bias_mcse() -> None:
    summary = _summary(0.9, 1.0).assign(replicates=4, converged_share=1.0)
    summary["bias_mcse"] = [0.176, 0.0043, 2.54, float("nan")]
    rows = recovery_table(summary).splitlines()[2:6]
    assert rows == [
        "| θ1 (density) | 1.00 | 2.00 | 1.00 (0.18) | 0.10 | 0.10 | 0.10 | 90% (1.0%) |",
        "| θ2 (density²) | 1.0000 | 2.0000 | 1.0000 (0.0043) | 0.1000 | 0.1000 | 0.1000 | 90% (1.0%) |",
        "| N* (peak density) | 1.0 | 2.0 | 1.0 (2.5) | 0.1 | 0.1 | 0.1 | 90% (1.0%) |",
        "| α (NB2) | 1.00 | 2.00 | 1.00 (–) | 0.10 | 0.10 | 0.10 | 90% (1.0%) |",  # MCSE unknown
    ]


def test_verdict_says_when_intervals_are_too_narrow_or_estimates_biased() -> None:
    replicates = pd.DataFrame({"n_networks": [200, 210]})
    good = recovery_numbers(_summary(0.95, 0.0), replicates)["verdict"]
    assert "little bias" in good and "as often as they should" in good
    narrow = recovery_numbers(_summary(0.80, 0.0), replicates)["verdict"]
    assert "too narrow" in narrow and "80%" in narrow
    assert "biased for θ1, θ2" in recovery_numbers(_summary(0.95, 0.5), replicates)["verdict"]

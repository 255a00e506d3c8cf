"""Snakemake step: performance of the founding model in the recovery study (S1) and the size
and power of the density test and inverted-U claim per scenario; tables for the brief."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_numbers
from analysis.growth.recovery import SCENARIOS, scenario_summary, summarise
from analysis.growth.recovery_findings import (
    recovery_numbers,
    recovery_table,
    scenario_numbers,
    scenarios_table,
)
from analysis.growth.simulate import true_values

sys.stderr = open(snakemake.log[0], "w", buffering=1)

out = snakemake.output
replicates = pd.concat([pd.read_csv(path) for path in snakemake.input.shards], ignore_index=True)
density_dependent = replicates.loc[replicates["scenario"] == "S1"]
summary = summarise(density_dependent, true_values(SCENARIOS["S1"].params))
scenarios = scenario_summary(replicates)
bootstrap = int(replicates["bootstrap"].max())
summary.to_csv(out.summary, index=False)
scenarios.to_csv(out.scenarios_summary, index=False)
Path(out.table).write_text(recovery_table(summary))
Path(out.scenarios).write_text(scenarios_table(scenarios, bootstrap))
write_numbers(
    out.numbers,
    {**recovery_numbers(summary, density_dependent), **scenario_numbers(scenarios, bootstrap)},
)

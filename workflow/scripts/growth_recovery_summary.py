"""Snakemake step: performance of the founding model in the recovery study, table for the brief."""

import sys
from pathlib import Path

import pandas as pd

from analysis.contract import write_numbers
from analysis.recovery import recovery_numbers, recovery_table, summarise
from analysis.simulate import SimulationParams, true_values

sys.stderr = open(snakemake.log[0], "w", buffering=1)

replicates = pd.concat([pd.read_csv(path) for path in snakemake.input.shards], ignore_index=True)
summary = summarise(replicates, true_values(SimulationParams()))
summary.to_csv(snakemake.output.summary, index=False)
Path(snakemake.output.table).write_text(recovery_table(summary))
write_numbers(snakemake.output.numbers, recovery_numbers(summary, replicates))

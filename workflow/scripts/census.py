"""Snakemake step: describe the census (yearly frame, numbers, two figures)."""

import sys

import pandas as pd

from analysis.census.describe import alive_in, census_numbers, plot_alive, plot_foundings
from analysis.census.population import yearly_frame
from analysis.common.contract import write_numbers

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
year, breaks = snakemake.params.census_year, snakemake.params.period_breaks
frame = yearly_frame(networks, year, breaks)
frame.to_csv(snakemake.output.yearly, index=False)
plot_foundings(frame, snakemake.output.foundings)
plot_alive(frame, alive_in(networks, year, frame["year"].tolist()), snakemake.output.alive)
write_numbers(snakemake.output.numbers, census_numbers(networks, year, breaks))

"""Snakemake step: the two growth figures (fitted foundings; networks alive and forecast)."""

import json
import sys

import numpy as np
import pandas as pd

from analysis.census.describe import alive_in
from analysis.growth.figures import plot_alive_forecast, plot_foundings_fitted, plot_skipped

sys.stderr = open(snakemake.log[0], "w", buffering=1)

census_year = snakemake.params.census_year
numbers = json.loads(open(snakemake.input.numbers, encoding="utf-8").read())
if not numbers["available"]:
    for path in snakemake.output:
        plot_skipped(path, numbers["skip_reason"])
    sys.exit(0)

networks = pd.read_parquet(snakemake.input.networks)
curves = pd.read_csv(snakemake.input.curves)
alive = alive_in(
    networks, census_year, np.arange(int(curves["year"].min()), census_year + 1).tolist()
)
plot_foundings_fitted(pd.read_csv(snakemake.input.fitted), snakemake.output.foundings)
plot_alive_forecast(
    alive, curves, pd.read_csv(snakemake.input.forecast), census_year, snakemake.output.forecast
)

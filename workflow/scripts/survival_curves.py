"""Snakemake step: Kaplan-Meier and cumulative-incidence curves of network survival by age."""

import sys

import pandas as pd

from analysis.survival.curves import CURVE_COLUMNS, plot_survival_curves, survival_curves
from analysis.survival.models import dissolution_skip_reason

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
year = snakemake.params.census_year
reason = dissolution_skip_reason(networks, year)
if reason is None:
    curves = survival_curves(networks, year, snakemake.params.seed)
    plot_survival_curves(curves, snakemake.output.figure)
else:
    curves = pd.DataFrame(columns=CURVE_COLUMNS)
    plot_survival_curves(curves, snakemake.output.figure, note=reason)
curves.to_csv(snakemake.output.curves, index=False)

"""Snakemake step: one shard of the parametric bootstrap of the founding density model."""

import sys

import pandas as pd

from analysis.growth.saturation import bootstrap_for

sys.stderr = open(snakemake.log[0], "w", buffering=1)

p = snakemake.params
networks = pd.read_parquet(snakemake.input.networks)
shard = bootstrap_for(
    networks, p.census_year, p.period_breaks, p.seed, int(snakemake.wildcards.shard), p.replicates
)
shard.to_csv(snakemake.output[0], index=False)

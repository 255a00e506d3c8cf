"""Snakemake step: combine shard CSVs in shard order (same rows however the shards ran)."""

import sys

import pandas as pd

sys.stderr = open(snakemake.log[0], "w", buffering=1)

shards = [pd.read_csv(path) for path in snakemake.input.shards]
combined = pd.concat(shards, ignore_index=True)
if not combined.empty:
    combined = combined.sort_values(["shard", "replicate"], kind="stable")
combined.to_csv(snakemake.output[0], index=False)

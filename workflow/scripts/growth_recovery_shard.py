"""Snakemake step: one shard of the recovery study, every scenario (synthetic populations)."""

import sys

from analysis.growth.recovery import recovery_shard

sys.stderr = open(snakemake.log[0], "w", buffering=1)

p = snakemake.params
shard = recovery_shard(
    p.seed, int(snakemake.wildcards.shard), p.replicates, p.period_breaks, p.bootstrap
)
shard.to_csv(snakemake.output[0], index=False)

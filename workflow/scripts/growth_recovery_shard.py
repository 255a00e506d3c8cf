"""Snakemake step: one shard of the parameter-recovery study (synthetic populations)."""

import sys

from analysis.recovery import recovery_shard
from analysis.simulate import SimulationParams

sys.stderr = open(snakemake.log[0], "w", buffering=1)

p = snakemake.params
shard = recovery_shard(
    SimulationParams(), p.seed, int(snakemake.wildcards.shard), p.replicates, p.period_breaks
)
shard.to_csv(snakemake.output[0], index=False)

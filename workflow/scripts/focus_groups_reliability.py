"""Snakemake step: inter-coder reliability per code (alpha, kappa, bootstrap CIs over segments)."""

import json
import sys
from pathlib import Path

from analysis.focus_groups.corpus import load_processed, step_seed
from analysis.focus_groups.reliability import (
    BOOTSTRAP_REPLICATES,
    reliability_markdown,
    reliability_numbers,
    reliability_table,
)

sys.stderr = open(snakemake.log[0], "w", buffering=1)

out = snakemake.output
codebook, corpus, synthetic = load_processed(
    snakemake.input.codebook, snakemake.input.provenance
)

table = reliability_table(
    corpus, BOOTSTRAP_REPLICATES, step_seed(snakemake.params.seed, "reliability")
)
table.to_csv(out.tidy, index=False)
Path(out.table).write_text(reliability_markdown(table, codebook, synthetic), encoding="utf-8")
numbers = reliability_numbers(table, len(codebook.code_ids))
Path(out.numbers).write_text(json.dumps(numbers, indent=2, ensure_ascii=False), encoding="utf-8")

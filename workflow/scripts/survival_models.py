"""Snakemake step: hazard models of networks ending, the robustness table and numbers.json."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_model, write_numbers
from analysis.survival.findings import (
    dissolution_numbers,
    dissolution_table,
    skipped_numbers,
    skipped_table,
)
from analysis.survival.models import dissolution_skip_reason, fit_dissolution_models, skipped_model

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
params = snakemake.params
reason = dissolution_skip_reason(networks, params.census_year)
if reason is None:
    fits = fit_dissolution_models(networks, params.census_year, params.age_pieces, params.models)
    curves = pd.read_csv(snakemake.input.curves)
    table = dissolution_table(fits)
    numbers = dissolution_numbers(networks, params.census_year, fits, curves)
else:
    fits = {name: skipped_model(reason) for name in params.models}
    table, numbers = skipped_table(reason), skipped_numbers(reason)

for name, tidy in zip(params.models, snakemake.output.tidy):
    write_model(Path(tidy).parent, fits[name].tidy, fits[name].glance)
Path(snakemake.output.table).parent.mkdir(parents=True, exist_ok=True)
Path(snakemake.output.table).write_text(table, encoding="utf-8")
write_numbers(snakemake.output.numbers, numbers)

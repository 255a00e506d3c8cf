"""Snakemake step: hazard of a network ending with one founding-partner flag as covariate."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_model
from analysis.partners.models import fit_partner_dissolution

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
params = snakemake.params
tidy, glance = fit_partner_dissolution(
    networks, params.census_year, params.age_pieces, snakemake.wildcards.partner_hazard
)
write_model(Path(snakemake.output.tidy).parent, tidy, glance)

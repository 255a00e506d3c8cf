"""Snakemake step: negative binomial model of member counts on age and partner flags."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_model
from analysis.partners.models import fit_member_nb

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
tidy, glance = fit_member_nb(networks, snakemake.params.census_year)
write_model(Path(snakemake.output.tidy).parent, tidy, glance)

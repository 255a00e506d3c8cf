"""Snakemake step: the logit of one founding-partner flag (Firth-penalised where sparse)."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_model
from analysis.partners.models import fit_partner_logit

sys.stderr = open(snakemake.log[0], "w", buffering=1)

networks = pd.read_parquet(snakemake.input.networks)
tidy, glance = fit_partner_logit(networks, snakemake.wildcards.partner_logit)
write_model(Path(snakemake.output.tidy).parent, tidy, glance)

"""Snakemake step: the partners stage's numbers, table and figures (skipped form if no data)."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import read_model, write_numbers
from analysis.partners.coding import (
    code_partners,
    decade_bins,
    founding_periods,
    partners_skip_reason,
)
from analysis.partners.composition import shares, shares_table, skipped_table
from analysis.partners.figures import plot_share_panels, plot_skipped
from analysis.partners.findings import (
    effect_panels,
    partner_numbers,
    plot_partner_effects,
    skipped_partner_numbers,
)

sys.stderr = open(snakemake.log[0], "w", buffering=1)


def models(paths: list[str], prefix: str) -> dict:
    """Models read back through the contract, keyed by what follows ``prefix`` in the folder."""
    return {Path(p).parent.name.removeprefix(prefix): read_model(Path(p).parent) for p in paths}


networks = pd.read_parquet(snakemake.input.networks)
out, params = snakemake.output, snakemake.params
logits = models(snakemake.input.logits, "partners_logit_")
members = read_model(Path(snakemake.input.members).parent)
hazards = models(snakemake.input.hazards, "partners_dissolution_")
reason = partners_skip_reason(networks)
if reason is not None:
    numbers = skipped_partner_numbers(reason, len(networks), list(logits), list(hazards))
    write_numbers(out.numbers, numbers)
    Path(out.table).write_text(skipped_table(reason), encoding="utf-8")
    for figure in (out.by_period, out.by_decade, out.effects):
        plot_skipped(figure, reason)
else:
    numbers = partner_numbers(networks, params.period_breaks, params.seed, logits, members, hazards)
    write_numbers(out.numbers, numbers)
    coded, periods = code_partners(networks), founding_periods(networks, params.period_breaks)
    Path(out.table).write_text(shares_table(coded, periods), encoding="utf-8")
    plot_share_panels(shares(coded, periods), out.by_period, "Founding period")
    decades = decade_bins(networks["founded_year"].astype(int))
    plot_share_panels(shares(coded, decades), out.by_decade, "Founding decade")
    plot_partner_effects(effect_panels(logits, members, hazards), out.effects)

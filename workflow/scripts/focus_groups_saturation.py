"""Snakemake step: new codes per additional session, Guest et al. ratios, order envelope."""

import json
import sys
from pathlib import Path

from analysis.focus_groups.corpus import load_processed, step_seed
from analysis.focus_groups.figures import plot_saturation
from analysis.focus_groups.saturation import (
    SATURATION_ORDERS,
    codes_by_session,
    guest_ratios,
    saturation_curve,
    saturation_envelope,
    saturation_numbers,
    session_order,
)

sys.stderr = open(snakemake.log[0], "w", buffering=1)

out = snakemake.output
codebook, corpus, synthetic = load_processed(
    snakemake.input.codebook, snakemake.input.provenance
)

order = session_order(corpus)
sets = codes_by_session(corpus)
code_sets = [sets[s] for s in order]
curve = saturation_curve(code_sets).assign(session_id=order)
ratios = guest_ratios(curve["cumulative_codes"].tolist())
seed = step_seed(snakemake.params.seed, "saturation")
envelope, share = saturation_envelope(code_sets, SATURATION_ORDERS, seed)
curve.merge(envelope, on="position").to_csv(out.curve, index=False)
ratios.to_csv(out.ratios, index=False)
plot_saturation(curve, envelope, len(codebook.code_ids), out.figure, synthetic)
numbers = saturation_numbers(curve, ratios, share, SATURATION_ORDERS, len(codebook.code_ids))
Path(out.numbers).write_text(json.dumps(numbers, indent=2, ensure_ascii=False), encoding="utf-8")

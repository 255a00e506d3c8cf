"""The partners stage end to end on a table without founding partners: skipped, not failed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tools.workflow_copy import ROOT, copy_workflow, snakemake

TARGETS = [
    "results/partners/numbers.json",
    "results/partners/tables/partner_shares.md",
    "results/partners/figures/shares_by_period.png",
    "results/partners/figures/shares_by_decade.png",
    "results/partners/figures/partner_effects.png",
]


@pytest.mark.workflow
def test_stage_writes_every_output_in_skipped_form_without_partner_columns(tmp_path: Path) -> None:
    with (ROOT / "data/raw/networks.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    columns = [c for c in rows[0] if c not in ("founding_partners", "founding_partner_types")]
    table = tmp_path / "networks.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    workdir = copy_workflow(tmp_path / "wf", table)

    result = snakemake(workdir, *TARGETS)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    numbers = json.loads((workdir / TARGETS[0]).read_text(encoding="utf-8"))
    assert numbers["available"] is False
    assert "founding_partner_types" in numbers["skip_reason"]
    assert numbers["n_networks"] == len(rows)
    assert numbers["share_multilateral"] == "not available"
    table_text = (workdir / TARGETS[1]).read_text(encoding="utf-8")
    assert table_text.rstrip().endswith("{#tbl-partner-shares}") and "skipped" in table_text
    for figure in TARGETS[2:]:
        assert (workdir / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    glance = json.loads(
        (workdir / "results/models/partners_logit_multilateral/glance.json").read_text()
    )
    assert glance["available"] is False

"""The workflow as a user runs it: dry run, end to end on a small fixture, no-op rerun, bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tools.workflow_copy import FAST, ROOT, copy_workflow, snakemake

FIXTURES = ROOT / "tests" / "fixtures" / "networks"


def test_dry_run_of_the_whole_dag() -> None:
    """The real repository's DAG resolves: every rule, input and output is wired."""
    result = snakemake(ROOT, "-n", "--forceall", "--quiet", "rules")
    assert result.returncode == 0, result.stderr
    for rule in ("validate_networks", "census", "brief_meta", "render_brief"):
        assert rule in result.stdout + result.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow built end to end on the small fixture table."""
    workdir = copy_workflow(tmp_path_factory.mktemp("wf"), FIXTURES / "small.csv")
    result = snakemake(workdir, *FAST)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir


@pytest.mark.workflow
def test_end_to_end_brief_quotes_the_fixture_numbers(built: Path) -> None:
    html = (built / "reports/brief.html").read_text(encoding="utf-8")
    pdf = built / "reports/brief.pdf"
    assert pdf.read_bytes()[:4] == b"%PDF"
    numbers = json.loads((built / "results/census/numbers.json").read_text())
    n_rows = len(pd.read_csv(FIXTURES / "small.csv"))
    assert numbers["n_networks"] == n_rows
    text = re.sub(r"<[^>]+>", " ", html)
    assert f"counts {n_rows} institutionalised city networks" in " ".join(text.split())
    meta = yaml.safe_load((built / "results/brief/meta.yml").read_text())
    assert meta["census_n_networks"] == str(n_rows)
    assert "{{<" not in html, "a shortcode was left unexpanded"


@pytest.mark.workflow
def test_second_run_does_nothing(built: Path) -> None:
    result = snakemake(built, *FAST, "-n")
    assert result.returncode == 0, result.stderr
    assert "Nothing to be done" in result.stdout + result.stderr


@pytest.mark.workflow
def test_bad_input_stops_and_keeps_the_last_brief(built: Path) -> None:
    brief = built / "reports/brief.html"
    before = brief.read_bytes()
    raw = built / "data/raw/networks.csv"
    good = raw.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(good)))
    rows[2][rows[0].index("founded_year")] = "19x5"  # spreadsheet row 3
    with raw.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    try:
        result = snakemake(built, *FAST)
    finally:
        raw.write_text(good, encoding="utf-8")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "networks.csv" in output and "row 3" in output and "founded_year" in output
    assert "19x5" in output
    assert brief.read_bytes() == before

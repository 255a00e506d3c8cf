"""The focus-group rules on a user's own corpus: config alone swaps it in; bad data and leaks stop.

Runs Snakemake in a copy of the workflow with ``focus_groups.source: data`` pointing at the
hand-made fixture corpus (tests/fixtures/focus_groups).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tools.workflow_copy import ROOT, copy_workflow, snakemake

FIXTURE = ROOT / "tests" / "fixtures" / "focus_groups"
TARGET = "results/focus_groups/privacy_check.txt"
# what a user changes in config/config.yaml (as an overlay file: nested --config values would
# arrive as strings)
USER_CONFIG = {
    "focus_groups": {
        "source": "data",
        "dir": "corpus",
        "synthetic": {"sessions": 6, "participants_per_session": 7, "disagreement_rate": 0.1},
    }
}
DATA = ["--configfile", "config/config.yaml", "config/focus_groups_data.yaml"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = copy_workflow(tmp_path_factory.mktemp("fg"))
    shutil.copytree(FIXTURE, workdir / "corpus")
    (workdir / "config/focus_groups_data.yaml").write_text(
        yaml.safe_dump(USER_CONFIG), encoding="utf-8"
    )
    result = snakemake(workdir, TARGET, *DATA)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir


@pytest.mark.workflow
def test_a_users_corpus_replaces_the_synthetic_one_by_config_alone(built: Path) -> None:
    numbers = json.loads((built / "results/focus_groups/numbers.json").read_text(encoding="utf-8"))
    assert numbers["synthetic"] is False and numbers["source"] == "data"
    assert (numbers["n_sessions"], numbers["n_participants"], numbers["n_segments"]) == (3, 6, 8)
    assert numbers["codebook_version"] == "0.1-test" and numbers["n_codes"] == 4
    assert numbers["saturation_base"] == 2 and numbers["lowest_alpha_code"] == "overlap"
    quotes = (built / "results/focus_groups/tables/quotes.md").read_text(encoding="utf-8")
    assert "The network label gives our health department a mandate at home." in quotes
    assert "SYNTHETIC" not in quotes
    codes = pd.read_csv(built / "results/focus_groups/code_frequencies.csv")
    assert codes.set_index("code_id")["segments"].to_dict() == {
        "invest": 3,
        "legit": 2,
        "overlap": 3,
        "staff": 2,
    }
    check = (built / TARGET).read_text(encoding="utf-8")
    assert check.startswith("Privacy check of the focus-group outputs: passed.")
    assert "reports/_focus_groups.qmd" in check


@pytest.mark.workflow
def test_bad_corpus_stops_with_located_message_and_keeps_outputs(built: Path) -> None:
    codings = built / "corpus/codings.csv"
    good = codings.read_text(encoding="utf-8")
    numbers = (built / "results/focus_groups/numbers.json").read_bytes()
    codings.write_text(good.replace("S1-3,A,overlap", "S1-3,A,overlapping"), encoding="utf-8")
    try:
        result = snakemake(built, TARGET, *DATA)
    finally:
        codings.write_text(good, encoding="utf-8")
    output = result.stdout + result.stderr + _logs(built)
    assert result.returncode != 0
    assert "codings.csv, row 5, column 'code': value 'overlapping' is not a code" in output
    assert (built / "results/focus_groups/numbers.json").read_bytes() == numbers


@pytest.mark.workflow
def test_planted_email_in_a_quote_fails_the_privacy_check(built: Path) -> None:
    segments = built / "corpus/segments.csv"
    good = segments.read_text(encoding="utf-8")
    # S1-2 stays the shortest turn that qualifies, so it is the theme's quote
    leaky = good.replace(
        "The network label gives our health department a mandate at home.",
        "The label gives our department a mandate: x.y@city.example.org",
    )
    assert leaky != good
    segments.write_text(leaky, encoding="utf-8")
    try:
        result = snakemake(built, TARGET, *DATA)
    finally:
        segments.write_text(good, encoding="utf-8")
    output = result.stdout + result.stderr + _logs(built)
    assert result.returncode != 0
    assert (
        "results/focus_groups/tables/quotes.md, line 3: e-mail address 'x.y@city.example.org'"
        in output
    )
    assert not (built / TARGET).exists()
    # the leaky table is removed from results/, the clean ones stay
    assert not (built / "results/focus_groups/tables/quotes.md").exists()
    assert (built / "results/focus_groups/tables/reliability.md").exists()


def _logs(workdir: Path) -> str:
    return "".join(
        p.read_text(encoding="utf-8") for p in (workdir / "logs").glob("focus_groups_*.log")
    )

"""Fixtures shared by several test modules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.workflow_copy import copy_workflow, snakemake

# few bootstrap and recovery replicates: the brief's layout and sources are the same, only the
# Monte Carlo numbers are rougher (a config file, because nested --config values arrive as strings)
FAST_CONFIG = {
    "growth": {
        "forecast_to": 2035,
        "bootstrap_shards": 2,
        "bootstrap_per_shard": 5,
        "recovery_shards": 2,
        "recovery_per_shard": 2,
    }
}


@pytest.fixture(scope="session")
def real_brief(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow built end to end on the real census, once per test session.

    Returns the copy's root: reports/brief.{html,pdf}, results/ and data/processed/ as a user's
    build would have them (the developer's own results are never touched).
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("real_brief"))
    (workdir / "config/fast.yaml").write_text(yaml.safe_dump(FAST_CONFIG), encoding="utf-8")
    result = snakemake(workdir, "--configfile", "config/config.yaml", "config/fast.yaml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir

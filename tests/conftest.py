"""Fixtures shared by several test modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.workflow_copy import FAST, copy_workflow, snakemake



@pytest.fixture(scope="session")
def real_brief(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the workflow built end to end on the real census, once per test session.

    Returns the copy's root: reports/brief.{html,pdf}, results/ and data/processed/ as a user's
    build would have them (the developer's own results are never touched).
    """
    workdir = copy_workflow(tmp_path_factory.mktemp("real_brief"))
    result = snakemake(workdir, *FAST)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir

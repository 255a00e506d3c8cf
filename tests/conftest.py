"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
from pathlib import Path

# One BLAS thread per process, as Snakemake gives its jobs: on a busy two-core machine threaded
# BLAS makes the count-model fits many times slower. Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest  # noqa: E402

from tools.workflow_copy import FAST, copy_workflow, snakemake  # noqa: E402


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

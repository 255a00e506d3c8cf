"""A fresh copy of the workflow in a temporary folder, as a user's clone would have it.

End-to-end tests run Snakemake there so they never touch the developer's results.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
PARTS = ["Snakefile", "_quarto.yml", "analysis", "workflow", "config", "reports", "profiles", "envs", "data/datapackage.json", "data/raw"]
IGNORE = shutil.ignore_patterns("brief.html", "brief.pdf", ".quarto", "__pycache__")


def copy_workflow(dest: Path, networks_csv: Path | None = None) -> Path:
    """Copy the workflow's sources to ``dest``; optionally replace the networks table."""
    for part in PARTS:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=IGNORE)
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    if networks_csv is not None:
        target = dest / "data/raw/networks.csv"
        target.chmod(0o644)
        shutil.copy(networks_csv, target)
    return dest


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Snakemake in ``workdir`` with this interpreter's installation."""
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )

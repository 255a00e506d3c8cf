"""A fresh copy of the workflow in a temporary folder, as a user's clone would have it.

End-to-end tests run Snakemake there so they never touch the developer's results.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]  # the repository
PARTS = ["Snakefile", "_quarto.yml", "analysis", "workflow", "config", "reports", "profiles", "envs", "data/datapackage.json", "data/raw"]
#: A fast configuration overlay, written into every copy as config/fast.yaml: few bootstrap and
#: recovery replicates, so the same layout and sources with rougher Monte Carlo numbers (a file,
#: because nested --config values would arrive as strings). Pass ``*FAST`` to use it.
FAST_CONFIG = {
    "growth": {
        "forecast_to": 2035,
        "bootstrap_shards": 2,
        "bootstrap_per_shard": 5,
        "recovery_shards": 2,
        "recovery_per_shard": 2,
        "recovery_bootstrap": 4,
        "break_bootstrap": 9,
    }
}
FAST = ["--configfile", "config/config.yaml", "config/fast.yaml"]
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
    (dest / "config/fast.yaml").write_text(yaml.safe_dump(FAST_CONFIG), encoding="utf-8")
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

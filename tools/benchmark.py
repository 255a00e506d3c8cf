"""Time the workflow as a user meets it: cold build, no-op rerun, brief-only re-render.

Runs on a fresh copy of the workflow in a temporary folder (your results are untouched) and
prints the three wall-clock times, then the per-rule times Snakemake recorded in
``benchmarks/``, including the growth stage and the bootstrap per replicate.

    python tools/benchmark.py [--keep]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.workflow_copy import ROOT, copy_workflow, snakemake  # noqa: E402


def timed(workdir: Path, *args: str) -> float:
    """Seconds one Snakemake invocation takes; fails loudly if it fails."""
    start = time.perf_counter()
    result = snakemake(workdir, *args)
    if result.returncode != 0:
        raise SystemExit(result.stdout[-2000:] + result.stderr[-4000:])
    return time.perf_counter() - start


def rule_times(workdir: Path) -> pd.DataFrame:
    """Seconds per rule (summed over wildcards) from Snakemake's benchmark files."""
    rows = []
    for tsv in sorted((workdir / "benchmarks").rglob("*.tsv")):
        seconds = float(pd.read_csv(tsv, sep="\t")["s"].iloc[0])
        rows.append({"rule": tsv.relative_to(workdir / "benchmarks").with_suffix("").as_posix(), "s": seconds})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="citydiplomacy-bench-"))
    copy_workflow(workdir)
    cold = timed(workdir)
    noop = timed(workdir)
    (workdir / "reports/brief.qmd").touch()
    rerender = timed(workdir)

    print(f"cold build            {cold:8.1f} s")
    print(f"no-op rerun           {noop:8.1f} s")
    print(f"brief-only re-render  {rerender:8.1f} s")
    times = rule_times(workdir)
    growth = times[times["rule"].str.startswith("growth")]
    print(f"growth stage (sum)    {growth['s'].sum():8.1f} s")
    config = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    shards = times[times["rule"].str.startswith("growth_bootstrap_shard")]
    if not shards.empty:
        per = shards["s"].sum() / (len(shards) * config["growth"]["bootstrap_per_shard"])
        print(f"bootstrap / replicate {per:8.3f} s")
    print("\nper rule (s):")
    print(times.groupby(times["rule"].str.split("/").str[0])["s"].sum().round(2).to_string())
    if args.keep:
        print(f"\nkept: {workdir}")


if __name__ == "__main__":
    main()

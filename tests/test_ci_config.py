"""The users' GitHub Actions workflow and the Snakemake profiles say what the docs say they do."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from snakemake.cli import get_argument_parser

from tools.workflow_copy import ROOT, snakemake

WORKFLOW = ROOT / ".github" / "workflows" / "brief.yml"
PROFILES = sorted((ROOT / "profiles").glob("*/config.yaml"))

# Options that snakemake-executor-plugin-slurm adds to Snakemake (its ExecutorSettings, shown as
# `--slurm-*` by `snakemake --help` with plugin 2.8.0 installed; plugin docs:
# https://snakemake.github.io/snakemake-plugin-catalog/plugins/executor/slurm.html). The plugin is
# not installed here, so Snakemake's own parser cannot vouch for them.
SLURM_PLUGIN_OPTIONS = {
    "slurm-array-jobs",
    "slurm-array-limit",
    "slurm-delete-logfiles-older-than",
    "slurm-disable-memory-fudge",
    "slurm-efficiency-report",
    "slurm-efficiency-report-path",
    "slurm-efficiency-threshold",
    "slurm-exclude-failed-nodes",
    "slurm-init-seconds-before-status-checks",
    "slurm-jobname-prefix",
    "slurm-keep-successful-logs",
    "slurm-logdir",
    "slurm-no-account",
    "slurm-no-requeue",
    "slurm-partition-config",
    "slurm-pass-command-as-script",
    "slurm-qos",
    "slurm-requeue",
    "slurm-reservation",
    "slurm-status-attempts",
    "slurm-status-command",
}
# Resources the plugin turns into sbatch arguments (the job.resources it reads, same version).
SLURM_RESOURCES = {
    "slurm_account",
    "slurm_partition",
    "slurm_extra",
    "runtime",
    "mem_mb",
    "mem_mb_per_cpu",
    "cpus_per_task",
    "constraint",
    "nodes",
    "tasks",
    "tasks_per_node",
    "gres",
    "qos",
    "clusters",
}
# Snakemake's standard resources.
SNAKEMAKE_RESOURCES = {"mem", "mem_mb", "disk", "disk_mb", "runtime", "tmpdir"}


def load(path: Path) -> dict[Any, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def snakemake_long_options() -> set[str]:
    """Every ``--long-option`` Snakemake itself understands, without the dashes."""
    return {
        option[2:]
        for action in get_argument_parser()._actions
        for option in action.option_strings
        if option.startswith("--")
    }


def check_workflow_schema(path: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its bundled (offline) copy of the GitHub workflow schema."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def steps(job: str) -> list[dict[str, Any]]:
    return load(WORKFLOW)["jobs"][job]["steps"]


def runs(job: str) -> list[str]:
    return [line.strip() for step in steps(job) for line in step.get("run", "").splitlines()]


def step_using(job: str, action: str) -> dict[str, Any]:
    (step,) = [step for step in steps(job) if step.get("uses", "").startswith(f"{action}@")]
    return step


# --- the GitHub Actions workflow -----------------------------------------------------------------


def test_workflow_validates_against_the_github_workflow_schema() -> None:
    result = check_workflow_schema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_rejects_a_job_without_a_runner(tmp_path: Path) -> None:
    broken = load(WORKFLOW)
    del broken["jobs"]["test"]["runs-on"]
    path = tmp_path / "broken.yml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    result = check_workflow_schema(path)
    assert result.returncode != 0
    assert "runs-on" in result.stdout + result.stderr


def test_workflow_runs_on_push_pull_request_and_by_hand() -> None:
    document = load(WORKFLOW)
    triggers = document.get("on", document.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request", "workflow_dispatch"}
    assert "${{ github.ref }}" in document["concurrency"]["group"]


def test_jobs_run_the_readme_commands_exactly() -> None:
    assert "bash run.sh test" in runs("test")
    assert "bash run.sh brief" in runs("brief")
    assert load(WORKFLOW)["jobs"]["brief"]["needs"] == "test"


def test_lint_job_lints_and_checks_formatting() -> None:
    assert {"snakemake --lint", "snakefmt --check ."} <= set(runs("lint"))


@pytest.mark.parametrize("job", ["lint", "test", "brief"])
def test_python_311_with_pip_cache_keyed_on_the_lock(job: str) -> None:
    setup = step_using(job, "actions/setup-python")
    assert setup["uses"] == "actions/setup-python@v5"
    assert setup["with"] == {
        "python-version": "3.11",
        "cache": "pip",
        "cache-dependency-path": "requirements.lock",
    }


def test_quarto_is_pinned_to_run_sh_version() -> None:
    pinned = re.search(r"^QUARTO_VERSION=(\S+)$", (ROOT / "run.sh").read_text(), re.MULTILINE)
    assert pinned, "run.sh no longer sets QUARTO_VERSION"
    setup = step_using("brief", "quarto-dev/quarto-actions/setup")
    assert setup["uses"].endswith("@v2")
    assert setup["with"]["version"] == pinned.group(1)


def test_both_brief_files_are_uploaded() -> None:
    upload = step_using("brief", "actions/upload-artifact")
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["path"].split() == ["reports/brief.html", "reports/brief.pdf"]
    assert upload["with"]["if-no-files-found"] == "error"
    assert {
        "cp reports/brief.html _site/index.html",
        "cp reports/brief.pdf _site/brief.pdf",
    } <= set(runs("brief"))
    assert step_using("brief", "actions/upload-pages-artifact")["with"]["path"] == "_site"


def test_pages_are_published_only_from_the_default_branch() -> None:
    jobs = load(WORKFLOW)["jobs"]
    on_default = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"
    pages = jobs["pages"]
    assert pages["if"] == on_default
    assert pages["needs"] == "brief"
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert [step["uses"] for step in pages["steps"]] == ["actions/deploy-pages@v4"]
    assert step_using("brief", "actions/upload-pages-artifact")["uses"].endswith("@v3")
    assert all(step["if"] == on_default for step in steps("brief") if "_site" in str(step))
    assert load(WORKFLOW)["permissions"] == {"contents": "read"}


# --- the Snakemake profiles -------------------------------------------------------------------------


def test_there_are_local_and_slurm_profiles() -> None:
    assert {path.parent.name for path in PROFILES} >= {"default", "local", "slurm"}


@pytest.mark.parametrize("path", PROFILES, ids=lambda path: path.parent.name)
def test_profile_keys_are_snakemake_or_slurm_plugin_options(path: Path) -> None:
    unknown = set(load(path)) - snakemake_long_options() - SLURM_PLUGIN_OPTIONS
    assert not unknown, f"{path.relative_to(ROOT)}: not Snakemake options: {sorted(unknown)}"


@pytest.mark.parametrize("path", PROFILES, ids=lambda path: path.parent.name)
def test_profile_resources_are_known(path: Path) -> None:
    profile = load(path)
    declared = set(profile.get("default-resources", {}))
    for resources in (profile.get("set-resources") or {}).values():
        declared |= set(resources)
    assert declared <= SNAKEMAKE_RESOURCES | SLURM_RESOURCES


def test_slurm_profile_submits_to_slurm_with_account_memory_and_time() -> None:
    """What sbatch needs from every job; users edit the values, so only the keys are checked."""
    profile = load(ROOT / "profiles/slurm/config.yaml")
    assert profile["executor"] == "slurm"
    assert {"slurm_account", "mem_mb", "runtime"} <= set(profile["default-resources"])
    assert isinstance(profile["jobs"], int)


@pytest.mark.parametrize("name", ["local", "slurm"])
def test_conda_profiles_keep_the_analysis_package_importable(name: str) -> None:
    """Scripts find `analysis` through PYTHONPATH, which Snakemake clears in conda envs by default."""
    profile = load(ROOT / "profiles" / name / "config.yaml")
    assert profile["use-conda"] is True
    assert profile["conda-not-block-search-path-envvars"] is True


def test_local_profile_is_accepted_by_snakemake() -> None:
    result = snakemake(ROOT, "--workflow-profile", "profiles/local", "--list-rules")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "census" in result.stdout.split()


def test_snakemake_rejects_an_unknown_profile_key(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("cores: 1\nuse-condaa: true\n", encoding="utf-8")
    result = snakemake(ROOT, "--workflow-profile", str(tmp_path), "--list-rules")
    assert result.returncode != 0
    assert "--use-condaa" in result.stderr

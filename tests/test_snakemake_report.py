"""Snakemake's own report and per-rule resources: every figure and key table is in the report
under its stage, with a caption in words, and every job asks a cluster for memory and time."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from snakemake.api import SnakemakeApi
from snakemake.io import get_flag_value, is_flagged
from snakemake.settings.types import OutputSettings, ResourceSettings

from tools.workflow_copy import FAST, ROOT, copy_workflow, snakemake

STAGES = ["Census", "Growth", "Survival", "Partners", "Focus groups"]
FIGURE = re.compile(r"^results/.+/figures/[^/]+\.png$")
KEY_TABLES = {
    "results/census/yearly.csv": "Census",
    "results/growth/model_comparison.csv": "Growth",
    "results/recovery/summary.csv": "Growth",
    "results/survival/tables/dissolution.md": "Survival",
    "results/partners/tables/partner_shares.md": "Partners",
    "results/focus_groups/reliability.csv": "Focus groups",
}


@pytest.fixture(scope="module")
def declared_outputs() -> dict[str, object]:
    """Every output file declared by the repository's rules, with its report flag (or None)."""
    with SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(), snakefile=ROOT / "Snakefile", workdir=ROOT
        )._workflow
        return {
            str(path): get_flag_value(path, "report") if is_flagged(path, "report") else None
            for rule in workflow.rules
            for path in rule.output
        }


def test_every_figure_and_key_table_is_marked_for_the_report(
    declared_outputs: dict[str, object],
) -> None:
    figures = {path for path in declared_outputs if FIGURE.match(path)}
    assert len(figures) >= 11, sorted(figures)
    expected = {path: None for path in figures} | KEY_TABLES
    for path, category in expected.items():
        flag = declared_outputs.get(path)
        assert flag is not None, f"{path} is not wrapped in report()"
        assert flag.category in STAGES, (path, flag.category)
        assert category in (None, flag.category), (path, flag.category)
        assert flag.category.lower().replace(" ", "_") in path.replace("recovery", "growth")
        caption = Path(flag.caption.get_path_or_uri(secret_free=True)).resolve()
        assert caption.parent == ROOT / "workflow/report" and caption.is_file(), caption
        assert set(flag.labels) == {"result", "type"}, path


def test_focus_group_captions_say_synthetic_whenever_the_corpus_is(
    declared_outputs: dict[str, object],
) -> None:
    captions = [
        Path(flag.caption.get_path_or_uri(secret_free=True))
        for flag in declared_outputs.values()
        if flag is not None and flag.category == "Focus groups"
    ]
    assert len(captions) == 4
    for caption in captions:
        first, second = caption.read_text(encoding="utf-8").splitlines()[:2]
        assert first == '{% if snakemake.config["focus_groups"]["source"] == "synthetic" %}'
        assert second.startswith("**SYNTHETIC DATA.**"), caption


def _dry_run_jobs(workdir: Path) -> dict[str, str]:
    """Each rule's job description in a forced dry run: input, output and resources lines."""
    result = snakemake(workdir, "-n", "--forceall", "--nolock")
    assert result.returncode == 0, result.stderr[-3000:]
    blocks = re.split(r"^(?:local)?rule (\w+):\n", result.stdout + result.stderr, flags=re.M)
    return dict(zip(blocks[1::2], blocks[2::2]))


def test_every_job_asks_for_memory_and_time() -> None:
    jobs = _dry_run_jobs(ROOT)
    runs = set(jobs) - {"all"}
    assert {"census", "growth_models", "render_brief", "focus_groups_privacy"} <= runs
    for rule in runs:
        resources = dict(
            re.findall(r"(\w+)=(\d+)", re.search(r"resources: (.*)", jobs[rule]).group(1))
        )
        # measured peaks (benchmarks/*.tsv, real data): under 350 MB and 10 s per job
        assert int(resources.get("mem_mb", 0)) >= 500, rule
        assert int(resources.get("runtime", 0)) >= 5, rule
    # wrapping outputs in report() keeps their paths: the brief still takes them as inputs
    brief_inputs = re.search(r"input: (.*)", jobs["render_brief"]).group(1).split(", ")
    for path in ["results/census/figures/foundings.png", "results/census/yearly.csv"]:
        assert path in brief_inputs


@pytest.fixture(scope="module")
def report(
    tmp_path_factory: pytest.TempPathFactory, declared_outputs: dict[str, object]
) -> tuple[str, dict[str, dict]]:
    """A workflow copy on the small fixture: the outputs marked for the report built, then
    `snakemake --report`; the HTML and its results (path -> caption, labels, ...)."""
    workdir = copy_workflow(
        tmp_path_factory.mktemp("wf"), ROOT / "tests/fixtures/networks/small.csv"
    )
    targets = [path for path, flag in declared_outputs.items() if flag is not None]
    build = snakemake(workdir, *targets, *FAST)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-6000:]
    made = snakemake(workdir, *targets, "--report", "report.html", *FAST)
    assert made.returncode == 0, made.stderr[-6000:]
    html = (workdir / "report.html").read_text(encoding="utf-8")
    return html, _embedded(html, "results")


def _embedded(html: str, name: str) -> dict:
    """A JSON object the report's page script holds as ``var <name> = {...};``."""
    return json.loads(re.search(rf"^\s*var {name} = (\{{.*\}});$", html, flags=re.M).group(1))


@pytest.mark.workflow
def test_report_shows_every_stage_with_captions_in_words(
    report: tuple[str, dict[str, dict]],
) -> None:
    html, results = report
    categories = _embedded(html, "categories")
    assert sorted(categories) == sorted(STAGES)
    assert set(KEY_TABLES) <= set(results)
    assert len([path for path in results if FIGURE.match(path)]) >= 11
    foundings = results["results/census/figures/foundings.png"]
    assert foundings["mime_type"] == "image/png"
    assert "City networking is young" in foundings["caption"]
    assert "data/raw/networks.csv" in foundings["caption"]  # the config value, rendered
    for path, result in results.items():
        assert len(re.sub(r"<[^>]+>", "", result["caption"])) > 100, path
        if path.startswith("results/focus_groups/"):
            assert "SYNTHETIC DATA." in result["caption"], path
    # the workflow description (global report: directive)
    assert "citydiplomacy: city networks, density dependence and founding partners" in html
    assert "In this build the focus-group corpus is" in html

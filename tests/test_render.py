"""The brief's rendering: metadata merge, provenance, and both renderers on a tiny fixture.

The fixture document (tests/fixtures/brief/) uses every piece of Quarto syntax the brief may use.
It is rendered with the pandoc + Typst fallback, in a copy of the real layout (the real
_quarto.yml at its root, reports/ with brief.css and fallback/, results/ beside it). Quarto is not installable here, so
the Quarto path is checked against a stand-in `quarto` executable that records its arguments.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import zlib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader

from analysis.common.provenance import git_commit, merge_numbers, provenance, write_meta
from analysis.common.render import choose_renderer, expand_shortcodes, render_brief

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "brief"
FIG_ALT = "Scatter plot of dots rising from bottom left to top right."
SKIP_REASON = "SKIPPED-REASON: the partners analysis was skipped."
TABLE = """| Period | Networks founded |
|---|--:|
| before 1990 | {{< meta demo_before_1990 >}} |
| 1990 or later | 7 |

: Networks founded per period (synthetic). {#tbl-counts}
"""


def write_png(path: Path, width: int = 60, height: int = 40) -> None:
    """A small RGB gradient PNG, written by hand (no plotting library needed)."""
    rows = b"".join(
        b"\x00" + b"".join(bytes((255 - 4 * x, 120, 6 * y)) for x in range(width))
        for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip


def make_project(root: Path, qmd_text: str | None = None) -> Path:
    """reports/ (fixture brief + the real renderer files) and results/ under ``root``;
    returns the brief. ``qmd_text`` replaces the fixture's main document."""
    reports = root / "reports"
    reports.mkdir(parents=True)
    for path in FIXTURE.iterdir():
        shutil.copy(path, reports / path.name)
    shutil.copy(ROOT / "_quarto.yml", root / "_quarto.yml")
    shutil.copy(ROOT / "reports" / "brief.css", reports / "brief.css")
    shutil.copytree(ROOT / "reports" / "fallback", reports / "fallback")
    if qmd_text is not None:
        (reports / "mini.qmd").write_text(qmd_text, encoding="utf-8")
    write_png(root / "results/demo/figures/dots.png")
    (root / "results/demo/tables").mkdir(parents=True)
    (root / "results/demo/tables/counts.md").write_text(TABLE, encoding="utf-8")
    numbers = {
        "demo": {"available": True, "n_networks": 12, "before_1990": 5},
        "partners": {"available": False, "skip_reason": SKIP_REASON},
    }
    for stage, values in numbers.items():
        (root / f"results/{stage}").mkdir(parents=True, exist_ok=True)
        (root / f"results/{stage}/numbers.json").write_text(json.dumps(values))
    data = root / "data.csv"
    data.write_text("network_id,name,founded_year\nN1,A,1990\n")
    merged = merge_numbers({s: root / f"results/{s}/numbers.json" for s in numbers})
    write_meta(root / "results/brief/meta.yml", {**merged, **provenance([data], repo=root)})
    return reports / "mini.qmd"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, BeautifulSoup, str, Path]:
    root = tmp_path_factory.mktemp("brief")
    qmd = make_project(root)
    html, pdf = root / "out/mini.html", root / "out/mini.pdf"
    renderer = render_brief(qmd, root / "results/brief/meta.yml", html, pdf, "pandoc-typst")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    return renderer, BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser"), text, root


def words(text: str) -> str:
    return " ".join(text.split())


# --- the fallback renderer on the fixture ---------------------------------------------------


def test_renderer_names_pandoc_and_typst_versions(rendered) -> None:
    renderer, soup, pdf_text, _ = rendered
    import pypandoc

    assert renderer.startswith(f"pandoc {pypandoc.get_pandoc_version()} + Typst 0.")
    assert "fallback" in renderer
    assert f"Rendered with {renderer}." in words(soup.get_text())
    assert words(renderer) in words(pdf_text)


def test_html_quotes_meta_in_prose_caption_and_table_cell(rendered) -> None:
    _, soup, _, _ = rendered
    text = words(soup.get_text())
    assert "The synthetic census counts 12 networks;" in text
    assert "(12 networks)." in words(soup.find("figcaption").get_text())
    cells = [words(td.get_text()) for td in soup.select("table#tbl-counts td")]
    assert cells == ["before 1990", "5", "1990 or later", "7"]
    assert "{{<" not in str(soup)


def test_html_numbers_and_links_figures_and_tables(rendered) -> None:
    _, soup, _, _ = rendered
    assert [words(a.get_text()) for a in soup.select('a[href="#fig-dots"]')] == ["Figure 1"]
    assert [words(a.get_text()) for a in soup.select('a[href="#tbl-counts"]')] == ["Table 1", "1"]
    assert words(soup.select_one("figure#fig-dots figcaption").get_text()).startswith(
        "Figure 1: Dots rise from left to right"
    )
    caption = words(soup.select_one("table#tbl-counts caption").get_text())
    assert caption == "Table 1: Networks founded per period (synthetic)."
    assert soup.select_one("table#tbl-counts").parent["class"] == ["brief-table-scroll"]


def test_html_is_self_contained_with_alt_text(rendered) -> None:
    _, soup, _, _ = rendered
    img = soup.select_one("figure#fig-dots img")
    assert img["alt"] == FIG_ALT
    assert img["src"].startswith("data:image/png;base64,")
    external = [
        (tag.name, attr, tag[attr])
        for tag in soup.find_all(True)
        for attr in ("src", "href")
        if tag.has_attr(attr) and not tag[attr].startswith(("data:", "#"))
    ]
    assert external == []
    assert soup.find("link", rel="stylesheet") is None
    assert any(
        ".brief-callout" in style.get_text() for style in soup.find_all("style")
    )  # brief.css


def test_html_conditional_content_and_callouts(rendered) -> None:
    _, soup, _, _ = rendered
    text = words(soup.get_text())
    assert "VISIBLE-WHEN-TRUE" in text
    assert "HIDDEN-WHEN-FALSE" not in text
    assert SKIP_REASON in text
    assert "ONLY-IN-HTML" in text and "ONLY-IN-PDF" not in text
    warning = soup.select_one(".brief-callout-warning")
    assert words(warning.select_one(".brief-callout-title").get_text()) == "Synthetic data"
    assert "seeded generator" in warning.select_one(".brief-callout-body").get_text()
    note = soup.select_one(".brief-callout-note .brief-callout-title")
    assert words(note.get_text()) == "Note"


def test_pdf_has_numbers_references_figure_and_conditions(rendered) -> None:
    _, _, pdf_text, root = rendered
    text = words(pdf_text)
    assert text.startswith("Fixture brief")
    assert (
        "counts 12 networks; the rise is plain in Figure 1 and the split by period in Table 1."
        in text
    )
    assert "Figure 1: Dots rise from left to right" in text
    assert "Table 1: Networks founded per period (synthetic)." in text
    assert "before 1990 5" in text
    assert "VISIBLE-WHEN-TRUE" in text and "HIDDEN-WHEN-FALSE" not in text
    assert SKIP_REASON in text
    assert "ONLY-IN-PDF" in text and "ONLY-IN-HTML" not in text
    assert "Synthetic data" in text and "seeded generator" in text
    assert "{{<" not in text
    assert sum(len(page.images) for page in PdfReader(root / "out/mini.pdf").pages) == 1


def div(attributes: str) -> str:
    return f"::: {{.content-visible {attributes}}}\nx\n:::"


BROKEN = {
    "unknown cross-reference": ("See @fig-nope.", "@fig-nope"),
    "pdf format condition": (div('when-format="pdf"'), '"typst"'),
    "string used as a condition": (div('when-meta="demo_n_networks"'), "not true/false"),
    "misspelt condition key": (div('when-meta="demo_availabel"'), "demo_availabel"),
}


@pytest.mark.parametrize("body, message", BROKEN.values(), ids=BROKEN.keys())
def test_fallback_stops_on_mistakes_quarto_would_only_warn_about(
    tmp_path: Path, body: str, message: str
) -> None:
    qmd = make_project(tmp_path, f"---\ntitle: Broken\n---\n\n{body}\n")
    with pytest.raises(RuntimeError, match="quarto-compat.lua") as error:
        render_brief(
            qmd,
            tmp_path / "results/brief/meta.yml",
            tmp_path / "b.html",
            tmp_path / "b.pdf",
            "pandoc-typst",
        )
    assert message in str(error.value)
    assert not (tmp_path / "b.html").exists()


# --- shortcodes -----------------------------------------------------------------------------


def test_includes_nest_relative_to_the_brief_and_meta_fills_them(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "_a.qmd").write_text("A says {{< meta x >}}.\n\n{{< include parts/b.md >}}\n")
    (tmp_path / "parts/b.md").write_text("---\ntitle: ignored\n---\nB is {{< meta flag >}}.\n")
    text = "Start.\n\n{{< include _a.qmd >}}\n\nEnd {{<meta x>}}."
    expanded = expand_shortcodes(text, tmp_path, {"x": "1.9 (95% CI 1.2–2.7)", "flag": False})
    assert expanded == (
        "Start.\n\nA says 1.9 (95% CI 1.2–2.7).\n\nB is false.\n\nEnd 1.9 (95% CI 1.2–2.7)."
    )


def test_shortcode_errors_name_the_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="growth_peak"):
        expand_shortcodes("{{< meta growth_peak >}}", tmp_path, {})
    with pytest.raises(FileNotFoundError, match="missing.qmd"):
        expand_shortcodes("{{< include missing.qmd >}}", tmp_path, {})
    with pytest.raises(ValueError, match="pagebreak"):
        expand_shortcodes("{{< pagebreak >}}", tmp_path, {})
    (tmp_path / "loop.qmd").write_text("{{< include loop.qmd >}}")
    with pytest.raises(ValueError, match="loop"):
        expand_shortcodes("{{< include loop.qmd >}}", tmp_path, {})


# --- choosing and running Quarto ------------------------------------------------------------


def test_choose_renderer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("analysis.common.render.shutil.which", lambda name: None)
    assert choose_renderer("auto") == "pandoc-typst"
    assert choose_renderer("pandoc-typst") == "pandoc-typst"
    with pytest.raises(RuntimeError, match=r"report\.renderer: quarto.*no `quarto` executable"):
        choose_renderer("quarto")
    with pytest.raises(ValueError, match="latex"):
        choose_renderer("latex")
    monkeypatch.setattr("analysis.common.render.shutil.which", lambda name: f"/opt/bin/{name}")
    assert choose_renderer("auto") == "quarto"
    assert choose_renderer("quarto") == "quarto"
    assert choose_renderer("pandoc-typst") == "pandoc-typst"


FAKE_QUARTO = """#!/bin/sh
# stand-in for quarto: records its arguments, writes what quarto would, plus its clutter
if [ "$1" = "--version" ]; then echo 1.10.19; exit 0; fi
printf '%s\\n' "$@" >> "{log}"
mkdir -p .quarto mini_files && touch .gitignore
case "$4" in
  html) echo '<html>quarto</html>' > mini.html ;;
  typst) printf '%%PDF-1.7 quarto' > mini.pdf ;;
esac
"""


def test_quarto_path_passes_metadata_and_leaves_no_clutter(tmp_path: Path, monkeypatch) -> None:
    qmd = make_project(tmp_path)
    log = tmp_path / "quarto-args.txt"
    fake = tmp_path / "bin/quarto"
    fake.parent.mkdir()
    fake.write_text(FAKE_QUARTO.format(log=log))
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    before = sorted(p.name for p in qmd.parent.iterdir())
    meta = tmp_path / "results/brief/meta.yml"
    out = tmp_path / "out"
    renderer = render_brief(qmd, meta, out / "b.html", out / "b.pdf", choose_renderer("auto"))
    assert renderer == "Quarto 1.10.19"
    args = log.read_text().split("\n")
    for fmt in ("html", "typst"):
        call = ["render", "mini.qmd", "--to", fmt, "--metadata-file", str(meta.resolve()),
                "-M", "renderer:Quarto 1.10.19"]  # fmt: skip
        assert any(args[i : i + len(call)] == call for i in range(len(args)))
    assert (out / "b.html").read_text().strip() == "<html>quarto</html>"
    assert (out / "b.pdf").read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in qmd.parent.iterdir()) == before


# --- metadata and provenance ----------------------------------------------------------------


def test_merge_numbers_prefixes_keys_with_the_stage(tmp_path: Path) -> None:
    (tmp_path / "g.json").write_text(json.dumps({"available": True, "peak_density": "187 (2019)"}))
    (tmp_path / "p.json").write_text(json.dumps({"available": False, "skip_reason": "No column."}))
    merged = merge_numbers({"growth": tmp_path / "g.json", "partners": tmp_path / "p.json"})
    assert merged == {
        "growth_available": True,
        "growth_peak_density": "187 (2019)",
        "partners_available": False,
        "partners_skip_reason": "No column.",
    }


@pytest.mark.parametrize(
    "numbers, message",
    [
        ({"n": 1}, "lacks the required key 'available'"),
        ({"available": False}, "skip_reason"),
        ({"available": True, "by_year": {"1990": 2}}, "nested"),
    ],
)
def test_merge_numbers_rejects_files_off_contract(tmp_path: Path, numbers, message) -> None:
    path = tmp_path / "census" / "numbers.json"
    path.parent.mkdir()
    path.write_text(json.dumps(numbers))
    with pytest.raises(ValueError, match=message) as error:
        merge_numbers({"census": path})
    assert str(path) in str(error.value)


def test_merge_numbers_rejects_colliding_keys(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps({"available": True, "b_c": 1}))
    (tmp_path / "b.json").write_text(json.dumps({"available": True, "c": 2}))
    with pytest.raises(ValueError, match="'a_b_c'"):
        merge_numbers({"a": tmp_path / "a.json", "a_b": tmp_path / "b.json"})


def test_provenance_hashes_data_and_reports_versions_and_time(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "networks.csv"
    data.write_bytes(b"abc")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1485907200")
    facts = provenance([data], repo=tmp_path)
    assert facts["provenance_data_sha256"] == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )  # SHA-256 of "abc" (FIPS 180-2, appendix B.1)
    assert facts["provenance_built"] == "2017-02-01T00:00:00Z"
    assert facts["provenance_git_commit"] == "not a git checkout"
    for package in ("pandas", "statsmodels", "seaborn", "snakemake"):
        assert f"{package} {metadata.version(package)}" in facts["provenance_versions"]
    assert facts["provenance_versions"].startswith("Python 3.")
    other = tmp_path / "other.csv"
    other.write_bytes(b"")
    two = provenance([data, other], repo=tmp_path)["provenance_data_sha256"]
    empty = hashlib.sha256(b"").hexdigest()
    assert two == f"networks.csv: {facts['provenance_data_sha256']}; other.csv: {empty}"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_commit_marks_a_dirty_tree(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args]
        return subprocess.run(
            command, cwd=tmp_path, check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q")
    (tmp_path / "a.txt").write_text("one")
    git("add", "a.txt")
    git("commit", "-q", "-m", "one")
    head = git("rev-parse", "--short", "HEAD").strip()
    assert git_commit(tmp_path) == head
    (tmp_path / "a.txt").write_text("two")
    assert git_commit(tmp_path) == f"{head}-dirty"


def test_write_meta_writes_strings_and_keeps_booleans(tmp_path: Path) -> None:
    path = tmp_path / "brief/meta.yml"
    write_meta(path, {"census_n": 214, "growth_rate": 1.5, "growth_available": True,
                      "growth_ci": "1.9 (95% CI 1.2–2.7)", "survival_hazard": None,
                      "partners_available": False})  # fmt: skip
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {
        "census_n": "214",
        "growth_rate": "1.5",
        "growth_available": True,
        "growth_ci": "1.9 (95% CI 1.2–2.7)",
        "survival_hazard": "NA",
        "partners_available": False,
    }


def test_a_value_at_the_start_of_a_line_stays_text() -> None:
    """Quarto resolves shortcodes after parsing; the fallback must not turn them into lists."""
    text = "- in\n  {{< meta y >}}.\n{{< meta n >}} up\n{{< meta d >}} x\n{{< meta e >}}\nmid {{< meta y >}}. ok"
    meta = {"y": 2035, "n": "-5%", "d": "1. first", "e": ""}
    assert expand_shortcodes(text, Path("."), meta) == (
        "- in\n  2035\\.\n\\-5% up\n1\\. first x\n\nmid 2035. ok"
    )

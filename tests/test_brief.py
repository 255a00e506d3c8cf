"""The brief as a reader gets it, built on the real census: numbered, described and cited figures
and tables in both outputs, nothing left unexpanded, and every quoted number the same as in the
results files (checked for the headline numbers against the models and the data themselves).

All tests share one real build (``real_brief`` in conftest.py, about 80 s on 2 cores).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup
from pypdf import PdfReader
from statsmodels.stats.proportion import proportion_confint

pytestmark = pytest.mark.workflow

# a quoted value with the plain word before and after it, if any
QUOTE = re.compile(
    r"(?:\b(?P<before>[A-Za-z]+) )?\{\{<\s*meta\s+(?P<key>[\w-]+)\s*>\}\}(?: (?P<after>[A-Za-z]+)\b)?"
)
FENCE_OPEN = re.compile(r"^:{3,}\s*(?:\{(?P<attrs>[^}]*)\}|\S)")
FENCE_CLOSE = re.compile(r"^:{3,}\s*$")
CONDITION = re.compile(r'\.content-(?P<kind>visible|hidden)\b.*?when-meta="(?P<key>[^"]+)"')
# how pandoc typesets plain markdown (smart punctuation), undone so values compare as written
TYPOGRAPHY = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\xa0": " "}
)


def plain(text: str) -> str:
    """Text as a reader compares it: straight quotes, single spaces."""
    return " ".join(text.translate(TYPOGRAPHY).replace("\u2026", "...").split())


@pytest.fixture(scope="module")
def html(real_brief: Path) -> BeautifulSoup:
    return BeautifulSoup(
        (real_brief / "reports/brief.html").read_text(encoding="utf-8"), "html.parser"
    )


@pytest.fixture(scope="module")
def text(html: BeautifulSoup) -> str:
    return plain(html.body.get_text())


@pytest.fixture(scope="module")
def pdf_pages(real_brief: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(real_brief / "reports/brief.pdf").pages]


@pytest.fixture(scope="module")
def meta(real_brief: Path) -> dict[str, Any]:
    return yaml.safe_load((real_brief / "results/brief/meta.yml").read_text(encoding="utf-8"))


def numbers(root: Path, stage: str) -> dict[str, Any]:
    return json.loads((root / f"results/{stage}/numbers.json").read_text(encoding="utf-8"))


def glance(root: Path, model: str) -> dict[str, Any]:
    return json.loads((root / f"results/models/{model}/glance.json").read_text(encoding="utf-8"))


def shown_source(source: str, meta: dict[str, Any]) -> str:
    """``source`` without the content its conditions hide, whitespace-normalised.

    Fenced divs nest; a ``.content-visible``/``.content-hidden`` div with ``when-meta`` shows
    its lines only when the (boolean) metadata value says so, as in Quarto.
    """
    shown: list[str] = []
    stack: list[bool] = []  # per open div: are its lines shown?
    for line in source.splitlines():
        if FENCE_CLOSE.match(line) and stack:
            stack.pop()
            continue
        opened = FENCE_OPEN.match(line)
        if opened:
            condition = CONDITION.search(opened["attrs"] or "")
            visible = True
            if condition:
                visible = meta[condition["key"]] is (condition["kind"] == "visible")
            stack.append(visible)
            continue
        if all(stack):
            shown.append(line)
    return " ".join(" ".join(shown).split())


def sources(root: Path) -> list[Path]:
    reports = root / "reports"
    return [reports / "brief.qmd", *sorted(reports.glob("_*.qmd"))]


def cited(html: BeautifulSoup, target: str, label: str) -> bool:
    """Whether the text links to ``#target`` with the words ``label`` ("Figure 3")."""
    return label in [plain(link.get_text()) for link in html.find_all("a", href=f"#{target}")]


def wilson_share(count: int, total: int) -> str:
    """A share as the partners stage writes it: ``43% (95% CI 37–50%)``."""
    low, high = proportion_confint(count, total, alpha=0.05, method="wilson")
    return f"{100 * count / total:.0f}% (95% CI {100 * low:.0f}–{100 * high:.0f}%)"


# --- figures and tables ----------------------------------------------------------------------


def test_figures_are_numbered_described_embedded_and_cited(html: BeautifulSoup) -> None:
    figures = html.find_all("figure")
    assert (
        len(figures) >= 8
    ), "the brief should show the census, growth, survival, partner and focus-group figures"
    for number, figure in enumerate(figures, start=1):
        caption = plain(figure.figcaption.get_text())
        assert caption.startswith(f"Figure {number}: "), caption
        image = figure.find("img")
        assert image.get("alt", "").strip(), f"Figure {number} has no alt text"
        assert plain(image["alt"]) != caption, f"Figure {number}: alt text repeats the caption"
        assert image["src"].startswith("data:image/png;base64,"), f"Figure {number} is not embedded"
        assert cited(html, figure["id"], f"Figure {number}"), f"#{figure['id']} is never cited"


def numbered_tables(html: BeautifulSoup) -> list[Any]:
    return [table for table in html.find_all("table") if table.caption is not None]


def test_tables_are_numbered(html: BeautifulSoup) -> None:
    tables = numbered_tables(html)
    uncaptioned = [table for table in html.find_all("table") if table.caption is None]
    assert len(tables) >= 6
    # the one table without a number is the provenance table of the appendix
    assert len(uncaptioned) == 1 and "SHA-256" in uncaptioned[0].get_text()
    for number, table in enumerate(tables, start=1):
        caption = plain(table.caption.get_text())
        assert caption.startswith(f"Table {number}: "), caption
        assert table.get("id", "").startswith("tbl-"), caption
        assert table.find("tbody").find_all("tr"), f"Table {number} has no rows"


def test_tables_are_cited(html: BeautifulSoup) -> None:
    uncited = [
        table["id"]
        for number, table in enumerate(numbered_tables(html), start=1)
        if not cited(html, table["id"], f"Table {number}")
    ]
    assert not uncited, f"tables never referred to in the text: {uncited}"


def test_pdf_has_the_same_captions_and_page_numbers(
    html: BeautifulSoup, pdf_pages: list[str]
) -> None:
    captions = [
        plain(element.get_text()).split(":")[0]
        for element in html.find_all(["figcaption", "caption"])
    ]
    pdf_text = plain(" ".join(pdf_pages))
    # the PDF floats figures to the top or bottom of a page, so the order may differ
    assert sorted(captions) == sorted(re.findall(r"\b(?:Figure|Table) \d+(?=:)", pdf_text))
    total = len(pdf_pages)
    for number, page in enumerate(pdf_pages, start=1):
        assert plain(page).endswith(f"{number} / {total}"), f"page {number} has no page number"
    print(f"\nPDF pages: {total}")


def test_nothing_is_left_unexpanded_or_unresolved(
    real_brief: Path, text: str, pdf_pages: list[str]
) -> None:
    raw_html = (real_brief / "reports/brief.html").read_text(encoding="utf-8")
    assert "{{<" not in raw_html, "a shortcode was left unexpanded in the HTML"
    for name, content in (("HTML", text), ("PDF", plain(" ".join(pdf_pages)))):
        for leftover in ("{{<", "??", "@fig-", "@tbl-", "?@"):
            assert leftover not in content, f"{leftover!r} in the {name}"
        assert " NA " not in f" {content} ", f"a missing value (NA) is quoted in the {name}"


# --- numbers -----------------------------------------------------------------------------------


def test_every_quoted_number_is_the_results_files_number(
    real_brief: Path, meta: dict[str, Any], text: str
) -> None:
    """Each quote, with the plain words next to it in the source ("counts {{< meta
    census_n_networks >}} institutionalised"), is in the brief with the value of meta.yml."""
    quotes = [
        match
        for path in sources(real_brief)
        for match in QUOTE.finditer(shown_source(path.read_text(encoding="utf-8"), meta))
        if match["key"] in meta  # not `renderer`: the render step adds it
    ]
    assert len({match["key"] for match in quotes}) >= 100, "the brief should quote its numbers"
    missing = []
    for match in quotes:
        value = meta[match["key"]]
        value = str(value).lower() if isinstance(value, bool) else value
        expected = plain(" ".join(w for w in (match["before"], value, match["after"]) if w))
        if expected not in text:
            missing.append(f"{match[0]!r} should read {expected!r}")
    assert not missing, "quotes not in the brief as meta.yml has them:\n" + "\n".join(missing)


def test_metadata_is_each_stages_numbers(real_brief: Path, meta: dict[str, Any]) -> None:
    stages = sorted(p.parent.name for p in (real_brief / "results").glob("*/numbers.json"))
    assert {"census", "growth", "survival", "partners", "focus_groups"} <= set(stages)
    for stage in stages:
        for key, value in numbers(real_brief, stage).items():
            expected = value if isinstance(value, bool) else "NA" if value is None else str(value)
            assert meta[f"{stage}_{key}"] == expected, f"{stage}_{key}"


def test_census_counts_are_the_data(real_brief: Path, meta: dict[str, Any]) -> None:
    table = pd.read_parquet(real_brief / "data/processed/networks.parquet")
    status = table["status"].value_counts()
    assert meta["census_n_networks"] == str(len(table))
    assert meta["census_n_dissolved"] == str(status["dissolved"])
    assert meta["census_n_merged"] == str(status["merged"])
    assert meta["census_alive_at_census"] == str(status["active"])
    assert meta["census_first_founding"] == str(table["founded_year"].min())
    assert meta["census_founded_since_1990"] == str((table["founded_year"] >= 1990).sum())
    assert meta["survival_n_ended"] == str(status["dissolved"] + status["merged"])


def test_growth_peak_density_is_the_models(real_brief: Path, meta: dict[str, Any]) -> None:
    model = glance(real_brief, "founding_nb_density")
    peak, low, high = (
        round(model[k]) for k in ("peak_density", "peak_density_ci_low", "peak_density_ci_high")
    )
    assert meta["growth_peak_density"] == f"{peak} networks (95% CI {low}–{high})"
    assert meta["growth_peak_density_value"] == str(peak)
    assert meta["growth_density_range"] == f"{model['density_min']:.0f}–{model['density_max']:.0f}"
    assert meta["growth_density_lr"].startswith(
        f"LR χ²({model['density_lr_df']}) = {model['density_lr']:.1f}"
    )


def test_survival_hazard_ratios_are_the_models(real_brief: Path, meta: dict[str, Any]) -> None:
    tidy = pd.read_csv(real_brief / "results/models/dissolution_piecewise/tidy.csv").set_index(
        "term"
    )
    for key, term in (
        ("survival_hr_density", "density (per 100 networks)"),
        ("survival_hr_density_founding", "density at founding (per 100 networks)"),
    ):
        row = tidy.loc[term]
        assert row["conf_high"] < 10, "two decimals are written only below 10"
        assert (
            meta[key]
            == f"{row['estimate']:.2f} (95% CI {row['conf_low']:.2f}–{row['conf_high']:.2f})"
        )
    assert meta["survival_events_primary"] == str(
        glance(real_brief, "dissolution_piecewise")["events"]
    )


def test_partner_shares_are_a_direct_count_of_the_data(
    real_brief: Path, meta: dict[str, Any]
) -> None:
    """Recounted here from the validated table, independently of analysis.partners."""
    table = pd.read_parquet(real_brief / "data/processed/networks.parquet")
    types = table["founding_partner_types"].dropna().str.split(";").map(set)
    local = {"city_government", "local_government_association", "regional_government"}
    flags = {
        "cities_only": types.map(lambda kinds: kinds <= local),
        "multilateral": types.map(lambda kinds: "multilateral" in kinds),
        "supranational": types.map(lambda kinds: "supranational" in kinds),
        "public_private": types.map(lambda kinds: bool(kinds & {"business", "philanthropy"})),
    }
    assert meta["partners_n_networks"] == str(len(table))
    assert meta["partners_n_sourced"] == str(len(types))
    assert meta["partners_n_unsourced"] == str(len(table) - len(types))
    assert meta["partners_n_public_private"] == str(flags["public_private"].sum())
    for flag, has in flags.items():
        assert meta[f"partners_share_{flag}"] == wilson_share(int(has.sum()), len(types)), flag


# --- what the reader is told ---------------------------------------------------------------------


def test_brief_names_its_renderer(html: BeautifulSoup) -> None:
    provenance = html.find(id="provenance").find_next("table")
    rows = {
        plain(tr.find_all("td")[0].get_text()): plain(tr.find_all("td")[1].get_text())
        for tr in provenance.find_all("tr")
        if tr.find_all("td")
    }
    assert re.fullmatch(
        r"pandoc \S+ \+ Typst \S+ \(fallback; Quarto not found\)", rows["Rendered with"]
    ), rows


def test_synthetic_focus_groups_are_labelled_in_their_section(
    html: BeautifulSoup, meta: dict[str, Any]
) -> None:
    assert meta["focus_groups_synthetic"] is True
    section = html.find(id="what-cities-say")
    callouts = []
    for element in section.find_all_next():
        if element.name == "h2":
            break
        if "brief-callout-warning" in element.get("class", []):
            callouts.append(element)
    assert callouts, "no warning callout in 'What cities say'"
    title = plain(callouts[0].find(class_="brief-callout-title").get_text())
    assert title == "Synthetic data"
    assert "synthetic corpus" in plain(callouts[0].get_text())


def test_brief_has_the_sections_a_reader_expects(html: BeautifulSoup) -> None:
    headings = [plain(h.get_text()) for h in html.find_all(["h1", "h2", "h3"])]
    for expected in (
        "Key messages",
        "Policy recommendations",
        "Growth and saturation",
        "Dissolution: is there a Darwinian selection?",
        "Founding partners",
        "What cities say",
        "Limitations",
        "Data and code availability",
        "Provenance",
    ):
        assert expected in headings, f"no section {expected!r}; headings: {headings}"
    assert any(h.startswith("Methods") for h in headings), headings
    order = [headings.index(h) for h in ("Key messages", "Policy recommendations", "Provenance")]
    assert order == sorted(order)

"""Validation of the networks table: the real census loads typed; each kind of bad input gets a
message naming the file, the spreadsheet row, the column, the value and the fix."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from analysis.census.problems import NetworkTableError, NetworkTableWarning
from analysis.census.validation import load_networks
from analysis.common.datapackage import census_year_of
from tools.workflow_copy import ROOT, copy_workflow, snakemake

PACKAGE = ROOT / "data" / "datapackage.json"
REAL = ROOT / "data" / "raw" / "networks.csv"
FIXTURES = ROOT / "tests" / "fixtures" / "networks"
SMALL = FIXTURES / "small.csv"
INTEGERS = ["founded_year", "member_count", "member_count_year", "end_year", "last_evidence_year"]
PARTNER_TYPES = [
    "city_government",
    "local_government_association",
    "regional_government",
    "multilateral",
    "supranational",
    "national_government",
    "philanthropy",
    "business",
    "ngo",
    "academic",
]
# Spreadsheet rows of tests/fixtures/networks/small.csv (header = row 1) used below.
IULA, IBU, CEMR, UCUE, UVA, MAYORS_FOR_PEACE, CITYNET = 2, 3, 4, 5, 6, 7, 8


def small_rows() -> list[list[str]]:
    with SMALL.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write(path: Path, rows: list[list[str]], **format_options: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, **format_options).writerows(rows)
    return path


def edited(tmp_path: Path, changes: dict[tuple[int, str], str]) -> Path:
    """small.csv with cells changed, addressed by (spreadsheet row, column name)."""
    rows = small_rows()
    for (row, column), value in changes.items():
        rows[row - 1][rows[0].index(column)] = value
    return write(tmp_path / "networks.csv", rows)


def problems_of(path: Path, **kwargs: int) -> list[str]:
    """The lines of the error message that list one problem each."""
    with pytest.raises(NetworkTableError) as caught:
        load_networks(path, PACKAGE, **kwargs)
    assert isinstance(caught.value, ValueError)
    lines = str(caught.value).splitlines()
    assert str(path) in lines[0]
    return [line for line in lines[1:] if line.startswith("  - ")]


def the_line(lines: list[str], *parts: str, row: int | None = None) -> str:
    """The one problem line containing all ``parts`` (and ``row N`` exactly, when given)."""
    found = [
        line
        for line in lines
        if all(part in line for part in parts)
        and (row is None or re.search(rf"\brows? (\d+, )*{row}\b", line))
    ]
    assert len(found) == 1, f"expected one line with {parts} (row {row}) in:\n" + "\n".join(lines)
    assert "Fix:" in found[0]
    return found[0]


# --- the real census and the fixtures -------------------------------------------------------


def test_raw_table_is_the_shared_census_byte_for_byte() -> None:
    digest = hashlib.sha256(REAL.read_bytes()).hexdigest()
    assert digest == "df2f345634ddd323781b178147e1ed0b57abf5fffcb3a78874b94ff9db56c1af"


def test_real_census_loads_typed() -> None:
    networks = load_networks(REAL, PACKAGE)
    assert networks.shape == (214, 22)
    fields = [
        f["name"] for f in json.loads(PACKAGE.read_text())["resources"][0]["schema"]["fields"]
    ]
    assert list(networks.columns) == fields
    for column in networks.columns:
        expected = (
            "Int64" if column in INTEGERS else "boolean" if column == "borderline" else "string"
        )
        assert str(networks[column].dtype) == expected, column
    # known answers from data/README.md and the file itself
    assert networks["founded_year"].min() == 1913 and networks["founded_year"].max() == 2022
    assert networks["status"].value_counts().to_dict() == {
        "active": 192,
        "merged": 13,
        "dissolved": 9,
    }
    assert networks["founding_partner_types"].isna().sum() == 16
    assert int(networks["borderline"].sum()) == 37
    iula = networks.set_index("network_id").loc["iula"]
    assert (iula["founded_year"], iula["end_year"], iula["status"]) == (1913, 2004, "merged")
    assert pd.isna(iula["last_evidence_year"])


def test_frictionless_agrees_the_package_is_valid_and_the_data_conform() -> None:
    """An independent reader of the same package: Data Package v2, data within the schema."""
    report = frictionless.validate(str(PACKAGE))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 214


def test_census_year_comes_from_the_package() -> None:
    assert census_year_of(PACKAGE) == 2025


def test_fixtures_load() -> None:
    small = load_networks(SMALL, PACKAGE)
    assert small.shape == (16, 22)
    assert set(small["status"]) == {"active", "dissolved", "merged"}
    no_partners = load_networks(FIXTURES / "no_partners.csv", PACKAGE)
    assert "founding_partner_types" not in no_partners.columns
    assert no_partners.shape == (16, 21)
    pd.testing.assert_frame_equal(no_partners, small.drop(columns="founding_partner_types"))


def test_small_fixture_rows_are_verbatim_rows_of_the_census() -> None:
    real = set(REAL.read_text(encoding="utf-8").splitlines())
    assert all(line in real for line in SMALL.read_text(encoding="utf-8").splitlines())


def test_checks_come_from_the_package(tmp_path: Path) -> None:
    """Change the package, not the code: the same table now fails on the changed rule."""
    package = json.loads(PACKAGE.read_text())
    status = next(f for f in package["resources"][0]["schema"]["fields"] if f["name"] == "status")
    status["constraints"]["enum"] = ["active", "dissolved"]
    package["census_year"] = 2020
    changed = tmp_path / "datapackage.json"
    changed.write_text(json.dumps(package))
    with pytest.raises(NetworkTableError) as caught:
        load_networks(SMALL, changed)
    message = str(caught.value)
    # the three merged networks of the fixture, and the one founded after 2020
    assert message.count("is not an allowed value") == 3
    assert "use one of active, dissolved (exact spelling)" in message
    after = [line for line in message.splitlines() if "after the census year 2020" in line]
    assert len([line for line in after if "column founded_year" in line]) == 1


def test_census_year_argument_overrides_the_package() -> None:
    lines = problems_of(SMALL, census_year=2019)
    # founded 2020 (mcr2030, row 16) and 2022 (eu-cities-mission, row 17)
    assert len([line for line in lines if "column founded_year" in line]) == 2
    the_line(lines, "column founded_year", '"2020"', "after the census year 2019", row=16)
    the_line(lines, "column founded_year", '"2022"', "after the census year 2019", row=17)


def test_blank_rows_bom_and_windows_line_ends_are_fine(tmp_path: Path) -> None:
    rows = small_rows()
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows([rows[0], [], *rows[1:]])
    path = tmp_path / "networks.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.getvalue().encode("utf-8"))
    pd.testing.assert_frame_equal(load_networks(path, PACKAGE), load_networks(SMALL, PACKAGE))


def test_a_blank_row_still_counts_in_the_row_numbers(tmp_path: Path) -> None:
    rows = small_rows()
    rows[1][rows[0].index("founded_year")] = "19x5"
    path = write(tmp_path / "networks.csv", [rows[0], [], *rows[1:]])
    lines = problems_of(path)
    the_line(lines, "column founded_year", '"19x5"', row=3)


def test_unknown_extra_column_is_kept_with_a_warning(tmp_path: Path) -> None:
    rows = small_rows()
    rows = [[*row, "x" if i else "my_note"] for i, row in enumerate(rows)]
    path = write(tmp_path / "networks.csv", rows)
    with pytest.warns(NetworkTableWarning, match="my_note"):
        networks = load_networks(path, PACKAGE)
    assert networks.columns[-1] == "my_note"
    assert str(networks["my_note"].dtype) == "string" and set(networks["my_note"]) == {"x"}


# --- every kind of bad input --------------------------------------------------------------


def test_missing_required_column(tmp_path: Path) -> None:
    rows = small_rows()
    position = rows[0].index("founded_year")
    path = write(tmp_path / "networks.csv", [r[:position] + r[position + 1 :] for r in rows])
    (line,) = problems_of(path)
    assert line.startswith("  - networks.csv: required column(s) founded_year missing")
    assert "Required columns: network_id, name, founded_year" in line
    assert "found: network_id, name, acronym, founded_place," in line
    assert "Fix: add the column with exactly this name" in line
    assert " row " not in line


def test_misspelt_optional_column_is_an_error_not_a_silent_absence(tmp_path: Path) -> None:
    rows = small_rows()
    rows[0][rows[0].index("end_year")] = "end_yr"
    lines = problems_of(write(tmp_path / "networks.csv", rows))
    the_line(lines, "column end_yr", "rename the header to end_year", row=1)


@pytest.mark.parametrize("value", ["19x5", "1985.5", "1,985", " 1985"])
def test_year_that_is_not_a_whole_number(tmp_path: Path, value: str) -> None:
    lines = problems_of(edited(tmp_path, {(IBU, "founded_year"): value}))
    assert len(lines) == 1, "a cell that does not parse is reported once, not again as empty"
    line = the_line(lines, "networks.csv", "column founded_year", f'value "{value}"', row=IBU)
    assert "is not a whole number. Fix: write digits only, e.g. 1987." in line


def test_year_after_the_census(tmp_path: Path) -> None:
    lines = problems_of(edited(tmp_path, {(CEMR, "founded_year"): "2031"}))
    line = the_line(lines, "networks.csv", "column founded_year", 'value "2031"', row=CEMR)
    assert (
        'is after the census year 2025. Fix: correct the year; if the table describes a later census, raise "census_year" in datapackage.json'
        in line
    )


def test_end_year_before_founding(tmp_path: Path) -> None:
    lines = problems_of(edited(tmp_path, {(IULA, "end_year"): "1900"}))
    line = the_line(lines, "networks.csv", "column end_year", 'value "1900"', row=IULA)
    assert "is before founded_year 1913 in the same row. Fix: correct one of the two years." in line


@pytest.mark.parametrize(
    ("row", "status", "cleared"),
    [(IULA, "merged", "end_year"), (UCUE, "dissolved", "last_evidence_year")],
)
def test_ended_network_without_any_end_information(
    tmp_path: Path, row: int, status: str, cleared: str
) -> None:
    lines = problems_of(edited(tmp_path, {(row, cleared): ""}))
    line = the_line(lines, "networks.csv", "column status", f'value "{status}"', row=row)
    assert f"status is {status} but neither end_year nor last_evidence_year is filled in" in line
    assert "Fix: fill in end_year or last_evidence_year." in line


def test_duplicate_network_id_names_both_rows(tmp_path: Path) -> None:
    lines = problems_of(edited(tmp_path, {(MAYORS_FOR_PEACE, "network_id"): "cemr"}))
    (line,) = lines
    assert line.startswith(
        f'  - networks.csv, rows {CEMR} and {MAYORS_FOR_PEACE}, column network_id, value "cemr"'
    )
    assert "Fix: give each network its own identifier, or delete the duplicate row." in line


def test_unknown_partner_type_lists_the_allowed_ones(tmp_path: Path) -> None:
    value = "multilateral;foundation"
    lines = problems_of(edited(tmp_path, {(CITYNET, "founding_partner_types"): value}))
    line = the_line(
        lines, "networks.csv", "column founding_partner_types", f'value "{value}"', row=CITYNET
    )
    assert 'unknown value(s) "foundation"' in line
    assert f"Fix: use only {', '.join(PARTNER_TYPES)}, separated by \";\"" in line


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("status", "closed", "active, dissolved, merged"),
        ("scope", "Global", "global, regional"),
        ("member_types", "towns", "cities, local_and_regional_governments, mixed"),
        ("region", "Europa", "Global, Europe, Asia-Pacific, Africa,"),
        ("primary_theme", "climate", "general, environment_climate, energy,"),
    ],
)
def test_value_outside_the_vocabulary(
    tmp_path: Path, column: str, value: str, allowed: str
) -> None:
    lines = problems_of(edited(tmp_path, {(UVA, column): value}))
    line = the_line(lines, "networks.csv", f"column {column}", f'value "{value}"', row=UVA)
    assert f"is not an allowed value. Fix: use one of {allowed}" in line


@pytest.mark.parametrize(
    ("row", "column", "value", "says"),
    [
        (CEMR, "network_id", "CEMR Europe", "does not have the required form (Stable slug"),
        (CEMR, "name", "", "the cell is empty but name is required"),
        (CEMR, "member_count", "0", "is below the minimum 1. Fix: correct the value"),
        (IBU, "founded_year", "1700", "is below the minimum 1800. Fix: correct the value"),
        (IULA, "last_evidence_year", "2010", "is after end_year 2004 in the same row. Fix:"),
        (IULA, "member_count_year", "1900", "is before founded_year 1913 in the same row. Fix:"),
    ],
)
def test_other_rules_of_the_schema(
    tmp_path: Path, row: int, column: str, value: str, says: str
) -> None:
    (line,) = problems_of(edited(tmp_path, {(row, column): value}))
    shown = f', value "{value}"' if value else ""
    assert line.startswith(f"  - networks.csv, row {row}, column {column}{shown}: {says}")
    assert "Fix:" in line


def test_borderline_that_is_not_true_or_false(tmp_path: Path) -> None:
    lines = problems_of(edited(tmp_path, {(UVA, "borderline"): "yes"}))
    line = the_line(lines, "column borderline", 'value "yes"', row=UVA)
    assert "Fix: write one of true, True, TRUE, false, False, FALSE." in line


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "networks.csv"
    path.write_bytes(b"")
    (line,) = problems_of(path)
    assert line.startswith(
        "  - networks.csv: the file is empty (0 bytes). Fix: export the table again"
    )


def test_header_only(tmp_path: Path) -> None:
    path = write(tmp_path / "networks.csv", small_rows()[:1])
    (line,) = problems_of(path)
    assert line == (
        "  - networks.csv, row 1 (header): the file has a header row but no data rows. "
        "Fix: add one row per network under the header."
    )


@pytest.mark.parametrize(("delimiter", "named"), [(";", "';'"), ("\t", "tabs")])
def test_wrong_delimiter(tmp_path: Path, delimiter: str, named: str) -> None:
    path = write(tmp_path / "networks.csv", small_rows(), delimiter=delimiter)
    (line,) = problems_of(path)
    assert line.startswith(
        f"  - networks.csv, row 1 (header): the file seems to be separated by {named}, not ','"
    )
    assert "Fix: save it as comma-separated CSV" in line


def test_latin1_file_names_row_column_line_and_byte(tmp_path: Path) -> None:
    data = SMALL.read_text(encoding="utf-8").encode("latin-1")
    path = tmp_path / "networks.csv"
    path.write_bytes(data)
    lines = problems_of(path)
    first = data.index(b"\xfc")  # the ü of "Bürgermeister", IBU's name (row 3)
    line = the_line(lines, "networks.csv", "column name", row=IBU)
    assert f"line 3, byte offset {first}" in line
    assert 'value "Internationale B\\xfcrgermeister-Union' in line
    assert "bytes 0xFC, 0xFC, 0xF6, 0xE4 are not valid UTF-8" in line
    assert "Fix: save the file with UTF-8 encoding" in line


@pytest.mark.parametrize(
    ("change", "cells", "fix"),
    [
        (lambda r: [*r, "extra"], 23, "wrap that cell in double quotes"),
        (lambda r: [*r, ""], 23, "delete the separators after the last column"),
        (lambda r: r[:-1], 21, "add the missing cells"),
    ],
)
def test_ragged_row(tmp_path: Path, change, cells: int, fix: str) -> None:
    rows = small_rows()
    rows[UCUE - 1] = change(rows[UCUE - 1])
    lines = problems_of(write(tmp_path / "networks.csv", rows))
    (line,) = lines
    assert line.startswith(
        f'  - networks.csv, row {UCUE}: the row has {cells} cells but the header has 22 (first cell "ucue")'
    )
    assert fix in line


def test_all_problems_at_once_in_row_order(tmp_path: Path) -> None:
    path = edited(
        tmp_path,
        {
            (IULA, "end_year"): "1900",
            (IBU, "founded_year"): "19x5",
            (CEMR, "scope"): "Global",
            (MAYORS_FOR_PEACE, "network_id"): "cemr",
            (CITYNET, "founding_partner_types"): "foundation",
        },
    )
    with pytest.raises(NetworkTableError) as caught:
        load_networks(path, PACKAGE)
    assert len(caught.value.problems) == 5
    lines = str(caught.value).splitlines()
    assert lines[0] == (
        f"{path} cannot be used: 5 problems (rows are numbered as in a spreadsheet: "
        "the header is row 1)."
    )
    found_rows = [int(re.search(r"rows? (\d+)", line).group(1)) for line in lines[1:]]
    assert found_rows == [IULA, IBU, CEMR, CEMR, CITYNET]


def test_long_lists_are_capped(tmp_path: Path) -> None:
    with REAL.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows[1:]:
        row[rows[0].index("status")] = "closed"
    lines = str(
        pytest.raises(
            NetworkTableError, load_networks, write(tmp_path / "networks.csv", rows), PACKAGE
        ).value
    ).splitlines()
    assert "214 problems" in lines[0]
    assert len(lines) == 1 + 50 + 1
    assert lines[-1] == "  ... and 164 more."


# --- the Snakemake step -------------------------------------------------------------------


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of the workflow with the small fixture as its networks table."""
    copy_workflow(tmp_path, SMALL)
    shutil.copytree(ROOT / "envs", tmp_path / "envs", dirs_exist_ok=True)
    return tmp_path


@pytest.mark.workflow
def test_step_writes_the_typed_table(workdir: Path) -> None:
    result = snakemake(workdir, "data/processed/networks.parquet")
    assert result.returncode == 0, result.stderr[-3000:]
    written = pd.read_parquet(workdir / "data/processed/networks.parquet")
    pd.testing.assert_frame_equal(written, load_networks(SMALL, PACKAGE))
    assert (workdir / "benchmarks/validate_networks.tsv").exists()


@pytest.mark.workflow
def test_step_on_bad_input_fails_visibly_and_writes_nothing(workdir: Path) -> None:
    edited(workdir / "data" / "raw", {(IBU, "founded_year"): "19x5"})
    result = snakemake(workdir, "data/processed/networks.parquet")
    assert result.returncode != 0
    log = (workdir / "logs/validate_networks.log").read_text()
    assert 'networks.csv, row 3, column founded_year, value "19x5": is not a whole number' in log
    assert "row 3" in result.stdout + result.stderr and "19x5" in result.stdout + result.stderr
    processed = workdir / "data/processed"
    assert not processed.exists() or not any(processed.iterdir())

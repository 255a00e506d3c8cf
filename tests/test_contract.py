"""The brief's table contract: pipe tables whose separator dashes give pandoc sensible widths."""

import numpy as np
import pandas as pd
import pypandoc
import pytest

from analysis.common.contract import markdown_table


def test_a_two_by_two_table_exactly() -> None:
    frame = pd.DataFrame({"Model": ["Logistic", "Bass"], "AIC": [260.3, 262.3]})
    # natural widths fit: Model 8 + 3 padding, AIC 5 + 3; text left, numbers right
    assert markdown_table(frame, "Two models.", "tbl-two") == (
        "| Model | AIC |\n"
        "|:----------|-------:|\n"
        "| Logistic | 260.3 |\n"
        "| Bass | 262.3 |\n"
        "\n"
        ": Two models. {#tbl-two}\n"
    )


def test_cells_are_escaped_single_lines_and_missing_values_show_as_a_dash() -> None:
    frame = pd.DataFrame({"Name | kind": ["a|b", "two\n lines"], "n": [1.0, np.nan]})
    lines = markdown_table(frame, "Escapes.", "tbl-escapes").splitlines()
    assert lines[0] == r"| Name \| kind | n |"
    assert lines[2:4] == [r"| a\|b | 1.0 |", "| two lines | – |"]


def test_numbers_and_text_of_numbers_are_right_aligned_text_left() -> None:
    frame = pd.DataFrame(
        {
            "Code": ["Peer learning", "Political turnover"],
            "α": ["0.90 (0.78–0.98)", "not estimable"],  # a cell without digits does not decide
            "Share": ["74% (57–85)", "−3"],
            "Events": [22, 9],
            "Flag": [True, False],
            "Note": ["see 2 below", "–"],  # digits among letters: text
        }
    )
    separator = markdown_table(frame, "Alignment.", "tbl-align").splitlines()[1]
    marks = [(cell[0], cell[-1]) for cell in separator.strip("|").split("|")]
    left, right = (":", "-"), ("-", ":")
    assert marks == [left, right, right, right, left, left]
    centred = markdown_table(frame, "Alignment.", "tbl-align", align={"Events": "center"})
    assert centred.splitlines()[1].split("|")[4].startswith(":")
    assert centred.splitlines()[1].split("|")[4].endswith(":")


def test_bad_alignments_labels_and_captions_are_refused() -> None:
    frame = pd.DataFrame({"A": [1]})
    with pytest.raises(ValueError, match="the table has"):
        markdown_table(frame, "Caption.", "tbl-a", align={"B": "left"})
    with pytest.raises(ValueError, match="one of"):
        markdown_table(frame, "Caption.", "tbl-a", align={"A": "justify"})
    for label in ("tbl_a", "fig-a", "tbl-", "a", "tbl-A"):
        with pytest.raises(ValueError, match="no underscores"):
            markdown_table(frame, "Caption.", label)
    with pytest.raises(ValueError, match="without its label"):
        markdown_table(frame, "Caption. {#tbl-a}", "tbl-a")


def _widths(markdown: str) -> list[int]:
    return [len(cell) for cell in markdown.splitlines()[1].strip("|").split("|")]


def test_long_text_shares_the_width_in_proportion_and_numbers_keep_theirs() -> None:
    frame = pd.DataFrame(
        {
            "A": [" ".join(["abcd"] * 60)],  # 299 characters, words of 4
            "B": [" ".join(["abcd"] * 20)],  # 99 characters
            "α": ["0.90 (0.78–0.98)"],  # 16 characters, never broken
        }
    )
    markdown = markdown_table(frame, "Widths.", "tbl-widths")
    # least widths 4 + 3, 4 + 3, 16 + 3 leave 120 - 33 = 87 to share in proportion to
    # how much wider each column wants to be: A 295, B 95, α 0
    assert _widths(markdown) == [73, 28, 19]  # 7 + 87 * 295 / 390, 7 + 87 * 95 / 390
    # and pandoc reads them as the relative widths of the PDF's columns
    typst = pypandoc.convert_text(markdown, "typst", format="markdown")
    assert "columns: (60.83%, 23.33%, 15.83%)" in typst


def test_tables_that_fit_keep_their_natural_widths_and_short_text_never_wraps() -> None:
    frame = pd.DataFrame(
        {
            "Model": ["Segmented trend with one break"],  # 30
            "Likelihood": ["Poisson"],
            "Verdict": ["**not supported**"],  # marks take no room, bold type a tenth more
        }
    )
    # 30, 10 and 13 characters; the header "Likelihood" is bold (+1), so is "not supported" (+2)
    assert _widths(markdown_table(frame, "Fits.", "tbl-fits")) == [33, 14, 18]
    wide = frame.assign(Evidence=" ".join(["abcdefgh"] * 40))
    widths = _widths(markdown_table(wide, "Wide.", "tbl-wide"))
    assert widths[1:3] == [14, 18] and sum(widths) == 120

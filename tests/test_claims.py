"""Verdicts on the paper's claims follow the stated interval rule, on hand-made results."""

import pandas as pd
import pytest

from analysis.common.claims import (
    CANNOT_TELL,
    NOT_SUPPORTED,
    SUPPORTED,
    assess,
    claims_markdown,
    claims_numbers,
    interval_verdict,
)


@pytest.mark.parametrize(
    ("low", "high", "claimed", "expected"),
    [
        (1.2, 3.0, "above", SUPPORTED),
        (1.2, 3.0, "below", NOT_SUPPORTED),
        (0.2, 0.8, "below", SUPPORTED),
        (0.2, 0.8, "above", NOT_SUPPORTED),
        (0.5, 2.0, "above", CANNOT_TELL),
        (0.5, 2.0, "below", CANNOT_TELL),
    ],
)
def test_interval_verdict(low: float, high: float, claimed: str, expected: str) -> None:
    assert interval_verdict(low, high, claimed) == expected


def tidy(term: str, low: float, high: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"term": ["age 1–4 years", term], "estimate": [0.01, (low * high) ** 0.5],
         "std_error": [0.1, 0.1], "conf_low": [0.005, low], "conf_high": [0.02, high],
         "p_value": [0.0, 0.5]}
    )


def results(synthetic: bool = True, partners: bool = True) -> tuple[dict, dict]:
    numbers = {
        "census": {"available": True, "n_networks": 214, "first_founding": 1913,
                   "last_founding": 2022, "alive_1985": "21–22", "alive_2016": "168–175"},
        "growth": {"available": True, "inverted_u": True, "peak_in_range": True,
                   "peak_density": "120 networks", "truncated_inverted_u": False,
                   "truncated_end_year": 2020, "truncated_peak_density": "",
                   "density_verdict": "Foundings rise, then fall."},
        "survival": {"available": True, "hr_density": "1.35 (95% CI 0.47–3.90)", "events_primary": 22},
        "partners": {"available": partners, "skip_reason": "" if partners else "No partner column.",
                     "hr_multilateral": "0.4 (95% CI 0.2–0.9)", "hr_public_private": "2.3 (0.5–10)",
                     "irr_public_private": "0.18 (0.05–0.63)", "n_public_private": 16},
        "focus_groups": {"available": True, "synthetic": synthetic,
                         "top_theme": "Community of practice", "top_theme_share": "80%"},
    }
    models = {
        "dissolution_piecewise": tidy("density (per 100 networks)", 0.47, 3.90),
        "partners_dissolution_multilateral": tidy("Multilateral founding partner", 0.2, 0.9),
        "partners_dissolution_public_private": tidy("Public–private founding partner", 0.5, 10.0),
        "partners_members_nb": tidy("Public–private (business or philanthropy)", 0.05, 0.63),
    }
    return numbers, models


def test_each_claim_gets_the_verdict_its_interval_implies() -> None:
    verdicts = [a.verdict for a in assess(*results())]
    assert verdicts == [
        SUPPORTED,      # 22 -> 175 alive: eight-fold
        SUPPORTED,      # multilateral HR CI below 1
        NOT_SUPPORTED,  # fewer members, survival spans 1
        CANNOT_TELL,    # inverted U, but not when the last years are left out
        CANNOT_TELL,    # density HR spans 1
        CANNOT_TELL,    # synthetic focus groups cannot test a claim
    ]


def test_real_focus_groups_and_skipped_partners() -> None:
    assessments = assess(*results(synthetic=False, partners=False))
    assert assessments[5].verdict == SUPPORTED
    assert assessments[1].verdict == assessments[2].verdict == CANNOT_TELL
    assert assessments[1].evidence == "No partner column."


def test_table_and_numbers() -> None:
    assessments = assess(*results())
    table = claims_markdown(assessments)
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + len(assessments)  # header + one row per claim
    assert table.rstrip().endswith("{#tbl-claims}")
    numbers = claims_numbers(assessments)
    assert (numbers["n_supported"], numbers["n_not_supported"], numbers["n_cannot_tell"]) == (2, 1, 3)
    assert numbers["verdict_selection"] == CANNOT_TELL


def test_saturation_is_supported_when_the_peak_survives_the_series_end_check() -> None:
    numbers, models = results()
    numbers["growth"].update(truncated_inverted_u=True, truncated_peak_density="125 networks")
    assessment = assess(numbers, models)[3]
    assert assessment.verdict == SUPPORTED
    assert "2020: peak at 125 networks" in assessment.evidence
    numbers["growth"].update(inverted_u=False)
    assert assess(numbers, models)[3].verdict == NOT_SUPPORTED


def test_saturation_cannot_be_told_when_a_trend_alone_mimics_it() -> None:
    numbers, models = results()
    numbers["growth"].update(truncated_inverted_u=True, truncated_peak_density="125 networks")
    numbers["recovery"] = {"trend_mimics_inverted_u": True, "trend_false_inverted_u": "82% (MCSE 2.7%)"}
    assessment = assess(numbers, models)[3]
    assert assessment.verdict == CANNOT_TELL
    assert "82% (MCSE 2.7%)" in assessment.evidence

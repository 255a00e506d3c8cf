"""The paper's claims, one by one, against what this census and these models show.

Acuto, Morissette & Tsouros (2017) draw four policy implications (reference/paper.md). Each is
turned here into a claim the results can speak to, with a verdict decided by a stated rule on
the models' confidence intervals, never by hand: *supported* when an interval excludes no
effect in the claimed direction, *not supported* when it excludes it in the other direction (or
the predicted pattern is absent), *cannot tell* otherwise or when the data cannot answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.common.contract import markdown_table

SUPPORTED, NOT_SUPPORTED, CANNOT_TELL = "supported", "not supported", "cannot tell"

Numbers = Mapping[str, Mapping[str, Any]]  # stage -> numbers.json
Models = Mapping[str, pd.DataFrame]  # model name -> tidy table


@dataclass(frozen=True)
class Assessment:
    """One row of the claims table."""

    implication: int
    claim: str
    evidence: str
    verdict: str


def interval_verdict(low: float, high: float, claimed: str) -> str:
    """Verdict on a ratio (1 = no effect) whose claimed direction is ``"above"`` or ``"below"`` 1."""
    if claimed not in ("above", "below"):
        raise ValueError(f"claimed must be 'above' or 'below', not {claimed!r}")
    above, below = low > 1, high < 1
    if (above and claimed == "above") or (below and claimed == "below"):
        return SUPPORTED
    if above or below:
        return NOT_SUPPORTED
    return CANNOT_TELL


def term(models: Models, model: str, prefix: str) -> pd.Series | None:
    """The first tidy row of ``model`` whose term starts with ``prefix`` (None if absent)."""
    tidy = models.get(model)
    if tidy is None:
        return None
    rows = tidy[tidy["term"].str.startswith(prefix)]
    return None if rows.empty else rows.iloc[0]


def _skipped(numbers: Numbers, stage: str) -> str | None:
    stage_numbers = numbers.get(stage, {})
    if not stage_numbers.get("available", False):
        return stage_numbers.get("skip_reason") or f"The {stage} analysis did not run."
    return None


def extent(numbers: Numbers, models: Models) -> Assessment:
    census = numbers["census"]
    claim = "City networking is extensive and has multiplied: 55 networks in 1985, more than 200 by 2016."
    low_1985 = int(str(census["alive_1985"]).split("–")[0])
    high_2016 = int(str(census["alive_2016"]).split("–")[-1])
    ratio = high_2016 / max(low_1985, 1)
    evidence = (
        f"{census['n_networks']} networks founded {census['first_founding']}–"
        f"{census['last_founding']}; {census['alive_1985']} alive in 1985 and "
        f"{census['alive_2016']} in 2016 (up to {ratio:.0f}-fold). Fewer than published in both "
        "years: public sources miss early and defunct networks."
    )
    return Assessment(1, claim, evidence, SUPPORTED if ratio >= 2 else NOT_SUPPORTED)


def multilateral_survival(numbers: Numbers, models: Models) -> Assessment:
    claim = "Support from multilateral organisations helps networks last."
    skipped = _skipped(numbers, "partners")
    row = term(models, "partners_dissolution_multilateral", "Multilateral")
    if skipped or row is None:
        return Assessment(2, claim, skipped or "No model of dissolution by partner type.", CANNOT_TELL)
    evidence = f"Hazard ratio of ending, multilateral founding partner: {numbers['partners']['hr_multilateral']}."
    return Assessment(2, claim, evidence, interval_verdict(row.conf_low, row.conf_high, "below"))


def public_private(numbers: Numbers, models: Models) -> Assessment:
    claim = "Public–private coalitions (business, philanthropy) are key to a network's success."
    skipped = _skipped(numbers, "partners")
    survival = term(models, "partners_dissolution_public_private", "Public–private")
    members = term(models, "partners_members_nb", "Public–private")
    if skipped or (survival is None and members is None):
        return Assessment(2, claim, skipped or "No model of partner effects.", CANNOT_TELL)
    parts, verdicts = [], []
    if survival is not None:
        parts.append(f"hazard ratio of ending {numbers['partners']['hr_public_private']}")
        verdicts.append(interval_verdict(survival.conf_low, survival.conf_high, "below"))
    if members is not None:
        parts.append(f"members rate ratio {numbers['partners']['irr_public_private']}")
        verdicts.append(interval_verdict(members.conf_low, members.conf_high, "above"))
    verdict = (
        SUPPORTED if SUPPORTED in verdicts
        else NOT_SUPPORTED if NOT_SUPPORTED in verdicts
        else CANNOT_TELL
    )
    evidence = (
        f"{numbers['partners']['n_public_private']} networks had such founders; "
        + "; ".join(parts) + "."
    )
    return Assessment(2, claim, evidence, verdict)


def saturation(numbers: Numbers, models: Models) -> Assessment:
    claim = "There may be too many networks: founding slows as the landscape fills up."
    skipped = _skipped(numbers, "growth")
    if skipped:
        return Assessment(3, claim, skipped, CANNOT_TELL)
    growth = numbers["growth"]
    found = bool(growth["inverted_u"] and growth["peak_in_range"])
    verdict = SUPPORTED if found else NOT_SUPPORTED
    evidence = f"Founding rate rises, then falls with density; it peaks at {growth['peak_density']}."
    if not found:
        evidence = str(growth["density_verdict"])
    elif not growth["truncated_inverted_u"]:
        verdict = CANNOT_TELL
        evidence += f" Without the last years (series ended {growth['truncated_end_year']}) the peak is not found."
    else:
        evidence += f" Ending the series in {growth['truncated_end_year']}: peak at {growth['truncated_peak_density']}."
    recovery = numbers.get("recovery", {})
    if found and recovery.get("trend_mimics_inverted_u"):
        verdict = CANNOT_TELL
        evidence += (
            f" But a rising trend alone produced this pattern in {recovery['trend_false_inverted_u']}"
            " of simulated populations, so it cannot be told apart from growth without saturation."
        )
    return Assessment(3, claim, evidence, verdict)


def selection(numbers: Numbers, models: Models) -> Assessment:
    claim = "A 'Darwinian' selection is coming: crowding makes networks end."
    skipped = _skipped(numbers, "survival")
    row = term(models, "dissolution_piecewise", "density (per 100")
    if skipped or row is None:
        return Assessment(3, claim, skipped or "No dissolution model.", CANNOT_TELL)
    survival = numbers["survival"]
    evidence = (
        f"Hazard ratio of ending per 100 more networks alive: {survival['hr_density']}, "
        f"from {survival['events_primary']} ends."
    )
    return Assessment(3, claim, evidence, interval_verdict(row.conf_low, row.conf_high, "above"))


def community(numbers: Numbers, models: Models) -> Assessment:
    claim = "Cities value networks above all as communities of practice."
    skipped = _skipped(numbers, "focus_groups")
    if skipped:
        return Assessment(4, claim, skipped, CANNOT_TELL)
    fg = numbers["focus_groups"]
    if fg.get("synthetic"):
        return Assessment(
            4, claim,
            "No real transcripts are public; the focus-group section runs on synthetic data, "
            "which cannot test the claim.",
            CANNOT_TELL,
        )
    top = str(fg["top_theme"])
    verdict = SUPPORTED if "community" in top.lower() else NOT_SUPPORTED
    return Assessment(4, claim, f"Most-mentioned theme: {top} ({fg['top_theme_share']}).", verdict)


ASSESSORS: tuple[Callable[[Numbers, Models], Assessment], ...] = (
    extent, multilateral_survival, public_private, saturation, selection, community,
)


def assess(numbers: Numbers, models: Models) -> list[Assessment]:
    """Every claim's evidence and verdict, in the paper's order."""
    return [assessor(numbers, models) for assessor in ASSESSORS]


def claims_markdown(assessments: list[Assessment]) -> str:
    """The claims table for the brief (pipe table with a cross-referenceable caption)."""
    frame = pd.DataFrame(
        {
            "Paper's claim (implication)": [f"{a.claim} ({a.implication})" for a in assessments],
            "What this census and these models show": [a.evidence for a in assessments],
            "Verdict": [f"**{a.verdict}**" for a in assessments],
        }
    )
    caption = ("The paper's policy implications as testable claims, against this census and "
               "these models. Verdicts follow a fixed rule on 95% confidence intervals (appendix).")
    return markdown_table(frame, caption, "tbl-claims")


def claims_numbers(assessments: list[Assessment]) -> dict[str, Any]:
    """Verdict counts and one verdict per claim, for the key messages."""
    names = [assessor.__name__ for assessor in ASSESSORS]
    counts = pd.Series([a.verdict for a in assessments]).value_counts()
    numbers: dict[str, Any] = {"available": True, "skip_reason": "", "n_claims": len(assessments)}
    for label, key in ((SUPPORTED, "supported"), (NOT_SUPPORTED, "not_supported"), (CANNOT_TELL, "cannot_tell")):
        numbers[f"n_{key}"] = int(counts.get(label, 0))
    numbers.update({f"verdict_{name}": a.verdict for name, a in zip(names, assessments)})
    return numbers


def read_models(paths: list[str | Path]) -> dict[str, pd.DataFrame]:
    """Tidy tables keyed by model name (the folder under ``results/models/``)."""
    return {Path(path).parent.name: pd.read_csv(path) for path in paths}

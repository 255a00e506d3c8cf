"""The codebook of the focus-group analysis: codes, themes and their definitions.

A code is only usable evidence if a second coder can apply it from its written definition, so
every code must carry a label, a definition, when to use it and when not, and an example.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

#: Reserved value in ``codings.code``: the coder read the segment and no code applies. Without
#: it a coder's "nothing here" would be indistinguishable from "not coded by this coder".
NO_CODE = "none"


CODE_FIELDS = ["label", "definition", "when_to_use", "when_not_to_use", "example"]


@dataclass(frozen=True)
class Codebook:
    """Themes and their codes; ``codes`` keeps the file's order (one row per code)."""

    version: str
    themes: pd.DataFrame  # theme_id, label, definition
    codes: (
        pd.DataFrame
    )  # code_id, theme_id, label, definition, when_to_use, when_not_to_use, example

    @property
    def code_ids(self) -> list[str]:
        return self.codes["code_id"].tolist()

    @property
    def theme_ids(self) -> list[str]:
        return self.themes["theme_id"].tolist()

    def code_labels(self) -> dict[str, str]:
        return dict(zip(self.codes["code_id"], self.codes["label"]))

    def theme_labels(self) -> dict[str, str]:
        return dict(zip(self.themes["theme_id"], self.themes["label"]))


class CodebookError(ValueError):
    """The codebook file is malformed; the message lists every problem."""


def load_codebook(path: str | Path) -> Codebook:
    """Read ``codebook.yaml`` and check that every code has the six MacQueen et al. fields."""
    source = Path(path).name
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    problems: list[str] = []
    if not str(raw.get("version", "")).strip():
        problems.append(f'{source}: no `version`. Fix: add e.g. `version: "1.0.0"`.')
    themes, codes = [], []
    for t, theme in enumerate(raw.get("themes") or [], start=1):
        theme_id = str(theme.get("id", "")).strip()
        if not theme_id:
            problems.append(f"{source}: theme {t} has no `id`. Fix: give it a short unique id.")
        themes.append(
            {
                "theme_id": theme_id,
                "label": theme.get("label") or theme_id,
                "definition": theme.get("definition", ""),
            }
        )
        for c, code in enumerate(theme.get("codes") or [], start=1):
            code_id = str(code.get("id", "")).strip()
            where = f"code `{code_id}`" if code_id else f"code {c} of theme `{theme_id}`"
            if not code_id:
                problems.append(f"{source}: {where} has no `id`. Fix: give it a unique id.")
            elif code_id == NO_CODE:
                problems.append(
                    f"{source}: `{NO_CODE}` is reserved for 'no code applies'. "
                    "Fix: rename the code."
                )
            absent = [f for f in CODE_FIELDS if not str(code.get(f, "") or "").strip()]
            if absent:
                problems.append(
                    f"{source}: {where} lacks {', '.join(absent)}. "
                    "Fix: fill in every field of the code."
                )
            codes.append(
                {
                    "code_id": code_id,
                    "theme_id": theme_id,
                    **{f: str(code.get(f, "") or "").strip() for f in CODE_FIELDS},
                }
            )
    if not codes:
        problems.append(f"{source}: no codes. Fix: list codes under `themes: - codes:`.")
    for kind, ids in (
        ("theme", [t["theme_id"] for t in themes]),
        ("code", [c["code_id"] for c in codes]),
    ):
        for dup in sorted({i for i in ids if i and ids.count(i) > 1}):
            problems.append(
                f"{source}: {kind} id `{dup}` is used more than once. " "Fix: make ids unique."
            )
    if problems:
        raise CodebookError("Problems in the codebook:\n  - " + "\n  - ".join(problems))
    return Codebook(str(raw["version"]), pd.DataFrame(themes), pd.DataFrame(codes))

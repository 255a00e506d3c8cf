"""Snakemake step: fail before the brief if a name, e-mail or phone number is in an output.

Files found holding personal data are deleted, so they cannot be copied or published by
accident; the fixed corpus rebuilds them on the next run.
"""

import sys
from pathlib import Path

import pandas as pd

from analysis.focus_groups.pseudonymise import (
    PersonalDataError,
    assert_no_personal_data,
    roster_strings,
)

sys.stderr = open(snakemake.log[0], "w", buffering=1)

paths = [*snakemake.input.outputs, snakemake.input.section]
forbidden = [
    s for roster in snakemake.input.roster for s in roster_strings(pd.read_csv(roster, dtype=str))
]
try:
    scanned = assert_no_personal_data(paths, forbidden)
except PersonalDataError as error:
    for leaky in error.files:
        if Path(leaky).resolve().is_relative_to(Path("results").resolve()):
            leaky.unlink()
    raise
skipped = [p for p in paths if Path(p) not in scanned]
names = (
    f"{len(forbidden)} roster strings" if forbidden else "no roster configured (names not checked)"
)
Path(snakemake.output.check).write_text(
    "Privacy check of the focus-group outputs: passed.\n"
    f"Looked for: e-mail addresses, phone numbers, {names}.\n"
    "Scanned:\n"
    + "".join(f"  {p}\n" for p in scanned)
    + "Not scanned (images):\n"
    + "".join(f"  {p}\n" for p in skipped),
    encoding="utf-8",
)

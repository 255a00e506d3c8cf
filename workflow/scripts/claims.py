"""Snakemake step: the paper's claims against the results (table + verdict counts)."""

import json
import sys
from pathlib import Path

from analysis.common.claims import assess, claims_markdown, claims_numbers, read_models
from analysis.common.contract import write_numbers

sys.stderr = open(snakemake.log[0], "w", buffering=1)

numbers = {
    Path(path).parent.name: json.loads(Path(path).read_text(encoding="utf-8"))
    for path in snakemake.input.numbers
}
assessments = assess(numbers, read_models(snakemake.input.models))
Path(snakemake.output.table).parent.mkdir(parents=True, exist_ok=True)
Path(snakemake.output.table).write_text(claims_markdown(assessments), encoding="utf-8")
write_numbers(snakemake.output.numbers, claims_numbers(assessments))

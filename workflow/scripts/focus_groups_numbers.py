"""Snakemake step: the stage's flat numbers.json (parts merged, synthetic flag on top)."""

import json
import sys
from pathlib import Path

from analysis.common.contract import write_numbers

sys.stderr = open(snakemake.log[0], "w", buffering=1)

provenance = json.loads(Path(snakemake.input.provenance).read_text())
numbers = {"available": True, "synthetic": provenance["synthetic"], "source": provenance["source"]}
for part in snakemake.input.parts:
    numbers |= json.loads(Path(part).read_text(encoding="utf-8"))
write_numbers(snakemake.output.numbers, numbers)

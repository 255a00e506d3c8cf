"""Snakemake step: every stage's numbers.json plus provenance -> results/brief/meta.yml."""

import sys
from pathlib import Path

from analysis.common.provenance import merge_numbers, provenance, write_meta

sys.stderr = open(snakemake.log[0], "w", buffering=1)

# results/<stage>/numbers.json: the stage is the folder's name
numbers = {Path(path).parent.name: Path(path) for path in snakemake.input.numbers}
meta = {**merge_numbers(numbers), **provenance([Path(snakemake.input.data)])}
write_meta(Path(snakemake.output[0]), meta)
print(f"{len(meta)} keys from stages {', '.join(sorted(numbers))}", file=sys.stderr)

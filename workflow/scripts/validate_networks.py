"""Snakemake step: check the raw networks table against the data package, write it typed.

On bad input nothing is written: the message listing every problem goes to the log (shown
by Snakemake when the job fails) and the step exits with an error.
"""

import sys
from pathlib import Path

from analysis.census.problems import NetworkTableError
from analysis.census.validation import load_networks

sys.stderr = open(snakemake.log[0], "w", buffering=1)

try:
    networks = load_networks(
        snakemake.input.table, snakemake.input.datapackage, snakemake.params.census_year
    )
except NetworkTableError as error:
    print(error, file=sys.stderr)
    raise SystemExit(1) from error

# write next to the target, then rename: a reader never sees a half-written table
output = Path(snakemake.output[0])
output.parent.mkdir(parents=True, exist_ok=True)
temporary = output.with_name(f".{output.name}.tmp")
try:
    networks.to_parquet(temporary, index=False)
    temporary.replace(output)
finally:
    temporary.unlink(missing_ok=True)

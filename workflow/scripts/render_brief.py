"""Snakemake step: render reports/brief.qmd to HTML and PDF with Quarto or pandoc + Typst."""

import sys
from pathlib import Path

from analysis.common.render import choose_renderer, render_brief

sys.stderr = open(snakemake.log[0], "w", buffering=1)

renderer = choose_renderer(snakemake.params.renderer)
made_by = render_brief(
    Path(snakemake.input.brief),
    Path(snakemake.input.meta),
    Path(snakemake.output.html),
    Path(snakemake.output.pdf),
    renderer,
)
print(f"rendered with {made_by}", file=sys.stderr)

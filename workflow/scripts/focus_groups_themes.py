"""Snakemake step: code and theme frequencies, co-occurrence, exemplar quotes, two figures."""

import json
import sys
from pathlib import Path

from analysis.focus_groups.corpus import load_processed
from analysis.focus_groups.figures import plot_cooccurrence, plot_theme_frequencies
from analysis.focus_groups.themes import (
    code_frequencies,
    code_presence,
    cooccurrence,
    corpus_numbers,
    exemplar_quotes,
    quotes_markdown,
    theme_frequencies,
    theme_numbers,
)

sys.stderr = open(snakemake.log[0], "w", buffering=1)

out = snakemake.output
codebook, corpus, synthetic = load_processed(
    snakemake.input.codebook, snakemake.input.provenance
)

codes, themes = code_frequencies(corpus), theme_frequencies(corpus)
pairs = cooccurrence(code_presence(corpus))
quotes = exemplar_quotes(corpus)
codes.to_csv(out.codes, index=False)
themes.to_csv(out.themes, index=False)
pairs.to_csv(out.cooccurrence, index=False)
Path(out.quotes).write_text(quotes_markdown(quotes, synthetic), encoding="utf-8")
plot_theme_frequencies(codes, codebook.theme_labels(), out.frequency_figure, synthetic)
plot_cooccurrence(pairs, codebook.code_labels(), out.cooccurrence_figure, synthetic)
numbers = corpus_numbers(corpus) | theme_numbers(codes, themes, quotes)
Path(out.numbers).write_text(json.dumps(numbers, indent=2, ensure_ascii=False), encoding="utf-8")

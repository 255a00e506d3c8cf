"""Snakemake step: the validated focus-group corpus, from the user's tables or the generator."""

import json
import sys
from pathlib import Path

from analysis.focus_groups.codebook import load_codebook
from analysis.focus_groups.corpus import load_corpus, step_seed, validate_corpus, write_corpus
from analysis.focus_groups.synthetic_corpus import generate

sys.stderr = open(snakemake.log[0], "w", buffering=1)

params = snakemake.params
codebook = load_codebook(snakemake.input.codebook)
provenance = {
    "source": params.source,
    "synthetic": params.source == "synthetic",
    "codebook_version": codebook.version,
}
if params.source == "synthetic":
    seed = step_seed(params.seed, "corpus")
    corpus = validate_corpus(generate(codebook, seed=seed, **params.synthetic), codebook)
    provenance |= {"seed": seed, **params.synthetic}
else:
    corpus = load_corpus(Path(snakemake.input.raw[0]).parent, codebook)
write_corpus(corpus, Path(snakemake.output.provenance).parent)
Path(snakemake.output.provenance).write_text(
    json.dumps(provenance, indent=2) + "\n", encoding="utf-8"
)

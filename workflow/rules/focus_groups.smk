# Focus groups: a coded corpus (four CSV tables + codebook.yaml) -> themes, co-occurrence,
# inter-coder reliability, saturation and exemplar quotes, then a privacy guard over every
# output before the brief may read them. focus_groups.source "synthetic" generates the labelled
# synthetic corpus; "data" reads the user's tables from focus_groups.dir (no code change).

FG_CORPUS = "data/processed/focus_groups"
FG_RESULTS = "results/focus_groups"
FG_TABLES = ["sessions", "participants", "segments", "codings"]


rule focus_groups_corpus:
    input:
        code=code("focus_groups_corpus"),
        codebook=f"{config['focus_groups']['dir']}/codebook.yaml",
        # the user's corpus files are inputs only when the corpus comes from data
        raw=lambda w: (
            expand(f"{config['focus_groups']['dir']}/{{table}}.csv", table=FG_TABLES)
            if config["focus_groups"]["source"] == "data"
            else []
        ),
    output:
        tables=expand(f"{FG_CORPUS}/{{table}}.csv", table=FG_TABLES),
        provenance=f"{FG_CORPUS}/provenance.json",
    log:
        "logs/focus_groups_corpus.log",
    benchmark:
        "benchmarks/focus_groups_corpus.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        source=config["focus_groups"]["source"],
        synthetic=config["focus_groups"]["synthetic"],
        seed=config["seed"],
    script:
        "../scripts/focus_groups_corpus.py"


rule focus_groups_themes:
    input:
        code=code("focus_groups_themes"),
        codebook=rules.focus_groups_corpus.input.codebook,
        tables=rules.focus_groups_corpus.output.tables,
        provenance=rules.focus_groups_corpus.output.provenance,
    output:
        codes=f"{FG_RESULTS}/code_frequencies.csv",
        themes=f"{FG_RESULTS}/theme_frequencies.csv",
        cooccurrence=f"{FG_RESULTS}/cooccurrence.csv",
        quotes=f"{FG_RESULTS}/tables/quotes.md",
        frequency_figure=report(
            f"{FG_RESULTS}/figures/theme_frequencies.png",
            caption="../report/focus_groups_theme_frequencies.rst",
            category="Focus groups",
            labels={"result": "participants raising each code", "type": "figure"},
        ),
        cooccurrence_figure=report(
            f"{FG_RESULTS}/figures/cooccurrence.png",
            caption="../report/focus_groups_cooccurrence.rst",
            category="Focus groups",
            labels={"result": "codes raised together", "type": "figure"},
        ),
        numbers=f"{FG_RESULTS}/parts/themes.json",
    log:
        "logs/focus_groups_themes.log",
    benchmark:
        "benchmarks/focus_groups_themes.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/focus_groups_themes.py"


rule focus_groups_reliability:
    input:
        code=code("focus_groups_reliability"),
        codebook=rules.focus_groups_corpus.input.codebook,
        tables=rules.focus_groups_corpus.output.tables,
        provenance=rules.focus_groups_corpus.output.provenance,
    output:
        tidy=report(
            f"{FG_RESULTS}/reliability.csv",
            caption="../report/focus_groups_reliability.rst",
            category="Focus groups",
            labels={"result": "inter-coder reliability per code", "type": "table"},
        ),
        table=f"{FG_RESULTS}/tables/reliability.md",
        numbers=f"{FG_RESULTS}/parts/reliability.json",
    log:
        "logs/focus_groups_reliability.log",
    benchmark:
        "benchmarks/focus_groups_reliability.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        seed=config["seed"],
    script:
        "../scripts/focus_groups_reliability.py"


rule focus_groups_saturation:
    input:
        code=code("focus_groups_saturation"),
        codebook=rules.focus_groups_corpus.input.codebook,
        tables=rules.focus_groups_corpus.output.tables,
        provenance=rules.focus_groups_corpus.output.provenance,
    output:
        curve=f"{FG_RESULTS}/saturation.csv",
        ratios=f"{FG_RESULTS}/saturation_ratios.csv",
        figure=report(
            f"{FG_RESULTS}/figures/saturation.png",
            caption="../report/focus_groups_saturation.rst",
            category="Focus groups",
            labels={"result": "codes found as sessions are added", "type": "figure"},
        ),
        numbers=f"{FG_RESULTS}/parts/saturation.json",
    log:
        "logs/focus_groups_saturation.log",
    benchmark:
        "benchmarks/focus_groups_saturation.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        seed=config["seed"],
    script:
        "../scripts/focus_groups_saturation.py"


rule focus_groups_numbers:
    input:
        code=code("focus_groups_numbers"),
        provenance=rules.focus_groups_corpus.output.provenance,
        parts=[
            rules.focus_groups_themes.output.numbers,
            rules.focus_groups_reliability.output.numbers,
            rules.focus_groups_saturation.output.numbers,
        ],
    output:
        numbers=f"{FG_RESULTS}/numbers.json",
    log:
        "logs/focus_groups_numbers.log",
    benchmark:
        "benchmarks/focus_groups_numbers.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/focus_groups_numbers.py"


rule focus_groups_privacy:
    input:
        code=code("focus_groups_privacy"),
        outputs=[
            *rules.focus_groups_themes.output,
            *rules.focus_groups_reliability.output,
            *rules.focus_groups_saturation.output,
            *rules.focus_groups_numbers.output,
        ],
        section="reports/_focus_groups.qmd",
        # the restricted roster (outside the repository), when configured: its names are checked
        roster=lambda w: [r] if (r := config["focus_groups"].get("roster")) else [],
    output:
        check=f"{FG_RESULTS}/privacy_check.txt",
    log:
        "logs/focus_groups_privacy.log",
    benchmark:
        "benchmarks/focus_groups_privacy.tsv"
    conda:
        "../../envs/focus_groups.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/focus_groups_privacy.py"


BRIEF_INPUTS.extend(
    [
        rules.focus_groups_numbers.output.numbers,
        rules.focus_groups_themes.output.frequency_figure,
        rules.focus_groups_themes.output.cooccurrence_figure,
        rules.focus_groups_themes.output.quotes,
        rules.focus_groups_reliability.output.table,
        rules.focus_groups_saturation.output.figure,
        rules.focus_groups_privacy.output.check,
    ]
)

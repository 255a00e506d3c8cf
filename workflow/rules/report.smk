# The brief: merge every stage's numbers with provenance into one metadata file, then render
# reports/brief.qmd to HTML and PDF (Quarto if installed, else pandoc + Typst; see
# analysis/common/render.py). Every file the brief reads is an input, so any change re-renders it.
import glob


rule brief_meta:
    input:
        code=code("brief_meta"),
        numbers=[path for path in BRIEF_INPUTS if str(path).endswith("numbers.json")],
        data=config["networks"]["table"],
    output:
        "results/brief/meta.yml",
    log:
        "logs/brief_meta.log",
    benchmark:
        "benchmarks/brief_meta.tsv"
    conda:
        "../../envs/report.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/brief_meta.py"


rule render_brief:
    input:
        code=code("render_brief"),
        brief="reports/brief.qmd",
        sections=sorted(glob.glob("reports/_*.qmd")),
        project="_quarto.yml",
        css="reports/brief.css",
        lua_filter="reports/fallback/quarto-compat.lua",
        template="reports/fallback/brief.typ",
        meta=rules.brief_meta.output[0],
        files=BRIEF_INPUTS,
    output:
        html="reports/brief.html",
        pdf="reports/brief.pdf",
    log:
        "logs/render_brief.log",
    benchmark:
        "benchmarks/render_brief.tsv"
    conda:
        "../../envs/report.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 4000 * attempt,
        runtime=lambda wildcards, attempt: 30 * attempt,
    params:
        renderer=config["report"]["renderer"],
    script:
        "../scripts/render_brief.py"

# Dissolution of networks: Kaplan-Meier and cumulative-incidence curves by age, then
# piecewise-exponential and Cox hazard models of ending with their robustness variants.

# models written to results/models/dissolution_<name>/ (specifications in analysis.survival.models)
SURVIVAL_MODELS = [
    "piecewise",
    "cox",
    "piecewise_dissolved",
    "piecewise_merged",
    "piecewise_no_borderline",
    "cox_no_borderline",
    "piecewise_end_midpoint",
    "piecewise_end_latest",
]


rule survival_curves:
    input:
        code=code("survival_curves"),
        networks="data/processed/networks.parquet",
    output:
        curves="results/survival/curves.csv",
        figure=report(
            "results/survival/figures/survival_curves.png",
            caption="../report/survival_curves.rst",
            category="Survival",
            labels={"result": "survival and ends by age", "type": "figure"},
        ),
    log:
        "logs/survival_curves.log",
    benchmark:
        "benchmarks/survival_curves.tsv"
    conda:
        "../../envs/survival.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        seed=config["seed"],
    script:
        "../scripts/survival_curves.py"


rule survival_models:
    input:
        code=code("survival_models"),
        networks="data/processed/networks.parquet",
        curves=rules.survival_curves.output.curves,
    output:
        numbers="results/survival/numbers.json",
        table=report(
            "results/survival/tables/dissolution.md",
            caption="../report/survival_dissolution.rst",
            category="Survival",
            labels={"result": "hazard of ending and density", "type": "table"},
        ),
        tidy=expand(
            "results/models/dissolution_{model}/tidy.csv", model=SURVIVAL_MODELS
        ),
        glance=expand(
            "results/models/dissolution_{model}/glance.json", model=SURVIVAL_MODELS
        ),
    log:
        "logs/survival_models.log",
    benchmark:
        "benchmarks/survival_models.tsv"
    conda:
        "../../envs/survival.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        age_pieces=config["survival"]["age_pieces"],
        models=SURVIVAL_MODELS,
    script:
        "../scripts/survival_models.py"


BRIEF_INPUTS.extend(
    [
        rules.survival_curves.output.figure,
        rules.survival_models.output.numbers,
        rules.survival_models.output.table,
    ]
)

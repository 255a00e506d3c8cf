# The paper's four policy implications as claims, each with its evidence and a verdict.


rule claims:
    input:
        code=code("claims"),
        numbers=expand(
            "results/{stage}/numbers.json",
            stage=[
                "census",
                "growth",
                "recovery",
                "survival",
                "partners",
                "focus_groups",
            ],
        ),
        models=expand(
            "results/models/{model}/tidy.csv",
            model=[
                "dissolution_piecewise",
                "partners_dissolution_multilateral",
                "partners_dissolution_public_private",
                "partners_members_nb",
            ],
        ),
    output:
        table="results/claims/tables/claims.md",
        numbers="results/claims/numbers.json",
    log:
        "logs/claims.log",
    benchmark:
        "benchmarks/claims.tsv"
    conda:
        "../../envs/census.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/claims.py"


BRIEF_INPUTS.extend(rules.claims.output)

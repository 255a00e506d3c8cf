# Describing the census: yearly foundings, networks alive, comparison with published counts.


rule census:
    input:
        code=code("census"),
        networks="data/processed/networks.parquet",
    output:
        yearly=report(
            "results/census/yearly.csv",
            caption="../report/census_yearly.rst",
            category="Census",
            labels={"result": "foundings and networks alive by year", "type": "table"},
        ),
        numbers="results/census/numbers.json",
        foundings=report(
            "results/census/figures/foundings.png",
            caption="../report/census_foundings.rst",
            category="Census",
            labels={"result": "networks founded per year", "type": "figure"},
        ),
        alive=report(
            "results/census/figures/alive.png",
            caption="../report/census_alive.rst",
            category="Census",
            labels={"result": "networks alive per year", "type": "figure"},
        ),
    log:
        "logs/census.log",
    benchmark:
        "benchmarks/census.tsv"
    conda:
        "../../envs/census.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        period_breaks=config["period_breaks"],
    script:
        "../scripts/census.py"


BRIEF_INPUTS.extend(rules.census.output)

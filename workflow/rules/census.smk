# Describing the census: yearly foundings, networks alive, comparison with published counts.


rule census:
    input:
        code=code("census"),
        networks="data/processed/networks.parquet",
    output:
        yearly="results/census/yearly.csv",
        numbers="results/census/numbers.json",
        foundings="results/census/figures/foundings.png",
        alive="results/census/figures/alive.png",
    log:
        "logs/census.log",
    benchmark:
        "benchmarks/census.tsv"
    conda:
        "../../envs/census.yaml"
    params:
        census_year=census_year(),
        period_breaks=config["period_breaks"],
    script:
        "../scripts/census.py"


BRIEF_INPUTS.extend(rules.census.output)

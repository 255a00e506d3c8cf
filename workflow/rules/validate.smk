# Validating the raw networks table against data/datapackage.json: the one gate raw data
# passes before any stage reads it. Bad input stops here with every problem listed in the log.


rule validate_networks:
    input:
        code=code("validate_networks"),
        table=config["networks"]["table"],
        datapackage=config["networks"]["datapackage"],
    output:
        "data/processed/networks.parquet",
    log:
        "logs/validate_networks.log",
    benchmark:
        "benchmarks/validate_networks.tsv"
    conda:
        "../../envs/validate.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
    script:
        "../scripts/validate_networks.py"

# Growth and saturation: founding-rate models (density dependence), growth shapes (logistic,
# Gompertz, Bass, segmented, with a bootstrap test for a break), a forecast of networks alive,
# a sharded parametric bootstrap of the density LR test and peak density, and the recovery
# study of the founding model under three scenarios (S0 no density dependence, S1 density
# dependence, S2 a trend only). Shards are seeded from (seed, stream or scenario, shard) only,
# so results do not depend on --cores.

# models written to results/models/<name>/ (fitted by analysis.growth.saturation.contract_outputs)
GROWTH_MODELS = [
    "founding_poisson_trend",
    "founding_nb_density",
    "founding_logistic",
    "founding_gompertz",
    "founding_bass",
    "founding_segmented",
    "founding_nb_density_no_borderline",
    "founding_logistic_no_borderline",
    "founding_gompertz_no_borderline",
    "founding_bass_no_borderline",
]
BOOTSTRAP_SHARDS = range(config["growth"]["bootstrap_shards"])
RECOVERY_SHARDS = range(config["growth"]["recovery_shards"])


wildcard_constraints:
    shard=r"\d+",


rule growth_bootstrap_shard:
    input:
        code=code("growth_bootstrap_shard"),
        networks="data/processed/networks.parquet",
    output:
        "results/growth/bootstrap/shard_{shard}.csv",
    log:
        "logs/growth_bootstrap_shard_{shard}.log",
    benchmark:
        "benchmarks/growth_bootstrap_shard_{shard}.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        period_breaks=config["period_breaks"],
        seed=config["seed"],
        replicates=config["growth"]["bootstrap_per_shard"],
    script:
        "../scripts/growth_bootstrap_shard.py"


rule growth_bootstrap_gather:
    input:
        code=code("growth_gather"),
        shards=expand(
            "results/growth/bootstrap/shard_{shard}.csv", shard=BOOTSTRAP_SHARDS
        ),
    output:
        "results/growth/bootstrap/replicates.csv",
    log:
        "logs/growth_bootstrap_gather.log",
    benchmark:
        "benchmarks/growth_bootstrap_gather.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 500 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/growth_gather.py"


rule growth_models:
    input:
        code=code("growth_models"),
        networks="data/processed/networks.parquet",
        bootstrap=rules.growth_bootstrap_gather.output[0],
    output:
        numbers="results/growth/numbers.json",
        comparison=report(
            "results/growth/model_comparison.csv",
            caption="../report/growth_model_comparison.rst",
            category="Growth",
            labels={"result": "founding-rate models compared", "type": "table"},
        ),
        table="results/growth/tables/model_comparison.md",
        fitted="results/growth/fitted_foundings.csv",
        curves="results/growth/fitted_curves.csv",
        forecast="results/growth/forecast.csv",
        tidy=expand("results/models/{model}/tidy.csv", model=GROWTH_MODELS),
        glance=expand("results/models/{model}/glance.json", model=GROWTH_MODELS),
    log:
        "logs/growth_models.log",
    benchmark:
        "benchmarks/growth_models.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        period_breaks=config["period_breaks"],
        seed=config["seed"],
        forecast_to=config["growth"]["forecast_to"],
        break_bootstrap=config["growth"]["break_bootstrap"],
    script:
        "../scripts/growth_models.py"


rule growth_figures:
    input:
        code=code("growth_figures"),
        networks="data/processed/networks.parquet",
        numbers=rules.growth_models.output.numbers,
        fitted=rules.growth_models.output.fitted,
        curves=rules.growth_models.output.curves,
        forecast=rules.growth_models.output.forecast,
    output:
        foundings=report(
            "results/growth/figures/foundings_fitted.png",
            caption="../report/growth_foundings_fitted.rst",
            category="Growth",
            labels={
                "result": "foundings per year and fitted models",
                "type": "figure",
            },
        ),
        forecast=report(
            "results/growth/figures/alive_forecast.png",
            caption="../report/growth_alive_forecast.rst",
            category="Growth",
            labels={"result": "networks alive and forecast", "type": "figure"},
        ),
    log:
        "logs/growth_figures.log",
    benchmark:
        "benchmarks/growth_figures.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
    script:
        "../scripts/growth_figures.py"


rule growth_recovery_shard:
    input:
        code=code("growth_recovery_shard"),
    output:
        "results/recovery/shard_{shard}.csv",
    log:
        "logs/growth_recovery_shard_{shard}.log",
    benchmark:
        "benchmarks/growth_recovery_shard_{shard}.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        period_breaks=config["period_breaks"],
        seed=config["seed"],
        replicates=config["growth"]["recovery_per_shard"],
        bootstrap=config["growth"]["recovery_bootstrap"],
    script:
        "../scripts/growth_recovery_shard.py"


rule growth_recovery_gather:
    input:
        code=code("growth_recovery_summary"),
        shards=expand("results/recovery/shard_{shard}.csv", shard=RECOVERY_SHARDS),
    output:
        summary=report(
            "results/recovery/summary.csv",
            caption="../report/growth_recovery_summary.rst",
            category="Growth",
            labels={
                "result": "recovery study (synthetic populations)",
                "type": "table",
            },
        ),
        table="results/recovery/table.md",
        scenarios_summary=report(
            "results/recovery/scenarios.csv",
            caption="../report/growth_recovery_scenarios.rst",
            category="Growth",
            labels={
                "result": "recovery study: size and power by scenario (synthetic)",
                "type": "table",
            },
        ),
        scenarios="results/recovery/scenarios.md",
        numbers="results/recovery/numbers.json",
    log:
        "logs/growth_recovery_gather.log",
    benchmark:
        "benchmarks/growth_recovery_gather.tsv"
    conda:
        "../../envs/growth.yaml"
    threads: 1
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/growth_recovery_summary.py"


rule recovery_study:
    input:
        rules.growth_recovery_gather.output.table,
        rules.growth_recovery_gather.output.scenarios,


BRIEF_INPUTS.extend(
    [
        rules.growth_models.output.numbers,
        rules.growth_models.output.table,
        rules.growth_figures.output.foundings,
        rules.growth_figures.output.forecast,
        rules.growth_recovery_gather.output.table,
        rules.growth_recovery_gather.output.scenarios,
        rules.growth_recovery_gather.output.numbers,
    ]
)

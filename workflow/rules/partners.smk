# Founding partners: composition by period and decade, tests of association and trend, a logit
# per partner flag, a member-count model and the hazard of ending by partner flag.

# flags modelled one logit each; a flag too rare in the data is written in skipped form
PARTNER_LOGITS = [
    "multilateral",
    "supranational",
    "national_government",
    "ngo",
    "local_government_association",
    "cities_only",
    "public_private",
]
# flags entered, one model each, in the survival stage's piecewise-exponential model
PARTNER_HAZARDS = ["multilateral", "public_private"]


wildcard_constraints:
    partner_logit="|".join(PARTNER_LOGITS),
    partner_hazard="|".join(PARTNER_HAZARDS),


rule partners_logit:
    input:
        code=code("partners_logit"),
        networks="data/processed/networks.parquet",
    output:
        tidy="results/models/partners_logit_{partner_logit}/tidy.csv",
        glance="results/models/partners_logit_{partner_logit}/glance.json",
    log:
        "logs/partners_logit_{partner_logit}.log",
    benchmark:
        "benchmarks/partners_logit_{partner_logit}.tsv"
    conda:
        "../../envs/partners.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    script:
        "../scripts/partners_logit.py"


rule partners_members:
    input:
        code=code("partners_members"),
        networks="data/processed/networks.parquet",
    output:
        tidy="results/models/partners_members_nb/tidy.csv",
        glance="results/models/partners_members_nb/glance.json",
    log:
        "logs/partners_members.log",
    benchmark:
        "benchmarks/partners_members.tsv"
    conda:
        "../../envs/partners.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
    script:
        "../scripts/partners_members.py"


rule partners_dissolution:
    input:
        code=code("partners_dissolution"),
        networks="data/processed/networks.parquet",
    output:
        tidy="results/models/partners_dissolution_{partner_hazard}/tidy.csv",
        glance="results/models/partners_dissolution_{partner_hazard}/glance.json",
    log:
        "logs/partners_dissolution_{partner_hazard}.log",
    benchmark:
        "benchmarks/partners_dissolution_{partner_hazard}.tsv"
    conda:
        "../../envs/partners.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        census_year=census_year(),
        age_pieces=config["survival"]["age_pieces"],
    script:
        "../scripts/partners_dissolution.py"


rule partners_summary:
    input:
        code=code("partners_summary"),
        networks="data/processed/networks.parquet",
        logits=expand(
            "results/models/partners_logit_{outcome}/glance.json",
            outcome=PARTNER_LOGITS,
        ),
        members="results/models/partners_members_nb/glance.json",
        hazards=expand(
            "results/models/partners_dissolution_{flag}/glance.json",
            flag=PARTNER_HAZARDS,
        ),
    output:
        numbers="results/partners/numbers.json",
        table=report(
            "results/partners/tables/partner_shares.md",
            caption="../report/partners_shares.rst",
            category="Partners",
            labels={"result": "founding-partner shares by period", "type": "table"},
        ),
        by_period=report(
            "results/partners/figures/shares_by_period.png",
            caption="../report/partners_shares_by_period.rst",
            category="Partners",
            labels={"result": "founding-partner shares by period", "type": "figure"},
        ),
        by_decade=report(
            "results/partners/figures/shares_by_decade.png",
            caption="../report/partners_shares_by_decade.rst",
            category="Partners",
            labels={"result": "founding-partner shares by decade", "type": "figure"},
        ),
        effects=report(
            "results/partners/figures/partner_effects.png",
            caption="../report/partners_effects.rst",
            category="Partners",
            labels={"result": "partners, size and survival", "type": "figure"},
        ),
    log:
        "logs/partners_summary.log",
    benchmark:
        "benchmarks/partners_summary.tsv"
    conda:
        "../../envs/partners.yaml"
    resources:
        mem_mb=lambda wildcards, attempt: 1000 * attempt,
        runtime=lambda wildcards, attempt: 10 * attempt,
    params:
        period_breaks=config["period_breaks"],
        seed=config["seed"],
    script:
        "../scripts/partners_summary.py"


BRIEF_INPUTS.extend(rules.partners_summary.output)

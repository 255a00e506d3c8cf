# citydiplomacy: city networks, density dependence and founding partners, from raw data to a
# policy brief. Stages, in the order the data flow through them:
#
#   validate      data/raw/networks.csv -> data/processed/networks.parquet
#   census        yearly foundings and networks alive (descriptive)
#   growth        founding-rate models, shapes, saturation, forecast, recovery study
#   survival      dissolution models (Kaplan-Meier, piecewise exponential, Cox)
#   partners      founding-partner composition and effects
#   focus_groups  coded focus-group transcripts -> themes, reliability, saturation
#   claims        the paper's policy implications against the results
#   report        numbers + figures + tables -> reports/brief.{html,pdf}


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/census.smk"
include: "workflow/rules/growth.smk"
include: "workflow/rules/survival.smk"
include: "workflow/rules/partners.smk"
include: "workflow/rules/focus_groups.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/snakemake_report.smk"


rule all:
    default_target: True
    input:
        "reports/brief.html",
        "reports/brief.pdf",

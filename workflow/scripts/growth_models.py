"""Snakemake step: fit the founding models, compare them, forecast, and write the numbers."""

import sys
from pathlib import Path

import pandas as pd

from analysis.common.contract import write_model, write_numbers
from analysis.growth.bootstrap import bootstrap_summary, shard_seed
from analysis.growth.figures import curves_table, fitted_table
from analysis.growth.findings import (
    comparison_markdown,
    growth_numbers,
    skipped_numbers,
    skipped_table,
)
from analysis.growth.foundings import lr_test
from analysis.growth.saturation import (
    RIGHT_TRUNCATION_YEARS,
    comparison,
    contract_outputs,
    fit_all,
    preferred,
    skip_growth,
    skipped_model,
)
from analysis.growth.trend import break_test, forecast_alive, recent_death_rate

sys.stderr = open(snakemake.log[0], "w", buffering=1)
FORECAST_STREAM = 3
BREAK_STREAM = 4

p, out = snakemake.params, snakemake.output
networks = pd.read_parquet(snakemake.input.networks)
model_dirs = {Path(path).parent.name: Path(path).parent for path in out.tidy}

reason = skip_growth(networks, p.census_year, p.period_breaks)
if reason:
    for directory in model_dirs.values():
        write_model(directory, *skipped_model(reason))
    for path in (out.comparison, out.fitted, out.curves, out.forecast):
        pd.DataFrame().to_csv(path, index=False)
    Path(out.table).write_text(skipped_table(reason))
    write_numbers(out.numbers, skipped_numbers(reason))
    sys.exit(0)

fits = fit_all(networks, p.census_year, p.period_breaks)
borderline = networks["borderline"].fillna(False).astype(bool) if "borderline" in networks else None
n_borderline = int(borderline.sum()) if borderline is not None else 0
kept = networks.loc[~borderline] if n_borderline else networks
no_borderline = fit_all(kept, p.census_year, p.period_breaks)
truncated = fit_all(
    networks, p.census_year, p.period_breaks, p.census_year - RIGHT_TRUNCATION_YEARS
)

breaks = break_test(
    fits.frame, fits.best_segmented(), shard_seed(p.seed, BREAK_STREAM, 0), p.break_bootstrap
)
outputs = {
    **contract_outputs(fits, break_test=breaks),
    **contract_outputs(no_borderline, "_no_borderline"),
}
if set(outputs) != set(model_dirs):
    raise ValueError(
        f"models fitted {sorted(outputs)} differ from the rule's outputs {sorted(model_dirs)}"
    )
for name, (tidy, glance) in outputs.items():
    write_model(model_dirs[name], tidy, glance)

table = comparison(fits)
table.to_csv(out.comparison, index=False)
Path(out.table).write_text(comparison_markdown(table, fits))
fitted_table(fits).to_csv(out.fitted, index=False)
curves_table(fits, p.forecast_to).to_csv(out.curves, index=False)

_, label, model = preferred(fits, table)
death_rate = recent_death_rate(fits.frame)
forecast = forecast_alive(
    model, fits.frame, p.forecast_to, death_rate, shard_seed(p.seed, FORECAST_STREAM, 0)
)
forecast.to_csv(out.forecast, index=False)

lr = lr_test(fits.regressions["founding_nb_density"], fits.regressions["founding_nb_controls"])[0]
bootstrap = bootstrap_summary(pd.read_csv(snakemake.input.bootstrap), lr)
numbers = growth_numbers(
    fits,
    bootstrap,
    breaks,
    forecast,
    label,
    death_rate,
    no_borderline if n_borderline else None,
    n_borderline,
    truncated,
    networks,
    p.census_year,
)
write_numbers(out.numbers, numbers)

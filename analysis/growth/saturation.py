"""Is the landscape of city networks saturating? The growth evidence put together.

One place fits every founding model of the growth stage to the same rows (``fit_all``),
compares them, picks the preferred one and turns the results into the contract outputs and
the sentences the brief quotes. Robustness re-runs (without borderline networks, with the
series ended before the last years that later censuses usually fill in) reuse the same
``fit_all`` so they differ from the main run only in their input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.census.population import yearly_frame
from analysis.common.contract import TIDY_COLUMNS
from analysis.growth.bootstrap import bootstrap_shard
from analysis.growth.curves import CURVES, ShapeFit, fit_shape, shape_glance, shape_tidy
from analysis.growth.foundings import (
    TERM_BREAK,
    TERM_DENSITY,
    TERM_DENSITY2,
    TERM_TREND,
    FoundingFit,
    FoundingSpec,
    density_peak,
    fit_foundings,
    founding_window,
    glance,
    is_inverted_u,
    lr_test,
    tidy,
)
from analysis.growth.trend import break_year_ci, compare_models, fit_segmented

BOOTSTRAP_COLUMNS = [
    "shard", "replicate", "lr_null", "converged_null", "theta1", "theta2", "peak_density",
    "converged_full",
]  # fmt: skip


MIN_FOUNDINGS = 10  # below this many foundings in the window the stage is skipped


RIGHT_TRUNCATION_YEARS = 5  # sensitivity: end the series this many years before the census


CURVE_LABELS = {
    "logistic": "logistic curve",
    "gompertz": "Gompertz curve",
    "bass": "Bass diffusion curve",
}


FAMILY_WORDS = {"poisson": "Poisson", "nb2": "negative binomial"}


SPECS = {
    "founding_poisson_trend": (
        "exponential time trend",
        FoundingSpec(family="poisson", density=False, lags=False, periods=False, trend=True),
    ),
    "founding_nb_density": (
        "density-dependence model",
        FoundingSpec(),
    ),
    "founding_nb_controls": ("model without density terms", FoundingSpec(density=False)),
}


@dataclass
class GrowthFits:
    """Every founding model fitted to one window of one networks table."""

    frame: pd.DataFrame
    regressions: dict[str, FoundingFit]
    density_poisson: FoundingFit
    curves: dict[tuple[str, str], ShapeFit]
    segmented: dict[str, FoundingFit]

    def best_curve(self, curve: str) -> ShapeFit:
        """The curve under its better likelihood (Poisson unless NB2 lowers AIC)."""
        return min(
            (self.curves[(curve, f)] for f in ("poisson", "nb2")), key=lambda f: round(f.aic, 6)
        )

    def best_segmented(self) -> FoundingFit:
        return min(self.segmented.values(), key=lambda f: round(f.aic, 6))

    def s_curve(self) -> ShapeFit:
        """The saturation curve with the lowest AIC: its K is the headline carrying capacity."""
        return min((self.best_curve(c) for c in CURVES), key=lambda f: round(f.aic, 6))

    def candidates(self) -> dict[str, tuple[str, FoundingFit | ShapeFit]]:
        """Every model of the comparison table: id -> (label, fit)."""
        out = {k: (SPECS[k][0], fit) for k, fit in self.regressions.items()}
        for curve in CURVES:
            for family in ("poisson", "nb2"):
                out[f"founding_{curve}_{family}"] = (
                    CURVE_LABELS[curve],
                    self.curves[(curve, family)],
                )
        for family, fit in self.segmented.items():
            out[f"founding_segmented_{family}"] = ("segmented trend with one break", fit)
        return out


def skip_growth(
    networks: pd.DataFrame, census_year: int, period_breaks: Sequence[int]
) -> str | None:
    """A sentence for the brief when the table has too few foundings to model, else None."""
    if "founded_year" not in networks or networks["founded_year"].isna().all():
        return "The growth models were skipped: the networks table has no founding years."
    window = founding_window(yearly_frame(networks, census_year, period_breaks))
    if window["foundings"].sum() < MIN_FOUNDINGS:
        return (
            f"The growth models were skipped: only {int(window['foundings'].sum())} networks were "
            f"founded after the first one (at least {MIN_FOUNDINGS} are needed)."
        )
    return None


def bootstrap_for(
    networks: pd.DataFrame,
    census_year: int,
    period_breaks: Sequence[int],
    seed: int,
    shard: int,
    replicates: int,
) -> pd.DataFrame:
    """One shard of the parametric bootstrap of the density model (empty when skipped)."""
    if skip_growth(networks, census_year, period_breaks):
        return pd.DataFrame(columns=BOOTSTRAP_COLUMNS)
    frame = founding_window(yearly_frame(networks, census_year, period_breaks))
    full = fit_foundings(frame, SPECS["founding_nb_density"][1], hac=False)
    null = fit_foundings(frame, SPECS["founding_nb_controls"][1], hac=False)
    return bootstrap_shard(frame, full, null, seed, shard, replicates)


def skipped_model(reason: str) -> tuple[pd.DataFrame, dict[str, object]]:
    """Contract files of a model that could not be fitted, saying why."""
    glance_ = {
        "nobs": 0,
        "loglik": None,
        "aic": None,
        "bic": None,
        "converged": False,
        "skip_reason": reason,
    }
    return pd.DataFrame(columns=TIDY_COLUMNS), glance_


def fit_all(
    networks: pd.DataFrame,
    census_year: int,
    period_breaks: Sequence[int],
    end_year: int | None = None,
) -> GrowthFits:
    """Fit every founding model to the window of ``networks`` (ending at ``end_year``)."""
    frame = founding_window(yearly_frame(networks, census_year, period_breaks), end_year)
    regressions = {name: fit_foundings(frame, spec) for name, (_, spec) in SPECS.items()}
    return GrowthFits(
        frame=frame,
        regressions=regressions,
        density_poisson=fit_foundings(frame, FoundingSpec(family="poisson")),
        curves={(c, f): fit_shape(frame, c, f) for c in CURVES for f in ("poisson", "nb2")},
        segmented={f: fit_segmented(frame, f) for f in ("poisson", "nb2")},
    )


def comparison(fits: GrowthFits) -> pd.DataFrame:
    """The AIC table of every candidate model."""
    return compare_models(fits.candidates())


def preferred(fits: GrowthFits, table: pd.DataFrame) -> tuple[str, str, FoundingFit | ShapeFit]:
    """The model with the lowest AIC: id, label with its likelihood, fit."""
    row = table.iloc[0]
    label, fit = fits.candidates()[row["model"]]
    return row["model"], f"{label}, fitted with a {FAMILY_WORDS[fit.family]} likelihood", fit


def contract_outputs(
    fits: GrowthFits, suffix: str = "", break_test: Mapping[str, float] | None = None
) -> dict[str, tuple[pd.DataFrame, dict]]:
    """``results/models/<name>/`` tables of the headline models (``suffix`` for variants,
    which have no segmented model). ``break_test`` (:func:`analysis.growth.trend.break_test`) goes
    into the segmented model's glance; without it its fields are null."""
    density = fits.regressions["founding_nb_density"]
    lr, df, p = lr_test(density, fits.regressions["founding_nb_controls"])
    peak = density_peak(density, fits.frame)
    out = {
        f"founding_nb_density{suffix}": (
            tidy(density),
            glance(
                density,
                **peak,
                density_lr=lr,
                density_lr_df=df,
                density_lr_p=p,
                window=years_span(fits.frame),
            ),
        ),
    }
    for curve in CURVES:
        fit = fits.best_curve(curve)
        out[f"founding_{curve}{suffix}"] = (shape_tidy(fit), shape_glance(fit))
    if suffix:
        return out
    trend = fits.regressions["founding_poisson_trend"]
    out["founding_poisson_trend"] = (tidy(trend), glance(trend, window=years_span(fits.frame)))
    seg = fits.best_segmented()
    year, low, high = break_year_ci(seg)
    before, after = trend_change(seg)
    out["founding_segmented"] = (
        tidy(seg),
        glance(
            seg,
            break_year=year,
            break_year_ci_low=low,
            break_year_ci_high=high,
            change_per_year_before=before,
            change_per_year_after=after,
            break_lr=(break_test or {}).get("lr"),
            break_p_bootstrap=(break_test or {}).get("p_bootstrap"),
            break_bootstrap_replicates=(break_test or {}).get("replicates"),
        ),
    )
    return out


def headline(fits: GrowthFits) -> dict[str, object]:
    """The raw headline figures of one run: density terms, N*, LR, K, preferred model."""
    density = fits.regressions["founding_nb_density"]
    table = comparison(fits)
    model_id, label, _ = preferred(fits, table)
    lr, df, p = lr_test(density, fits.regressions["founding_nb_controls"])
    curve = fits.s_curve()
    peak = density_peak(density, fits.frame)
    return {
        "theta1": density.params[TERM_DENSITY],
        "theta2": density.params[TERM_DENSITY2],
        **peak,
        "lr": lr,
        "lr_df": df,
        "lr_p": p,
        "inverted_u": is_inverted_u(density, p),
        "preferred_id": model_id,
        "preferred_label": label,
        "saturating": _says_slowing(model_id, fits),
        "k": curve.carrying_capacity,
        "k_ci": curve.k_ci,
        "k_curve": CURVE_LABELS[curve.curve],
        "n_networks": int(fits.frame["foundings"].sum()) + 1,
    }


def _says_slowing(model_id: str, fits: GrowthFits) -> bool:
    """Does this model say founding is slowing down? A saturation curve if its carrying
    capacity is bounded (finite upper CI limit), the segmented trend if it falls after the
    break, the density model if its peak lies inside the observed density range."""
    fit = fits.candidates()[model_id][1]
    if isinstance(fit, ShapeFit):
        return bool(np.isfinite(fit.k_ci[1]))
    if "segmented" in model_id:
        return trend_change(fit)[1] < 0
    if model_id == "founding_nb_density":
        return bool(density_peak(fit, fits.frame)["peak_in_observed_range"])
    return False


def trend_change(seg: FoundingFit) -> tuple[float, float]:
    """Yearly % change of the founding rate before and after the break."""
    b1, b2 = seg.params[TERM_TREND], seg.params[TERM_BREAK]
    return math.expm1(b1 / 10), math.expm1((b1 + b2) / 10)


def verdict(main: Mapping[str, object], other: Mapping[str, object]) -> list[str]:
    """Which parts of the conclusion differ between two runs (empty: none)."""
    changes = []
    if main["inverted_u"] != other["inverted_u"]:
        changes.append("whether foundings follow an inverted U in density")
    if main["peak_in_observed_range"] != other["peak_in_observed_range"]:
        changes.append("whether the peak density lies inside the observed range")
    if main["saturating"] != other["saturating"]:
        changes.append("whether the preferred model says founding is slowing down")
    return changes


def years_span(frame: pd.DataFrame) -> str:
    return f"{int(frame['year'].min())}–{int(frame['year'].max())}"

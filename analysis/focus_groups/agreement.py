"""Inter-coder reliability: Krippendorff's alpha (nominal), Cohen's kappa, bootstrap CIs.

Codes are only evidence if two coders applying the codebook independently agree beyond
chance (methods.md §4.3). Alpha is computed from coincidence matrices (Krippendorff 2011,
"Computing Krippendorff's alpha-reliability"), which handle any number of coders and missing
codings; splitting them by unit makes a bootstrap over units a weighted sum, so thousands of
replicates cost milliseconds. Cohen's kappa per coder pair comes from statsmodels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from statsmodels.stats.inter_rater import cohens_kappa

#: Krippendorff (2004), Content Analysis, 2nd ed.: rely on variables with α ≥ .800; use
#: .667 ≤ α < .800 only for tentative conclusions.
RELIABLE, TENTATIVE = 0.800, 0.667
THRESHOLDS = (
    "α ≥ .800 reliable; .667 ≤ α < .800 tentative conclusions only; "
    "below .667 not reliable (Krippendorff 2004)"
)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a percentile bootstrap interval over units."""

    estimate: float
    low: float
    high: float
    n_units: int

    def text(self, digits: int = 2) -> str:
        """ "0.88 (95% CI 0.83–0.92)", or "not estimable" for NaN."""
        if not np.isfinite(self.estimate):
            return "not estimable"

        def fmt(x: float) -> str:
            return f"{round(x, digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.00"

        if not (np.isfinite(self.low) and np.isfinite(self.high)):
            return fmt(self.estimate)
        return f"{fmt(self.estimate)} (95% CI {fmt(self.low)}–{fmt(self.high)})"


def verdict(alpha: float) -> str:
    """Krippendorff's (2004) reading of an alpha value."""
    if not np.isfinite(alpha):
        return "not estimable"
    if alpha >= RELIABLE:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE else "not reliable"


def unit_coincidences(data: npt.ArrayLike, values: Sequence | None = None) -> np.ndarray:
    """Each unit's contribution to the coincidence matrix, shape (units, V, V).

    ``data`` is coders × units (the ``krippendorff`` package's layout) with NaN for "not
    coded". A unit coded m_u ≥ 2 times adds every ordered pair of its values with weight
    1 / (m_u − 1); units coded once are not pairable and add nothing.
    """
    matrix = np.asarray(data, dtype=float)
    domain = np.unique(matrix[~np.isnan(matrix)]) if values is None else np.asarray(values, float)
    counts = np.stack([(matrix == v).sum(axis=0) for v in domain], axis=1)  # units × V
    m = counts.sum(axis=1)
    pairs = counts[:, :, None] * counts[:, None, :] - np.einsum(
        "uv,vw->uvw", counts, np.eye(len(domain))
    )
    weight = np.where(m >= 2, 1.0 / np.maximum(m - 1, 1), 0.0)
    return pairs * weight[:, None, None]


def alpha_from_coincidences(o: npt.ArrayLike) -> float:
    """Nominal alpha = 1 − (n − 1) · (n − Σ o_cc) / (n² − Σ n_c²); NaN when no variation."""
    o = np.asarray(o, dtype=float)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    expected = n**2 - (n_c**2).sum()
    if n <= 1 or expected <= 0:
        return float("nan")
    return float(1 - (n - 1) * (n - np.trace(o)) / expected)


def nominal_alpha(data: npt.ArrayLike, values: Sequence | None = None) -> float:
    """Krippendorff's alpha for nominal data, coders × units, NaN for missing."""
    return alpha_from_coincidences(unit_coincidences(data, values).sum(axis=0))


def alpha_from_table(table: npt.ArrayLike) -> float:
    """Nominal alpha of two coders without missing data from their V × V agreement table."""
    t = np.asarray(table, dtype=float)
    return alpha_from_coincidences(t + t.T)


def kappa_from_table(table: npt.ArrayLike) -> float:
    """Cohen's kappa (statsmodels) of a V × V table; NaN when chance agreement is 1."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    if n == 0 or np.isclose((t.sum(axis=0) * t.sum(axis=1)).sum() / n**2, 1.0):
        return float("nan")
    return float(cohens_kappa(t, return_results=False))


def unit_tables(first: npt.ArrayLike, second: npt.ArrayLike, values: Sequence) -> np.ndarray:
    """Each unit's cell in two coders' agreement table, shape (units, V, V); units both coded."""
    a, b = np.asarray(first, dtype=float), np.asarray(second, dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    domain = np.asarray(values, dtype=float)
    rows = (a[both][:, None] == domain[None, :]).astype(float)
    cols = (b[both][:, None] == domain[None, :]).astype(float)
    return rows[:, :, None] * cols[:, None, :]


def bootstrap(
    contributions: np.ndarray,
    statistic: Callable[[np.ndarray], float],
    n_boot: int,
    seed: int,
    level: float = 0.95,
) -> Estimate:
    """Percentile bootstrap over units of a statistic of summed per-unit matrices.

    Each replicate draws units with replacement (multinomial counts, seeded) and sums their
    contributions; replicates where the statistic is undefined are dropped.
    """
    n_units = contributions.shape[0]
    point = statistic(contributions.sum(axis=0))
    if n_units == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(n_units, np.full(n_units, 1 / n_units), size=n_boot)
    replicates = np.array([statistic(t) for t in np.einsum("bu,uvw->bvw", weights, contributions)])
    replicates = replicates[np.isfinite(replicates)]
    if replicates.size == 0:
        return Estimate(point, float("nan"), float("nan"), n_units)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(replicates, [tail, 100 - tail])
    return Estimate(point, float(low), float(high), n_units)

"""Comparisons a manager can trust: KPIs by group with their sample size and a 95 % interval.

Rates get a Wilson score interval (right also for small n and rates near 0 or 1);
the average rating gets a Student t interval from the ratings' sum, sum of squares and
count. A group is called out as ``above`` or ``below`` the program only when its whole
interval lies on one side of the program's value (all sessions in scope, the group
included); otherwise the verdict is ``no clear difference``. Groups with no sessions in
a KPI's denominator get no value and no verdict. Numerators and denominators are those
of the standard definitions in :mod:`mentortrack.analytics.kpis`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mentortrack.analytics.kpis import GROUPINGS, add_month, components

Z_95 = 1.959963984540054
"""The standard normal quantile of 0.975."""

RATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "completion_rate": ("completed", ("completed", "no_show", "cancelled")),
    "no_show_rate": ("no_show", ("completed", "no_show", "cancelled")),
    "cancellation_rate": ("cancelled", ("completed", "no_show", "cancelled")),
    "prep_done_rate": ("prep_yes", ("prep_recorded",)),
    "follow_up_rate": ("follow_up", ("completed",)),
    "action_items_rate": ("action_items", ("completed",)),
    "feedback_coverage": ("with_feedback", ("completed",)),
    "negative_feedback_rate": ("negative", ("with_feedback",)),
    "positive_feedback_rate": ("positive", ("with_feedback",)),
    "attendance_rate": ("attended", ("attendance_n",)),
}
"""Rate KPI -> (numerator component, components summed into its denominator)."""

COMPARED = ["completion_rate", "no_show_rate", "avg_rating", "follow_up_rate", "negative_feedback_rate"]
"""KPIs the reports compare across groups."""


def wilson(successes: np.ndarray | float, n: np.ndarray | float, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes / n`` (NaN where n = 0)."""
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.where(n > 0, centre - half, np.nan), np.where(n > 0, centre + half, np.nan)


def mean_interval(total: np.ndarray | float, squares: np.ndarray | float, n: np.ndarray | float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % Student t interval of a mean from the values' sum, sum of squares and count (NaN for n < 2)."""
    total, squares, n = (np.asarray(v, dtype=float) for v in (total, squares, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.clip((squares - n * mean * mean) / (n - 1), 0, None)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * np.sqrt(variance / n)
    return np.where(n >= 2, mean - half, np.nan), np.where(n >= 2, mean + half, np.nan)


def _estimates(sums: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Value, interval and n of one KPI for every row of summed components."""
    if kpi == "avg_rating":
        n = sums["rated"]
        low, high = mean_interval(sums["rating_sum"], sums["rating_sq_sum"], n)
        value = sums["rating_sum"] / n.replace(0, np.nan)
    else:
        numerator, parts = RATES[kpi]
        n = sums[list(parts)].sum(axis=1)
        low, high = wilson(sums[numerator], n)
        value = sums[numerator] / n.replace(0, np.nan)
    return pd.DataFrame({"value": value, "low": low, "high": high, "n": n.astype(int)}, index=sums.index)


def compare(sessions: pd.DataFrame, by: str, kpis: list[str] | None = None) -> pd.DataFrame:
    """One row per group and KPI: ``sessions`` in the group, ``value``, ``low``/``high`` (95 %), ``n``
    (the KPI's denominator), the program's value (``overall``) and the ``verdict``.

    ``by`` is a key of :data:`mentortrack.analytics.kpis.GROUPINGS`; sessions without a value
    in the grouping column are left out of the groups but count in the program value.
    """
    frame = add_month(sessions)
    column = GROUPINGS[by]
    parts = components(frame)
    sums = parts.groupby(frame[column], observed=True, sort=True).sum()
    overall = parts.sum().to_frame().T
    rows = []
    for kpi in kpis or COMPARED:
        groups = _estimates(sums, kpi)
        program = float(_estimates(overall, kpi)["value"].iloc[0])
        groups["verdict"] = np.select([groups["low"] > program, groups["high"] < program],
                                      ["above", "below"], "no clear difference")
        groups.loc[groups["n"] == 0, "verdict"] = ""
        rows.append(groups.assign(kpi=kpi, overall=program, sessions=sums["n"].astype(int)))
    table = pd.concat(rows).rename_axis(by).reset_index()
    return table[[by, "kpi", "sessions", "n", "value", "low", "high", "overall", "verdict"]]


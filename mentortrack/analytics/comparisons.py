"""Comparisons a manager can trust: KPIs by group with their sample size and a 95 % interval.

Every interval stays on its KPI's scale:

- rates (0–100 %) get a Wilson score interval, which lies inside 0–1 for any n, also for
  rates of 0 or 1;
- the average rating (1–5) gets a Student t interval from the ratings' sum, sum of squares
  and count, clipped to 1–5, only from :data:`MIN_VALUES` ratings on, and only when the
  ratings differ (six ratings all 3 have no spread to estimate an interval from: a
  3.00–3.00 interval would claim a certainty the data does not have).

A group is called out as ``above`` or ``below`` the program only when its whole interval
lies on one side of the program's value (all sessions in scope, the group included) by more than
:data:`TOLERANCE`, its KPI has at least :data:`MIN_VALUES` values in its denominator, and the grouping
has more than one group; otherwise the verdict says why there is none (``the only group``, ``too few
values``, ``no spread``) or is ``no clear difference``.
Groups with no sessions in a KPI's denominator get no value, and the verdict ``no values (n = 0)``. Numerators
and denominators are those of the standard definitions in :mod:`mentortrack.analytics.kpis`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentortrack.analytics.kpis import GROUPINGS, RATES, add_month, components

Z_95 = 1.959963984540054
"""The standard normal quantile of 0.975."""

MIN_VALUES = 5
"""Values a group's KPI needs in its denominator for a verdict (and, for the average rating, an interval)."""

RATING_SCALE = (1.0, 5.0)
"""The post-session rating's scale; rating intervals are clipped to it."""

TOO_FEW = f"too few values (n < {MIN_VALUES})"
NO_SPREAD = "no spread (all values equal)"
NO_VALUES = "no values (n = 0)"
"""The verdict of a group with nothing in the KPI's denominator (no value, no interval)."""
ONLY_GROUP = "the only group: its values are the program's"

TOLERANCE = 1e-9
"""How far (in the KPI's unit) an interval must clear the program's value for ``above``/``below``: floating-point
rounding (a Wilson bound of 0.9999999999999999 for 13 of 13) never makes a verdict."""


COMPARED = ["completion_rate", "no_show_rate", "avg_rating", "follow_up_rate", "negative_feedback_rate"]
"""KPIs the reports compare across groups."""


def wilson(successes: np.ndarray | float, n: np.ndarray | float, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval of ``successes / n``, inside 0–1 (NaN where n = 0); exactly 0 below a rate of 0
    and 1 above a rate of 1, where the formula's bound is that value up to rounding."""
    k, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def mean_interval(total: np.ndarray | float, squares: np.ndarray | float, n: np.ndarray | float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % Student t interval of a mean from the values' sum, sum of squares and count (NaN for n < 2)."""
    from scipy.special import stdtrit  # the t quantile without scipy.stats, whose import alone takes about 1 s

    total, squares, n = (np.asarray(v, dtype=float) for v in (total, squares, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = total / n
        variance = np.clip((squares - n * mean * mean) / (n - 1), 0, None)
        half = stdtrit(np.maximum(n - 1, 1), 0.975) * np.sqrt(variance / n)
    return np.where(n >= 2, mean - half, np.nan), np.where(n >= 2, mean + half, np.nan)


def rating_interval(total: np.ndarray | float, squares: np.ndarray | float, n: np.ndarray | float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % interval of an average rating on the 1–5 scale: :func:`mean_interval` clipped to
    :data:`RATING_SCALE`; NaN below :data:`MIN_VALUES` ratings or when every rating is the same."""
    total, squares, n = (np.asarray(v, dtype=float) for v in (total, squares, n))
    low, high = mean_interval(total, squares, n)
    usable = (n >= MIN_VALUES) & _spread(total, squares, n)
    return (np.where(usable, np.clip(low, *RATING_SCALE), np.nan),
            np.where(usable, np.clip(high, *RATING_SCALE), np.nan))


def _spread(total: np.ndarray, squares: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Whether values with this sum, sum of squares and count differ at all."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(squares - total * total / n) > 1e-9


def _estimates(sums: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Value, interval, n and whether the values differ, of one KPI for every row of summed components."""
    if kpi == "avg_rating":
        n = sums["rated"]
        low, high = rating_interval(sums["rating_sum"], sums["rating_sq_sum"], n)
        value = sums["rating_sum"] / n.replace(0, np.nan)
        spread = _spread(*(sums[c].to_numpy(dtype=float) for c in ("rating_sum", "rating_sq_sum", "rated")))
    else:
        numerator, parts = RATES[kpi]
        n = sums[list(parts)].sum(axis=1)
        low, high = wilson(sums[numerator], n)
        value = sums[numerator] / n.replace(0, np.nan)
        spread = np.ones(len(sums), dtype=bool)
    return pd.DataFrame({"value": value, "low": low, "high": high, "n": n.astype(int), "spread": spread},
                        index=sums.index)


def change_intervals(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The 95 % interval of each rate's and the average rating's change from ``previous`` to ``current``
    (sessions of two months): ``kpi``, ``change_low``, ``change_high`` (this − previous, fraction points for
    rates).

    Rates: Newcombe's hybrid score interval, from each month's Wilson interval (stays honest for shares
    near 0 or 1). Average rating: the difference of the means ± 1.96 standard errors (Welch), only when
    each month has :data:`MIN_VALUES` ratings and they differ (else NaN: too few to tell). A change whose
    interval holds 0 is no clear change.
    """
    now, before = components(current).sum(), components(previous).sum()
    rows = []
    for kpi, (numerator, parts) in RATES.items():
        n1, n2 = float(sum(now[p] for p in parts)), float(sum(before[p] for p in parts))
        if not n1 or not n2:
            rows.append({"kpi": kpi, "change_low": np.nan, "change_high": np.nan})
            continue
        p1, p2 = now[numerator] / n1, before[numerator] / n2
        (l1, u1), (l2, u2) = (tuple(float(v) for v in wilson(k, n)) for k, n in ((now[numerator], n1),
                                                                                  (before[numerator], n2)))
        d = p1 - p2
        rows.append({"kpi": kpi, "change_low": d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
                     "change_high": d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)})
    sums = [(m["rating_sum"], m["rating_sq_sum"], m["rated"]) for m in (now, before)]
    if all(n >= MIN_VALUES and _spread(np.float64(t), np.float64(q), np.float64(n)) for t, q, n in sums):
        (t1, q1, n1), (t2, q2, n2) = sums
        var1, var2 = ((q - t * t / n) / (n - 1) for t, q, n in sums)
        d, se = t1 / n1 - t2 / n2, np.sqrt(var1 / n1 + var2 / n2)
        rows.append({"kpi": "avg_rating", "change_low": d - Z_95 * se, "change_high": d + Z_95 * se})
    else:
        rows.append({"kpi": "avg_rating", "change_low": np.nan, "change_high": np.nan})
    return pd.DataFrame(rows, columns=["kpi", "change_low", "change_high"])


def compare(sessions: pd.DataFrame, by: str, kpis: list[str] | None = None) -> pd.DataFrame:
    """One row per group and KPI: ``sessions`` in the group, ``value``, ``low``/``high`` (95 %), ``n``
    (the KPI's denominator), the program's value (``overall``) and the ``verdict``.

    ``by`` is a key of :data:`mentortrack.analytics.kpis.GROUPINGS`; sessions without a value
    in the grouping column are left out of the groups but count in the program value.
    """
    frame = add_month(sessions)
    parts = components(frame)
    sums = parts.groupby(frame[GROUPINGS[by]], observed=True, sort=True).sum()
    return compare_sums(sums.rename_axis(by), parts.sum(), kpis)


def compare_sums(sums: pd.DataFrame, overall: pd.Series, kpis: list[str] | None = None) -> pd.DataFrame:
    """:func:`compare` from summed components: one row of ``sums`` per group (the index names them) and the
    program's sums ``overall`` (what ``mentortrack kpis --by`` has after streaming an export)."""
    by = sums.index.name or "group"
    program_sums = overall.to_frame().T
    rows = []
    for kpi in kpis or COMPARED:
        groups = _estimates(sums, kpi)
        program = float(_estimates(program_sums, kpi)["value"].iloc[0])
        groups["verdict"] = np.select(
            [groups["n"] == 0, np.full(len(groups), len(groups) == 1), groups["n"] < MIN_VALUES, ~groups["spread"],
             groups["low"] > program + TOLERANCE, groups["high"] < program - TOLERANCE],
            [NO_VALUES, ONLY_GROUP, TOO_FEW, NO_SPREAD, "above", "below"], "no clear difference")
        rows.append(groups.drop(columns="spread").assign(kpi=kpi, overall=program, sessions=sums["n"].astype(int)))
    table = pd.concat(rows).rename_axis(by).reset_index()
    return table[[by, "kpi", "sessions", "n", "value", "low", "high", "overall", "verdict"]]

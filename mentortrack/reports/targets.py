"""Satisfaction targets: the average rating and the positive-feedback share judged against
``targets`` in ``parameters/report.yaml`` (4.0/5 and 50 % by default).

``avg_rating`` is the mean rating of completed sessions with a rating (n = those sessions);
``positive_feedback_rate`` is completed sessions whose feedback is labelled Positive / completed
sessions with feedback (n = the latter), the KPIs of :mod:`mentortrack.analytics.kpis`. A value
*meets* its target when it is at least the target; with n below ``min_n`` (10) there is no
verdict ("too few to judge"), as there is none from a handful of sessions.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mentortrack.analytics.kpis import base_of, compute_kpis, shares
from mentortrack.config import Targets
from mentortrack.reports.tables import format_value

TARGET_KPIS = ("avg_rating", "positive_feedback_rate")


def target_status(sessions: pd.DataFrame, targets: Targets) -> pd.DataFrame:
    """Per target KPI: ``value``, ``target``, ``n`` (its denominator), ``base_label`` and ``statuses`` (what n
    counts, :func:`mentortrack.analytics.kpis.base_of`), ``min_n`` (the n a verdict needs) and ``met`` (None
    when n < ``min_n``)."""
    values = compute_kpis(sessions) if len(sessions) else {}
    bases = shares(sessions).set_index("kpi")["base"] if len(sessions) else pd.Series(0, index=list(TARGET_KPIS))
    rows = []
    for kpi in TARGET_KPIS:
        n = int(bases[kpi])
        value = float(values[kpi]) if n and kpi in values and pd.notna(values[kpi]) else None
        judged = value is not None and n >= targets.min_n
        target = float(getattr(targets, kpi))
        base = base_of(kpi)[1]
        rows.append({"kpi": kpi, "value": value, "target": target, "n": n, "base_label": base.noun,
                     "statuses": ", ".join(base.statuses), "min_n": targets.min_n,
                     "met": value >= target if judged else None})
    return pd.DataFrame(rows)


def target_text(row: Any) -> str:
    """"below target: 3.57 vs 4.00, n = 53" (or "meets target: …", "too few to judge (a verdict needs
    n ≥ 10): 3.75 vs 4.00, n = 4", "nothing to judge: 0 rated sessions (target 4.00)")."""
    target = format_value(row["kpi"], row["target"])
    if row["value"] is None or pd.isna(row["value"]) or not row["n"]:
        return f"nothing to judge: 0 {row['base_label']} (target {target})"
    if row["met"] is None:
        return (f"too few to judge (a verdict needs n ≥ {row['min_n']:,}): {format_value(row['kpi'], row['value'])} "
                f"vs {target}, n = {row['n']:,}")
    word = "meets target" if row["met"] else "below target"
    return f"{word}: {format_value(row['kpi'], row['value'])} vs {target}, n = {row['n']:,}"


def target_lines(sessions: pd.DataFrame, targets: Targets) -> list[str]:
    """One line per target, naming the KPI: "Average rating below target: 3.57 vs 4.00, n = 53", "Positive
    feedback rate: nothing to judge: 0 completed with feedback (target 50.0%)"."""
    from mentortrack.analytics.kpis import KPI_LABELS

    lines = []
    for r in target_status(sessions, targets).to_dict("records"):
        said = target_text(r)
        lines.append(f"{KPI_LABELS[r['kpi']]}{' ' if said.startswith(('below', 'meets')) else ': '}{said}")
    return lines

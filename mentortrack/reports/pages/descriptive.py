"""Notebook 02, descriptive statistics: status mix, ratings, durations, attendance, preparation, correlations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.reports import charts, tables
from mentortrack.reports.context import ALL_MONTHS, record

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Descriptive statistics"


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``status``, ``durations`` and ``correlations``."""
    scope = ctx.scope
    out.section("status")
    status_counts = scope["session_status"].astype("string").value_counts()
    out.chart(charts.status_mix(scope))
    out.chart(charts.rating_distribution(scope))
    out.section("durations")
    out.chart(charts.duration_comparison(scope))
    attendance = pd.crosstab(scope["session_status"].astype("string"),
                             scope["learner_attended"].astype("string").fillna("not recorded"))
    out.table(tables.styled(attendance.reset_index(), ctx.show_pii,
                            caption="Learner attended by status, in sessions (contradictions are data-quality warnings)"))
    out.section("correlations")
    out.chart(charts.prep_vs_rating(scope))
    out.chart(charts.rating_by_category(scope, "session_type", "Rating by session type"))
    out.chart(charts.correlations(scope, when="this month" if ctx.month != ALL_MONTHS else "over all months"))
    completed = scope[scope["session_status"] == "Completed"]
    record(ctx.output_dir, "02_descriptive", {
        "status_counts": status_counts.to_dict(),
        "avg_rating_by_prep": completed.groupby("mentor_prep_done", observed=True)["post_session_rating"].mean()
        .astype(float).round(3).to_dict()})


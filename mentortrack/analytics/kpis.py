"""Program KPIs under two sets of definitions: ``standard`` and ``published``.

Notation: *all* = every valid session row; *completed*, *no-show*, *cancelled*,
*rescheduled* = rows with that canonical status; *resolved* = completed +
no-show + cancelled (a rescheduled booking has no outcome yet). Rates are
fractions 0–1; durations are minutes.

Standard definitions (the suite's):

================================  =========================================================  ==========================================
KPI                               numerator                                                  denominator
================================  =========================================================  ==========================================
total_sessions                    all                                                        –
completed_sessions                completed                                                  –
completion_rate                   completed                                                  resolved
no_show_rate                      no-show                                                    resolved
cancellation_rate                 cancelled                                                  resolved
reschedule_rate                   rescheduled                                                all
avg_rating                        sum of ratings of completed sessions with a rating         completed with a rating
rating_1 … rating_5               completed sessions rated 1 … 5                             –
prep_done_rate                    completed with Mentor_Prep_Done = Yes                      completed with prep recorded
prep_partial_rate                 completed with Mentor_Prep_Done = Partial                  completed with prep recorded
follow_up_rate                    completed with Follow_Up_Scheduled = Yes                   completed
action_items_rate                 completed with Action_Items_Documented = Yes               completed
feedback_coverage                 completed with non-empty feedback                          completed
missing_feedback_rate             completed with empty feedback                              completed
negative_feedback_count           completed whose feedback the suite labels Negative         –
negative_feedback_rate            negative_feedback_count                                    completed with feedback
positive_feedback_rate            completed whose feedback is labelled Positive              completed with feedback
avg_actual_duration_mins          sum of actual minutes of completed sessions                completed with actual minutes
avg_scheduled_duration_mins       sum of scheduled minutes of completed sessions             completed with scheduled minutes
duration_ratio                    sum of actual minutes                                      sum of scheduled minutes (completed, both)
attendance_rate                   completed + no-show with Learner_Attended = Yes            completed + no-show with attendance recorded
================================  =========================================================  ==========================================

Published definitions reproduce the original analysis exactly: every rate has
*all* rows as denominator; statuses are compared after title-casing, so
``No-show`` (title-cased ``No-Show``) never matches and the no-show rate is 0;
average rating is over every row with a rating; feedback sentiment is TextBlob
polarity > 0.1 Positive, < -0.1 Negative, otherwise (and empty) Neutral;
``missing_feedback_rate`` is empty feedback / all.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

Definitions = Literal["standard", "published"]
GROUPINGS = {"mentor": "mentor_name", "program": "program", "batch": "batch", "session_type": "session_type",
             "age_cohort": "age_cohort", "month": "month", "quarter": "quarter", "year": "year"}
"""``--by`` name -> grouping column: every categorical column of the contract, and calendar periods.
``quarter`` (``2025Q3``) and ``year`` come from ``session_date``; sessions without a value in the
grouping column are left out of the table."""

KPI_LABELS: dict[str, str] = {
    "total_sessions": "Total sessions",
    "completed_sessions": "Completed sessions",
    "completion_rate": "Completion rate",
    "no_show_rate": "No-show rate",
    "cancellation_rate": "Cancellation rate",
    "reschedule_rate": "Reschedule rate",
    "avg_rating": "Average rating",
    "prep_done_rate": "Mentor prep done",
    "prep_partial_rate": "Mentor prep partial",
    "follow_up_rate": "Follow-up scheduled",
    "action_items_rate": "Action items documented",
    "feedback_coverage": "Feedback coverage",
    "missing_feedback_rate": "Missing feedback",
    "negative_feedback_count": "Negative feedback",
    "negative_feedback_rate": "Negative feedback rate",
    "positive_feedback_rate": "Positive feedback rate",
    "avg_actual_duration_mins": "Avg actual minutes",
    "avg_scheduled_duration_mins": "Avg scheduled minutes",
    "duration_ratio": "Actual / scheduled time",
    "attendance_rate": "Learner attendance",
}
"""Display label of every KPI, in report order."""

COUNT_KPIS = {"total_sessions", "completed_sessions", "negative_feedback_count", *(f"rating_{r}" for r in range(1, 6))}
"""KPIs that are whole counts; every other KPI is a rate, an average or a ratio."""


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def _mean(values: pd.Series) -> float:
    values = values.dropna()
    return float(values.astype("float64").mean()) if len(values) else float("nan")


def add_month(sessions: pd.DataFrame) -> pd.DataFrame:
    """Add a ``month`` column (``YYYY-MM`` text) from ``session_date`` if missing."""
    if "month" in sessions:
        return sessions
    return sessions.assign(month=sessions["session_date"].dt.strftime("%Y-%m"))


def standard_kpis(sessions: pd.DataFrame) -> dict[str, float]:
    """KPIs under the standard definitions (see the module docstring); needs a ``sentiment`` column."""
    status = sessions["session_status"].astype("string")
    completed = sessions[status == "Completed"]
    resolved = int(status.isin(["Completed", "No-show", "Cancelled"]).sum())
    rating = completed["post_session_rating"]
    prep = completed["mentor_prep_done"].astype("string")
    feedback = completed["learner_feedback"].astype("string").str.strip().fillna("")
    sentiment = completed["sentiment"].astype("string")
    with_feedback = int((feedback != "").sum())
    both = completed.dropna(subset=["actual_duration_mins", "scheduled_duration_mins"])
    attendance = sessions.loc[status.isin(["Completed", "No-show"]), "learner_attended"].dropna()
    kpis: dict[str, float] = {
        "total_sessions": len(sessions),
        "completed_sessions": len(completed),
        "completion_rate": _ratio(len(completed), resolved),
        "no_show_rate": _ratio((status == "No-show").sum(), resolved),
        "cancellation_rate": _ratio((status == "Cancelled").sum(), resolved),
        "reschedule_rate": _ratio((status == "Rescheduled").sum(), len(sessions)),
        "avg_rating": _mean(rating),
        "prep_done_rate": _ratio((prep == "Yes").sum(), prep.notna().sum()),
        "prep_partial_rate": _ratio((prep == "Partial").sum(), prep.notna().sum()),
        "follow_up_rate": _ratio(completed["follow_up_scheduled"].fillna(False).sum(), len(completed)),
        "action_items_rate": _ratio(completed["action_items_documented"].fillna(False).sum(), len(completed)),
        "feedback_coverage": _ratio(with_feedback, len(completed)),
        "missing_feedback_rate": _ratio(len(completed) - with_feedback, len(completed)),
        "negative_feedback_count": int((sentiment == "Negative").sum()),
        "negative_feedback_rate": _ratio((sentiment == "Negative").sum(), with_feedback),
        "positive_feedback_rate": _ratio((sentiment == "Positive").sum(), with_feedback),
        "avg_actual_duration_mins": _mean(completed["actual_duration_mins"]),
        "avg_scheduled_duration_mins": _mean(completed["scheduled_duration_mins"]),
        "duration_ratio": _ratio(both["actual_duration_mins"].sum(), both["scheduled_duration_mins"].sum()),
        "attendance_rate": _ratio(attendance.sum(), len(attendance)),
    }
    for r in range(1, 6):
        kpis[f"rating_{r}"] = int((rating == r).sum())
    return kpis


def published_kpis(sessions: pd.DataFrame) -> dict[str, float]:
    """KPIs as the original analysis computed them (see the module docstring); needs ``sentiment_published``."""
    total = len(sessions)
    titled = sessions["session_status"].astype("string").str.title()
    feedback = sessions["learner_feedback"].astype("string").str.strip().fillna("")
    label = sessions["sentiment_published"].astype("string")
    rating = sessions["post_session_rating"]
    prep = sessions["mentor_prep_done"].astype("string")
    completed = int((titled == "Completed").sum())
    kpis: dict[str, float] = {
        "total_sessions": total,
        "completed_sessions": completed,
        "completion_rate": _ratio(completed, total),
        "no_show_rate": _ratio((titled == "No-show").sum(), total),
        "cancellation_rate": _ratio((titled == "Cancelled").sum(), total),
        "reschedule_rate": _ratio((titled == "Rescheduled").sum(), total),
        "avg_rating": _mean(rating),
        "prep_done_rate": _ratio((prep == "Yes").sum(), total),
        "prep_partial_rate": _ratio((prep == "Partial").sum(), total),
        "follow_up_rate": _ratio(sessions["follow_up_scheduled"].fillna(False).sum(), total),
        "action_items_rate": _ratio(sessions["action_items_documented"].fillna(False).sum(), total),
        "feedback_coverage": _ratio((feedback != "").sum(), total),
        "missing_feedback_rate": _ratio((feedback == "").sum(), total),
        "negative_feedback_count": int((label == "Negative").sum()),
        "negative_feedback_rate": _ratio((label == "Negative").sum(), total),
        "positive_feedback_rate": _ratio((label == "Positive").sum(), total),
        "avg_actual_duration_mins": _mean(sessions["actual_duration_mins"]),
        "avg_scheduled_duration_mins": _mean(sessions["scheduled_duration_mins"]),
        "duration_ratio": _ratio(sessions["actual_duration_mins"].sum(), sessions["scheduled_duration_mins"].sum()),
        "attendance_rate": _ratio(sessions["learner_attended"].fillna(False).sum(), total),
    }
    for r in range(1, 6):
        kpis[f"rating_{r}"] = int((rating == r).sum())
    kpis["neutral_feedback_rate"] = _ratio((label == "Neutral").sum(), total)
    return kpis


def compute_kpis(sessions: pd.DataFrame, definitions: Definitions = "standard") -> dict[str, float]:
    """KPIs of a session table under the chosen definitions."""
    if definitions == "published":
        return published_kpis(sessions)
    return standard_kpis(sessions)


def kpis_by(sessions: pd.DataFrame, by: str, definitions: Definitions = "standard") -> pd.DataFrame:
    """One row of KPIs per group of :data:`GROUPINGS` (mentor, program, batch, session type, age cohort,
    month, quarter or year)."""
    column = GROUPINGS[by]
    frame = add_month(sessions)
    if by in ("quarter", "year"):
        period = frame["session_date"].dt.to_period("Q" if by == "quarter" else "Y")
        frame = frame.assign(**{column: period.astype("string")})
    rows = {key: compute_kpis(group, definitions) for key, group in frame.groupby(column, observed=True, sort=True)}
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(by)


def previous_month(month: str) -> str:
    """The month before ``YYYY-MM``."""
    return (pd.Period(month, freq="M") - 1).strftime("%Y-%m")


def month_over_month(sessions: pd.DataFrame, month: str, definitions: Definitions = "standard") -> pd.DataFrame:
    """KPIs of ``month`` beside the previous month, with the change (``delta`` = this − previous).

    Rates change in fraction points (0.05 = five percentage points).
    """
    frame = add_month(sessions)
    before = previous_month(month)
    current = compute_kpis(frame[frame["month"] == month], definitions)
    previous = compute_kpis(frame[frame["month"] == before], definitions)
    table = pd.DataFrame({"kpi": list(current), "value": list(current.values()),
                          "previous": [previous[k] for k in current]})
    table["delta"] = table["value"] - table["previous"]
    table["label"] = table["kpi"].map(KPI_LABELS).fillna(table["kpi"])
    table.attrs.update(month=month, previous_month=before)
    return table


def rating_by_sentiment(sessions: pd.DataFrame, column: str = "sentiment") -> pd.DataFrame:
    """Sessions, rated sessions and average rating per sentiment label."""
    grouped = sessions.groupby(sessions[column].astype("string"))["post_session_rating"]
    table = pd.DataFrame({"sessions": grouped.size(), "rated": grouped.count(),
                          "avg_rating": grouped.mean().astype("float64")})
    return table.rename_axis("sentiment")


def to_json_ready(kpis: dict[str, float]) -> dict[str, float | int | None]:
    """KPIs with NaN as ``None``, counts as ``int`` and other values as ``float`` rounded to 6 places."""
    out: dict[str, float | int | None] = {}
    for key, value in kpis.items():
        if np.isnan(value):
            out[key] = None
        elif key in COUNT_KPIS:
            out[key] = int(value)
        else:
            out[key] = round(float(value), 6)
    return out

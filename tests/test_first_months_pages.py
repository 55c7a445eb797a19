"""The report pages' charts on a program's first months (:func:`conftest.first_months_rows`: 1 September to
9 October 2025, 15 mentors with 2–10 sessions), checked against counts made by hand from the fixture's rows."""

from __future__ import annotations

import pandas as pd
from conftest import first_months_rows

from mentortrack.analytics.kpis import compute_kpis
from mentortrack.reports import charts

ROWS = first_months_rows()


def _september(first_months: pd.DataFrame) -> pd.DataFrame:
    return first_months[first_months["month"] == "2025-09"]


def test_the_sentiment_chart_counts_completed_sessions_with_feedback_as_the_kpis_do(first_months: pd.DataFrame) -> None:
    # By hand: September has 73 sessions, 61 completed (6 no-show, 6 cancelled); of the completed, 13 have no
    # feedback, 48 have some: 44 positive (92 %) and 4 negative (8 %, Mentor D's "Not helpful").
    september = [r for r in ROWS if r["Session_Date"].startswith("2025-09")]
    completed = [r for r in september if r["Session_Status"] == "Completed"]
    with_text = [r for r in completed if r["Learner_Feedback"]]
    negative = [r for r in with_text if r["Learner_Feedback"].startswith("Not")]
    assert (len(september), len(completed), len(with_text), len(negative)) == (73, 61, 48, 4)
    scope = _september(first_months)
    fig = charts.sentiment_split(scope, title="Feedback sentiment, September 2025")
    said = charts.about(fig)
    assert said.alt == ("Feedback sentiment, September 2025: of 48 completed sessions with feedback: Positive 44 (92%), "
                        "Negative 4 (8%); 13 of 61 completed sessions without feedback (21%)")
    assert "of 48 completed sessions with feedback" in fig.axes[0].get_title().replace("\n", " ")
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert labels == ["44 (92%)", "4 (8%)", "13 (21%)"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["Positive", "Negative",
                                                                     "No feedback\n(of 61 completed)"]
    assert said.data["sessions"].sum() == 61, "no-show and cancelled sessions are not in the chart"
    kpis = compute_kpis(scope)
    shares = said.data.set_index("sentiment")["share"]
    assert shares["Positive"] == kpis["positive_feedback_rate"] and shares["Negative"] == kpis["negative_feedback_rate"]

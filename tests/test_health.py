"""Mentor health scores computed by hand on small frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.analytics.health import health_scores, health_trend
from mentortrack.analytics.kpis import format_rating
from mentortrack.config import HealthSettings

HEALTH = {
    "threshold": 40, "min_sessions": 3, "prior_sessions": 2, "trend_months": 3,
    "weights": {"rating": 1, "positive_feedback": 0, "follow_up": 1, "action_items": 0, "prep": 0,
                "kept_sessions": 0, "learner_attendance": 0}}
ONLY_RATING_AND_FOLLOW_UP = HealthSettings.model_validate(HEALTH)


def sessions(rows: list[tuple]) -> pd.DataFrame:
    """Rows of (mentor, month, status, rating, follow-up, sentiment)."""
    frame = pd.DataFrame(rows, columns=["mentor_name", "month", "session_status", "post_session_rating",
                                        "follow_up_scheduled", "sentiment"])
    frame["post_session_rating"] = frame["post_session_rating"].astype("Int64")
    frame["learner_feedback"] = frame["sentiment"].map({"Negative": "bad", "Positive": "good"})
    frame["mentor_prep_done"] = "Yes"
    frame["action_items_documented"] = True
    return frame


SEPTEMBER = sessions([
    ("A", "2025-09", "Completed", 5, True, "Positive"),
    ("A", "2025-09", "Completed", 3, False, "Positive"),
    ("A", "2025-09", "Completed", None, False, "No feedback"),
    ("A", "2025-09", "Completed", 1, False, "Negative"),
    ("B", "2025-09", "Completed", 4, True, "Positive"),
    ("B", "2025-09", "Completed", 4, True, "Positive"),
])


def test_scores_are_shrunk_towards_the_program_and_explained() -> None:
    table = health_scores(SEPTEMBER, ONLY_RATING_AND_FOLLOW_UP).set_index("mentor_name")
    # program: rating (0.5+1+0+0.75+0.75... per (r-1)/4) = 3.0 / 5 rated = 0.6; follow-ups 3 / 6 = 0.5
    # A: rating (1.5 + 2*0.6) / (3 + 2) = 0.54; follow-up (1 + 2*0.5) / (4 + 2) = 1/3; score 100 * (0.54 + 1/3) / 2
    assert table.loc["A", "score"] == pytest.approx(43.7, abs=0.05)
    assert table.loc["A", "explanation"] == "44: follow-ups 25% of 4 completed sessions, rating 3.00/5"
    assert table.loc["A", "rating_raw"] == pytest.approx(0.5) and table.loc["A", "rating_n"] == 3
    assert not table.loc["A", "at_risk"]
    assert math.isnan(table.loc["B", "score"])
    assert table.loc["B", "explanation"] == "no score: 2 sessions, 2 completed this month; a score needs 3 completed"
    # the parts the pages say are columns of their own: no page parses the explanation
    assert table.loc["A", ["weakest", "missing"]].tolist() == ["follow-ups 25% of 4 completed sessions, rating 3.00/5", ""]
    assert table.loc["B", ["weakest", "missing"]].tolist() == \
        ["", "2 sessions, 2 completed this month; a score needs 3 completed"]


def test_the_explanation_says_a_mean_rating_with_the_kpis_two_decimals() -> None:
    frame = sessions([("C", "2025-09", "Completed", r, True, "Positive") for r in (3, 3, 3, 4)]
                     + [("D", "2025-09", "Completed", 5, True, "Positive")] * 3)
    table = health_scores(frame, ONLY_RATING_AND_FOLLOW_UP).set_index("mentor_name")
    # C: mean 13 / 4 = 3.25, raw (3.25 - 1) / 4 = 0.5625; program (13 + 15) / 7 = 4.0, raw 0.75;
    # rating (4 * 0.5625 + 2 * 0.75) / (4 + 2) = 0.625, follow-ups 1.0: score 100 * 1.625 / 2 = 81.25
    assert table.loc["C", "score"] == pytest.approx(81.2, abs=0.051)
    assert table.loc["C", "explanation"] == "81: rating 3.25/5"
    assert format_rating(frame[frame["mentor_name"] == "C"]["post_session_rating"].mean()) == "3.25"
    assert format_rating(float("nan")) == "–" and format_rating(4.0) == "4.00"


def test_the_explanation_says_a_share_with_its_denominator() -> None:
    frame = sessions([("E", "2025-09", "Completed", 4, False, "Positive"),
                      ("E", "2025-09", "No-show", None, False, "No feedback"),
                      ("E", "2025-09", "No-show", None, False, "No feedback")]
                     + [("F", "2025-09", "Completed", 4, True, "Positive")] * 3)
    frame.loc[0, "mentor_prep_done"] = "No"
    weights = {c: 0 for c in HEALTH["weights"]} | {"follow_up": 1, "prep": 1}
    table = health_scores(frame, HealthSettings.model_validate({**HEALTH, "weights": weights, "min_sessions": 1})
                          ).set_index("mentor_name")
    # program: follow-ups 3 of 4 completed, prep Yes 3 of 4; E: 0 of 1 each, (0 + 2 * 0.75) / (1 + 2) = 0.5
    assert table.loc["E", "score"] == pytest.approx(50.0)
    assert table.loc["E", "explanation"] == "50: follow-ups 0% of 1 completed session, prep 0% of 1 completed with prep recorded"


def test_a_month_of_no_shows_gets_no_score() -> None:
    # E has 3 sessions but 1 completed: the rating, feedback, follow-up, action and prep parts rest on one
    # session, so with 3 completed sessions needed the month has no score rather than the program's average
    frame = sessions([("E", "2025-09", "Completed", 4, False, "Positive"),
                      ("E", "2025-09", "No-show", None, False, "No feedback"),
                      ("E", "2025-09", "No-show", None, False, "No feedback")]
                     + [("F", "2025-09", "Completed", 4, True, "Positive")] * 3)
    table = health_scores(frame, ONLY_RATING_AND_FOLLOW_UP).set_index("mentor_name")
    assert math.isnan(table.loc["E", "score"]) and table.loc["E", ["sessions", "completed"]].tolist() == [3, 1]
    assert table.loc["E", "explanation"] == "no score: 3 sessions, 1 completed this month; a score needs 3 completed"
    assert table.loc["F", ["sessions", "completed"]].tolist() == [3, 3] and not math.isnan(table.loc["F", "score"])


def test_threshold_marks_mentors_at_risk_and_weights_come_from_parameters() -> None:
    stricter = HealthSettings.model_validate({**HEALTH, "threshold": 50})
    assert health_scores(SEPTEMBER, stricter).set_index("mentor_name").loc["A", "at_risk"]
    only_rating = HealthSettings.model_validate({**HEALTH, "weights": {**HEALTH["weights"], "follow_up": 0}})
    assert health_scores(SEPTEMBER, only_rating).set_index("mentor_name").loc["A", "score"] == pytest.approx(54.0)


def test_no_prior_weight_gives_the_raw_record_and_negative_comments_are_counted() -> None:
    raw = HealthSettings.model_validate({**HEALTH, "prior_sessions": 0,
                                         "weights": {**HEALTH["weights"], "follow_up": 0, "rating": 0,
                                                     "positive_feedback": 1}})
    table = health_scores(SEPTEMBER, raw).set_index("mentor_name")
    # A: 3 completed with feedback, 1 negative -> 2/3; program 5 with feedback, 1 negative -> 0.8
    assert table.loc["A", "score"] == pytest.approx(66.7, abs=0.05)
    assert table.loc["A", "explanation"] == "67: 1 negative comment"


def test_trend_lists_the_last_months_per_mentor_from_the_first_month_of_data() -> None:
    october = SEPTEMBER.assign(month="2025-10")
    december = SEPTEMBER[SEPTEMBER["mentor_name"] != "A"].assign(month="2025-12")
    scores = health_scores(pd.concat([SEPTEMBER, october, december], ignore_index=True), ONLY_RATING_AND_FOLLOW_UP)
    # the data starts in September: no empty column for August, but the gap month November is shown
    assert list(health_trend(scores, "2025-10", 3).columns) == ["2025-09", "2025-10"]
    trend = health_trend(scores, "2025-12", 4)
    assert list(trend.columns) == ["2025-09", "2025-10", "2025-11", "2025-12"]
    assert math.isnan(trend.loc["A", "2025-11"]) and trend.loc["A", "2025-10"] == pytest.approx(43.7, abs=0.05)


def test_the_bundled_sample_has_a_score_for_every_busy_mentor(bundled_enriched) -> None:  # noqa: ANN001
    from mentortrack.analytics.kpis import add_month
    from mentortrack.reports.storage import read_enriched

    scores = health_scores(add_month(read_enriched(bundled_enriched)), SETTINGS.warnings.health)
    busy = scores[scores["completed"] >= 3]
    assert scores.loc[scores["completed"] < 3, "score"].isna().all()
    assert busy["score"].between(0, 100).all() and busy["explanation"].str.match(r"^\d+: ").all()

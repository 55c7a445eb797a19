"""Learner engagement, computed by hand on a small frame; the `kpis --by learner` command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import row, write_csv
from typer.testing import CliRunner

from mentortrack.analytics.engagement import cohort_engagement, learner_engagement, quiet_after_bad
from mentortrack.cli import app
from mentortrack.config import EngagementSettings

SETTINGS = EngagementSettings(quiet_days=30, lookback_days=180, bad_rating_below=3)
AS_OF = pd.Timestamp("2025-09-30")
SESSIONS = [
    # learner, date, status, mentor, rating, sentiment, cohort
    ("L1", "2025-06-01", "Completed", "M1", 5, "Positive", "a_1M"),
    ("L1", "2025-07-01", "Completed", "M1", 4, "Positive", "a_1M"),
    ("L1", "2025-07-15", "No-show", "M2", None, "No feedback", "b_2-3M"),
    ("L1", "2025-08-01", "Completed", "M2", 2, "Neutral", "b_2-3M"),       # bad by rating, nothing since
    ("L2", "2025-08-20", "Completed", "M1", 4, "Negative", "a_1M"),        # bad by feedback...
    ("L2", "2025-09-10", "Cancelled", "M1", None, "No feedback", "a_1M"),  # ...but booked again
    ("L3", "2025-09-15", "Completed", "M2", 1, "Negative", "a_1M"),        # bad, only 15 days ago
    ("L4", "2025-01-10", "Completed", "M2", 1, "Negative", "c_4-6M"),      # bad, 263 days ago: gone
    ("L5", "2025-09-20", "No-show", "M1", None, "No feedback", "a_1M"),
    ("L6", "2025-10-05", "Completed", "M1", 5, "Positive", "a_1M"),        # after as_of
]


@pytest.fixture()
def learners() -> pd.DataFrame:
    frame = pd.DataFrame(SESSIONS, columns=["learner_id", "session_date", "session_status", "mentor_name",
                                            "post_session_rating", "sentiment", "age_cohort"])
    frame = frame.assign(session_date=pd.to_datetime(frame["session_date"]), program="DSML",
                         post_session_rating=frame["post_session_rating"].astype("Float64"))
    return learner_engagement(frame, AS_OF, SETTINGS).set_index("learner_id")


def test_per_learner_by_hand(learners: pd.DataFrame) -> None:
    assert list(learners.index) == ["L1", "L2", "L3", "L4", "L5"]
    one = learners.loc["L1"]
    assert (one["booked"], one["attended"], one["no_shows"], one["mentors"], one["repeat_sessions"]) == (4, 3, 1, 2, 1)
    assert one["attendance_rate"] == pytest.approx(3 / 4) and one["cohort"] == "b_2-3M"
    assert (one["last_session"], one["days_since_last"], one["last_mentor"]) == (pd.Timestamp("2025-08-01"), 60, "M2")
    assert learners["last_was_bad"].to_dict() == {"L1": True, "L2": True, "L3": True, "L4": True, "L5": False}
    assert learners["quiet_after_bad"].to_dict() == {"L1": True, "L2": False, "L3": False, "L4": False, "L5": False}
    five = learners.loc["L5"]
    assert (five["attended"], five["attendance_rate"], five["mentors"]) == (0, 0.0, 0)
    assert pd.isna(five["last_session"]) and pd.isna(five["days_since_last"])


def test_per_cohort_by_hand(learners: pd.DataFrame) -> None:
    cohorts = cohort_engagement(learners.reset_index()).set_index("cohort")
    assert list(cohorts.index) == ["a_1M", "b_2-3M", "c_4-6M", "All learners"]
    first = cohorts.loc["a_1M"]  # L2, L3, L5
    assert (first["learners"], first["booked"], first["attended"], first["quiet_after_bad"]) == (3, 4, 2, 0)
    assert first["attendance_rate"] == pytest.approx(2 / 3)       # 2 attended of 2 attended + 1 no-show
    assert first["resolved"] == 3
    assert first["repeat_rate"] == 0.0                            # neither L2 nor L3 met a mentor twice
    assert (first["returned"], first["came"]) == (0, 2)
    assert first["median_days_since_last"] == pytest.approx(28)   # median of 41 and 15 (L5 never attended)
    total = cohorts.loc["All learners"]
    assert (total["learners"], total["booked"], total["attended"], total["quiet_after_bad"]) == (5, 9, 6, 1)
    assert total["attendance_rate"] == pytest.approx(6 / 8)
    assert total["repeat_rate"] == pytest.approx(1 / 4)           # L1 of the four who attended
    assert (total["resolved"], total["returned"], total["came"]) == (8, 1, 4)
    assert total["median_days_since_last"] == pytest.approx((41 + 60) / 2)


def test_the_re_engagement_list(learners: pd.DataFrame) -> None:
    quiet = quiet_after_bad(learners.reset_index())
    assert quiet[["learner_id", "last_mentor", "days_since_last"]].values.tolist() == [["L1", "M2", 60]]
    assert "learner_name" not in quiet and "learner_email" not in quiet


def test_kpis_by_learner_streams_and_shows_ids_only(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1", Learner_ID="L1", Session_Date="2025-09-01", Mentor_Name="M1"),
            row(Session_ID="S2", Learner_ID="L1", Session_Date="2025-09-08", Mentor_Name="M1"),
            row(Session_ID="S3", Learner_ID="L2", Session_Date="2025-09-09", Session_Status="No-show",
                Learner_Attended="No", Post_Session_Rating="", Actual_Duration_mins="0", Learner_Feedback="",
                Learner_Name="Secret Name", Learner_Email="secret@x.org")]
    export = write_csv(tmp_path / "e.csv", rows)
    result = CliRunner().invoke(app, ["kpis", str(export), "--by", "learner", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2025-09-09"
    by_id = {r["learner_id"]: r for r in data["learners"]}
    assert (by_id["L1"]["attended"], by_id["L1"]["repeat_sessions"], by_id["L1"]["days_since_last"]) == (2, 1, 1)
    assert (by_id["L2"]["booked"], by_id["L2"]["no_shows"]) == (1, 1)
    assert "Secret" not in result.stdout and "secret@" not in result.stdout
    text = CliRunner().invoke(app, ["kpis", str(export), "--by", "learner", "--month", "2025-09"])
    assert text.exit_code == 0 and "Learner engagement up to 2025-09-30 (2 learners)" in text.stdout

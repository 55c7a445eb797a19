"""Satisfaction targets judged by hand: value, target, n and the words the pages show."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from conftest import enriched, row

from mentortrack.config import Targets
from mentortrack.reports.targets import target_lines, target_status

TARGETS = Targets(avg_rating=4.0, positive_feedback_rate=0.5, min_n=2)


def test_targets_are_judged_with_their_denominators(tmp_path: Path) -> None:
    rows = [row(Session_ID="T1", Post_Session_Rating="5"), row(Session_ID="T2", Post_Session_Rating="3"),
            row(Session_ID="T3", Post_Session_Rating="3", Learner_Feedback=""),
            row(Session_ID="T4", Session_Status="Cancelled", Post_Session_Rating="", Learner_Feedback="",
                Learner_Attended="", Actual_Duration_mins="")]
    table = enriched(tmp_path, rows, ["Positive", "Negative", "No feedback", "No feedback"], [None] * 4)
    status = target_status(table, TARGETS).set_index("kpi")
    assert status.loc["avg_rating", "value"] == 11 / 3 and status.loc["avg_rating", "n"] == 3
    assert status.loc["positive_feedback_rate", "value"] == 0.5 and status.loc["positive_feedback_rate", "n"] == 2
    assert status.loc["avg_rating", "base_label"] == "rated sessions"
    assert status.loc["positive_feedback_rate", "base_label"] == "completed with feedback"
    assert status.loc["positive_feedback_rate", "statuses"] == "Completed"
    assert target_lines(table, TARGETS) == ["Average rating below target: 3.67 vs 4.00, n = 3",
                                            "Positive feedback rate meets target: 50.0% vs 50.0%, n = 2"]


def test_no_sessions_give_no_verdict() -> None:
    empty = pd.DataFrame(columns=["session_status", "post_session_rating", "learner_feedback", "sentiment"])
    assert target_lines(empty, TARGETS) == ["Average rating: nothing to judge: 0 rated sessions (target 4.00)",
                                            "Positive feedback rate: nothing to judge: 0 completed with feedback "
                                            "(target 50.0%)"]


def test_a_handful_of_sessions_gets_no_verdict(tmp_path: Path) -> None:
    table = enriched(tmp_path, [row(Session_ID="T1", Post_Session_Rating="5")], ["Positive"], [None])
    assert target_lines(table, TARGETS.model_copy(update={"min_n": 10})) == [
        "Average rating: too few to judge (a verdict needs n ≥ 10): 5.00 vs 4.00, n = 1",
        "Positive feedback rate: too few to judge (a verdict needs n ≥ 10): 100.0% vs 50.0%, n = 1"]


def test_sessions_without_feedback_have_nothing_to_judge_not_too_few(tmp_path: Path) -> None:
    # rated, but no feedback text: the positive share has no base (NaN of 0), not a small one
    table = enriched(tmp_path, [row(Session_ID="T1", Post_Session_Rating="5", Learner_Feedback="")], ["No feedback"],
                     [None])
    assert target_lines(table, TARGETS)[1] == "Positive feedback rate: nothing to judge: 0 completed with feedback (target 50.0%)"

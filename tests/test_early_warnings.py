"""Each early-warning rule on the statuses it applies to and on those it must ignore; mentor ranking."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, load_checked, row, write_csv

from mentortrack.analytics.early_warnings import assess, bottom_mentors, mentor_table
from mentortrack.analytics.kpis import BASES, PREP_RECORDED, RATES
from mentortrack.config import MentorRanking, Rule

RULES = SETTINGS.warnings.rules

CLEAN = dict(Post_Session_Rating="5", Mentor_Prep_Done="Yes", Follow_Up_Scheduled="Yes",
             Action_Items_Documented="Yes", Issue_Flag="", Learner_Feedback="Great")
MISSED = dict(Post_Session_Rating="", Actual_Duration_mins="0", Learner_Attended="No", Learner_Feedback="",
              Follow_Up_Scheduled="No", Action_Items_Documented="No", Mentor_Prep_Done="Yes")


def frame(tmp_path: Path, rows: list[dict[str, str]], sentiment: list[str] | None = None) -> pd.DataFrame:
    sessions = load_checked(write_csv(tmp_path / "w.csv", rows)).sessions
    sessions["sentiment"] = sentiment or ["Positive"] * len(sessions)
    return sessions


@pytest.mark.parametrize(("changes", "rule", "level", "reason"), [
    ({"Post_Session_Rating": "2"}, "low_rating", "red", "rated 2/5"),
    ({"Mentor_Prep_Done": "No"}, "no_prep", "amber", "mentor did not prepare"),
    ({"Mentor_Prep_Done": "Partial"}, "partial_prep", "amber", "mentor prep only partial"),
    ({"Follow_Up_Scheduled": "No"}, "no_follow_up", "amber", "no follow-up scheduled"),
    ({"Action_Items_Documented": "No"}, "no_action_items", "amber", "no action items documented"),
    ({"Issue_Flag": "Mentor late to join"}, "serious_issue_flag", "red", "flag: Mentor late to join"),
    ({"Issue_Flag": "Dismissive tone noted"}, "serious_issue_flag", "red", "flag: Dismissive tone noted"),
])
def test_rules_fire_on_completed_sessions(tmp_path: Path, changes: dict[str, str], rule: str, level: str,
                                          reason: str) -> None:
    result = assess(frame(tmp_path, [row(Session_ID="S1", **CLEAN), row(Session_ID="S2", **{**CLEAN, **changes})]), RULES)
    assert list(result["level"]) == ["green", level]
    assert result["rules"].iloc[1] == rule and result["reasons"].iloc[1] == reason


def test_rating_of_exactly_three_is_not_low(tmp_path: Path) -> None:
    result = assess(frame(tmp_path, [row(Session_ID="S1", **{**CLEAN, "Post_Session_Rating": "3"})]), RULES)
    assert result["level"].iloc[0] == "green"


def test_negative_feedback_is_red(tmp_path: Path) -> None:
    result = assess(frame(tmp_path, [row(**CLEAN)], sentiment=["Negative"]), RULES)
    assert (result["level"].iloc[0], result["reasons"].iloc[0]) == ("red", "negative feedback")


def test_worst_level_wins_and_all_reasons_are_listed(tmp_path: Path) -> None:
    result = assess(frame(tmp_path, [row(**{**CLEAN, "Post_Session_Rating": "1", "Follow_Up_Scheduled": "No"})]), RULES)
    assert result["level"].iloc[0] == "red"
    assert result["reasons"].iloc[0] == "rated 1/5; no follow-up scheduled"


@pytest.mark.parametrize("status", ["No-show", "Cancelled", "Rescheduled"])
def test_completed_only_rules_do_not_fire_on_other_statuses(tmp_path: Path, status: str) -> None:
    changes = {**MISSED, "Session_Status": status, "Post_Session_Rating": "1", "Mentor_Prep_Done": "Partial",
               "Issue_Flag": "Mentor late to join"}
    result = assess(frame(tmp_path, [row(**changes)], sentiment=["Negative"]), RULES)
    assert result["level"].iloc[0] == "green", result["reasons"].iloc[0]


def test_no_prep_fires_on_completed_sessions_only_as_the_prep_kpi_counts(tmp_path: Path) -> None:
    # the prep KPI and the health score's prep part count completed sessions only (an export records "No" for a
    # session that did not take place), so a no-show is never "mentor did not prepare"
    rows = [row(Session_ID="S0", **{**CLEAN, "Mentor_Prep_Done": "No"})]
    rows += [row(Session_ID=f"S{i}", **{**MISSED, "Session_Status": s, "Mentor_Prep_Done": "No"})
             for i, s in enumerate(["No-show", "Cancelled", "Rescheduled"], start=1)]
    result = assess(frame(tmp_path, rows), RULES)
    assert list(result["rules"]) == ["no_prep", "", "", ""]
    assert RATES["prep_done_rate"].parts == PREP_RECORDED
    assert tuple(RULES["no_prep"].statuses) == BASES[PREP_RECORDED].statuses


def test_repeated_learner_no_show(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1", Session_Date="2025-09-01", Learner_ID="L1", Session_Status="No-show", **MISSED),
            row(Session_ID="S2", Session_Date="2025-09-08", Learner_ID="L1", **CLEAN),
            row(Session_ID="S3", Session_Date="2025-09-15", Learner_ID="L1", Session_Status="No-show", **MISSED),
            row(Session_ID="S4", Session_Date="2025-09-15", Learner_ID="L2", Session_Status="No-show", **MISSED)]
    result = assess(frame(tmp_path, rows), RULES)
    assert list(result["level"]) == ["green", "green", "amber", "green"]
    assert result["reasons"].iloc[2] == "learner no-show #2"


def test_mentor_cancellations_need_enough_sessions(tmp_path: Path) -> None:
    often = [row(Session_ID=f"A{i}", Mentor_Name="Often", **CLEAN) for i in range(3)]
    often += [row(Session_ID=f"A{i}", Mentor_Name="Often", Session_Status="Cancelled", **MISSED) for i in (3, 4)]
    few = [row(Session_ID="B1", Mentor_Name="Few", Session_Status="Cancelled", **MISSED),
           row(Session_ID="B2", Mentor_Name="Few", **CLEAN)]
    result = assess(frame(tmp_path, often + few), RULES)
    assert list(result["rules"]) == [""] * 3 + ["mentor_cancellations"] * 2 + ["", ""]
    assert result["reasons"].iloc[3] == "mentor cancels often (40%)"


def test_thresholds_come_from_parameters(tmp_path: Path) -> None:
    rules = dict(RULES)
    rules["low_rating"] = rules["low_rating"].model_copy(update={"below": 4})
    result = assess(frame(tmp_path, [row(**{**CLEAN, "Post_Session_Rating": "3"})]), rules)
    assert result["level"].iloc[0] == "red"


def test_unknown_rule_is_a_clear_error(tmp_path: Path) -> None:
    rules = {"made_up": Rule(level="red", statuses=["Completed"], reason="x")}
    with pytest.raises(ValueError, match="unknown rule 'made_up'"):
        assess(frame(tmp_path, [row(**CLEAN)]), rules)


def test_mentor_table_and_bottom_mentors(tmp_path: Path) -> None:
    rows = []
    for m, ratings in {"Good": [5, 5, 4], "Bad": [1, 2, 5], "Mid": [3, 4, 4], "Tiny": [1]}.items():
        rows += [row(Session_ID=f"{m}{i}", Mentor_Name=m, **{**CLEAN, "Post_Session_Rating": str(r)})
                 for i, r in enumerate(ratings)]
    sessions = frame(tmp_path, rows)
    sessions = sessions.join(assess(sessions, RULES))
    params = MentorRanking(window_months=3, min_sessions=3, bottom_n=2)
    table = mentor_table(sessions, params)
    assert table.loc["Bad", "red_count"] == 2 and table.loc["Bad", "red_rate"] == pytest.approx(2 / 3)
    assert table.loc["Good", "avg_rating"] == pytest.approx(14 / 3)
    assert table.loc["Mid", "follow_up_rate"] == 1.0
    assert list(table["rank"].dropna()) == [1, 2, 3] and list(table.index[:3]) == ["Good", "Mid", "Bad"]
    assert pd.isna(table.loc["Tiny", "rank"]) and not table.loc["Tiny", "eligible"]
    assert list(bottom_mentors(table, params).index) == ["Mid", "Bad"]

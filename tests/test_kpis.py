"""KPIs computed by hand on small frames, in both definitions, and the published table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from conftest import load_checked, row, write_csv
from typer.testing import CliRunner

from mentortrack.analytics.kpis import (
    BASES,
    CATEGORY_GROUPINGS,
    COMPARED_GROUPINGS,
    GROUPINGS,
    RATES,
    components,
    compute_kpis,
    kpis_by,
    month_over_month,
    rating_by_sentiment,
    share_text,
    share_texts,
    shares,
)
from mentortrack.analytics.sentiment import published_scores
from mentortrack.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"

SMALL = [
    row(Session_ID="S1", Post_Session_Rating="5", Mentor_Prep_Done="Yes", Follow_Up_Scheduled="Yes",
        Action_Items_Documented="Yes", Learner_Feedback="Great", Scheduled_Duration_mins="45",
        Actual_Duration_mins="45", Learner_Attended="Yes"),
    row(Session_ID="S2", Post_Session_Rating="2", Mentor_Prep_Done="No", Follow_Up_Scheduled="No",
        Action_Items_Documented="No", Learner_Feedback="rushed", Scheduled_Duration_mins="45",
        Actual_Duration_mins="20", Learner_Attended="Yes"),
    row(Session_ID="S3", Post_Session_Rating="", Mentor_Prep_Done="Partial", Follow_Up_Scheduled="Yes",
        Action_Items_Documented="No", Learner_Feedback="", Scheduled_Duration_mins="60",
        Actual_Duration_mins="60", Learner_Attended="Yes"),
    row(Session_ID="S4", Session_Status="No-show", Post_Session_Rating="", Mentor_Prep_Done="Yes",
        Follow_Up_Scheduled="No", Action_Items_Documented="No", Learner_Feedback="", Learner_Attended="No",
        Scheduled_Duration_mins="30", Actual_Duration_mins="0"),
    row(Session_ID="S5", Session_Status="Cancelled", Post_Session_Rating="", Mentor_Prep_Done="No",
        Follow_Up_Scheduled="No", Action_Items_Documented="No", Learner_Feedback="", Learner_Attended="Yes",
        Scheduled_Duration_mins="30", Actual_Duration_mins="0"),
    row(Session_ID="S6", Session_Status="Rescheduled", Post_Session_Rating="", Mentor_Prep_Done="Yes",
        Follow_Up_Scheduled="No", Action_Items_Documented="No", Learner_Feedback="", Learner_Attended="No",
        Scheduled_Duration_mins="45", Actual_Duration_mins=""),
]


@pytest.fixture()
def small(tmp_path: Path) -> pd.DataFrame:
    sessions = load_checked(write_csv(tmp_path / "small.csv", SMALL)).sessions
    sessions["sentiment"] = ["Positive", "Negative", "No feedback", "No feedback", "No feedback", "No feedback"]
    sessions["sentiment_published"] = ["Positive", "Negative", "Neutral", "Neutral", "Neutral", "Neutral"]
    return sessions


def test_standard_kpis_by_hand(small: pd.DataFrame) -> None:
    k = compute_kpis(small, "standard")
    expected = {
        "total_sessions": 6, "completed_sessions": 3, "completion_rate": 3 / 5, "no_show_rate": 1 / 5,
        "cancellation_rate": 1 / 5, "reschedule_rate": 1 / 6, "avg_rating": 3.5, "prep_done_rate": 1 / 3,
        "prep_partial_rate": 1 / 3, "follow_up_rate": 2 / 3, "action_items_rate": 1 / 3, "feedback_coverage": 2 / 3,
        "missing_feedback_rate": 1 / 3, "negative_feedback_count": 1, "negative_feedback_rate": 1 / 2,
        "positive_feedback_rate": 1 / 2, "avg_actual_duration_mins": 125 / 3, "avg_scheduled_duration_mins": 50.0,
        "duration_ratio": 125 / 150, "attendance_rate": 3 / 4, "rating_5": 1, "rating_2": 1, "rating_1": 0,
    }
    for key, value in expected.items():
        assert k[key] == pytest.approx(value), key


def test_published_kpis_by_hand(small: pd.DataFrame) -> None:
    k = compute_kpis(small, "published")
    expected = {
        "total_sessions": 6, "completed_sessions": 3, "completion_rate": 0.5, "no_show_rate": 0.0,
        "cancellation_rate": 1 / 6, "reschedule_rate": 1 / 6, "avg_rating": 3.5, "prep_done_rate": 3 / 6,
        "follow_up_rate": 2 / 6, "action_items_rate": 1 / 6, "missing_feedback_rate": 4 / 6,
        "negative_feedback_count": 1, "negative_feedback_rate": 1 / 6, "neutral_feedback_rate": 4 / 6,
        "attendance_rate": 4 / 6,
    }
    for key, value in expected.items():
        assert k[key] == pytest.approx(value), key


def test_empty_denominators_give_nan_not_errors(small: pd.DataFrame) -> None:
    k = compute_kpis(small[small["session_status"] == "Rescheduled"], "standard")
    assert k["total_sessions"] == 1 and math.isnan(k["completion_rate"]) and math.isnan(k["avg_rating"])


def _published_export() -> list[dict[str, str]]:
    """120 rows with the counts of the real export (shared/docs/session-export.md)."""
    statuses = ["Completed"] * 67 + ["No-show"] * 19 + ["Cancelled"] * 18 + ["Rescheduled"] * 16
    prep = ["Yes"] * 68 + ["Partial"] * 29 + ["No"] * 23
    follow = ["Yes"] * 50 + ["No"] * 70
    actions = ["Yes"] * 44 + ["No"] * 76
    # completed rows: 34 positive (sum of ratings 122), 7 negative (22), 9 neutral text + 17 empty (100)
    feedback = (["Excellent career guidance, very motivating"] * 34 + ["Terrible session, very bad"] * 7
                + ["Discussed the project timeline"] * 9 + [""] * 17 + [""] * 53)
    ratings = ([4] * 20 + [3] * 14) + ([3] * 6 + [4]) + ([5, 1] + [4] * 22 + [3] * 2)
    ratings_text = [str(r) for r in ratings] + [""] * 53
    return [row(Session_ID=f"SS{1001 + i}", Session_Status=statuses[i], Mentor_Prep_Done=prep[i],
                Follow_Up_Scheduled=follow[i], Action_Items_Documented=actions[i], Learner_Feedback=feedback[i],
                Post_Session_Rating=ratings_text[i], Learner_Attended="Yes" if i < 67 else "No",
                Actual_Duration_mins="45" if i < 67 else ("" if statuses[i] == "Rescheduled" else "0"))
            for i in range(120)]


def test_published_mode_reproduces_the_published_table(tmp_path: Path) -> None:
    sessions = load_checked(write_csv(tmp_path / "real.csv", _published_export())).sessions
    sessions = sessions.join(published_scores(sessions["learner_feedback"]))
    k = compute_kpis(sessions, "published")
    assert k["total_sessions"] == 120 and k["completed_sessions"] == 67
    assert round(k["completion_rate"] * 100, 1) == 55.8
    assert round(k["avg_rating"], 2) == 3.64
    assert round(k["prep_done_rate"] * 100, 2) == 56.67
    assert round(k["follow_up_rate"] * 100, 2) == 41.67
    assert round(k["missing_feedback_rate"] * 100, 1) == 58.3
    assert k["no_show_rate"] == 0.0  # the original compared title-cased statuses, so "No-show" never matched
    shares = sessions["sentiment_published"].value_counts()
    assert (shares["Neutral"], shares["Positive"], shares["Negative"]) == (79, 34, 7)
    assert [round(shares[s] / 120 * 100, 1) for s in ("Neutral", "Positive", "Negative")] == [65.8, 28.3, 5.8]
    by = rating_by_sentiment(sessions, "sentiment_published")["avg_rating"]
    assert round(by["Positive"], 2) == 3.59 and round(by["Negative"], 2) == 3.14
    # 100/26 = 3.846: the published 3.84 is this value truncated, not rounded, to two places
    assert by["Neutral"] == pytest.approx(100 / 26) and math.floor(by["Neutral"] * 100) / 100 == 3.84


def test_standard_mode_on_the_published_counts(tmp_path: Path) -> None:
    sessions = load_checked(write_csv(tmp_path / "real.csv", _published_export())).sessions
    sessions["sentiment"] = ["Positive"] * 34 + ["Negative"] * 7 + ["Neutral"] * 9 + ["No feedback"] * 70
    k = compute_kpis(sessions, "standard")
    assert k["completion_rate"] == pytest.approx(67 / 104)
    assert k["no_show_rate"] == pytest.approx(19 / 104)
    assert k["follow_up_rate"] == pytest.approx(50 / 67)
    assert k["missing_feedback_rate"] == pytest.approx(17 / 67)
    assert k["negative_feedback_rate"] == pytest.approx(7 / 50)


def test_cli_published_json(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "real.csv", _published_export())
    out = CliRunner().invoke(app, ["kpis", str(path), "--definitions", "published", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    for key in ("total_sessions", "completed_sessions", "completion_rate", "avg_rating", "prep_done_rate",
                "follow_up_rate", "missing_feedback_rate", "negative_feedback_count", "no_show_rate",
                "cancellation_rate", "reschedule_rate"):
        assert key in data
    assert data["total_sessions"] == 120 and data["negative_feedback_count"] == 7
    assert data["follow_up_rate"] == pytest.approx(50 / 120, abs=1e-6)


def test_month_over_month_and_grouping(small: pd.DataFrame) -> None:
    earlier = small.copy()
    earlier["session_date"] = pd.Timestamp("2025-08-15")
    earlier["session_id"] = earlier["session_id"] + "x"
    both = pd.concat([small.iloc[:3], earlier], ignore_index=True)
    table = month_over_month(both, "2025-09").set_index("kpi")
    assert table.attrs["previous_month"] == "2025-08"
    assert table.loc["total_sessions", "value"] == 3 and table.loc["total_sessions", "previous"] == 6
    assert table.loc["completion_rate", "delta"] == pytest.approx(1.0 - 0.6)
    by_month = kpis_by(both, "month")
    assert by_month.loc["2025-08", "total_sessions"] == 6 and by_month.loc["2025-09", "completed_sessions"] == 3


def test_every_share_says_its_count_and_denominator_by_hand(small: pd.DataFrame) -> None:
    table = shares(small).set_index("kpi")
    assert table.loc["completion_rate", ["count", "base", "base_label"]].tolist() == [3, 5, "non-rescheduled sessions"]
    assert table.loc["completion_rate", "statuses"] == "Completed, No-show, Cancelled"
    assert table.loc["reschedule_rate", ["count", "base"]].tolist() == [1, 6]
    assert table.loc["missing_feedback_rate", ["count", "base", "base_label"]].tolist() == [1, 3, "completed sessions"]
    assert table.loc["attendance_rate", ["count", "base", "statuses"]].tolist() == [3, 4, "Completed, No-show"]
    texts = share_texts(components(small).sum())
    assert texts["negative_feedback_rate"] == "1 of 2 completed with feedback"
    assert texts["prep_done_rate"] == "1 of 3 completed with prep recorded"
    assert texts["avg_rating"] == "over 2 rated sessions"
    assert share_text("follow_up_rate", 1, 1, "completed sessions") == "1 of 1 completed session"
    assert share_text("avg_rating", 1, 1, "rated sessions") == "over 1 rated session"
    published = share_texts(components(small, "published").sum(), "published")
    assert published["follow_up_rate"] == "2 of 6 sessions" and published["completion_rate"] == "3 of 6 sessions"
    k = compute_kpis(small)
    assert all(k[kpi] == pytest.approx(row["count"] / row["base"]) for kpi, row in table.drop("avg_rating").iterrows())


def test_a_denominator_counts_only_the_statuses_it_names(small: pd.DataFrame) -> None:
    parts = components(small)
    status = small["session_status"].astype(str)
    for denominator, base in BASES.items():
        counted = parts[list(denominator)].sum(axis=1) > 0
        assert set(status[counted]) == set(base.statuses), base.noun  # S1–S6 hold every status once or more


def test_the_readme_names_every_denominator_as_the_code_does() -> None:
    section = README.read_text(encoding="utf-8").split("## KPI definitions")[1].split("\n## ")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("Completed"):
            rows[cells[0]] = (cells[1], {c.strip(" `") for c in cells[2].split("(")[0].split(",")})
    expected = {base.noun: (", ".join(base.statuses), set()) for base in BASES.values()}
    for kpi, rate in RATES.items():
        expected[rate.base.noun][1].add(kpi)
    expected["rated sessions"][1].add("avg_rating")
    assert rows == expected


def test_groupings_have_one_home() -> None:
    assert CATEGORY_GROUPINGS == ("program", "batch", "session_type", "age_cohort")
    assert COMPARED_GROUPINGS == (*CATEGORY_GROUPINGS, "mentor")
    assert list(GROUPINGS) == ["mentor", *CATEGORY_GROUPINGS, "month", "quarter", "year"]
    assert GROUPINGS["mentor"] == "mentor_name" and all(GROUPINGS[c] == c for c in CATEGORY_GROUPINGS)


def test_cli_kpis_print_each_share_with_its_base(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "small.csv", SMALL)
    text = CliRunner().invoke(app, ["kpis", str(path), "--definitions", "published"]).stdout
    lines = {line.split("  ")[0]: line for line in text.splitlines()}
    assert lines["Completion rate"].endswith("(3 of 6 sessions)")
    assert lines["Total sessions"].split() == ["Total", "sessions", "6"]
    standard = CliRunner().invoke(app, ["kpis", str(path)]).stdout
    assert "0.6  (3 of 5 non-rescheduled sessions)" in standard and "(2 of 3 completed sessions)" in standard
    month = CliRunner().invoke(app, ["kpis", str(path), "--definitions", "published", "--month", "2025-09"]).stdout
    assert "Base in 2025-09" in month and "3 of 6 sessions" in month
    by = CliRunner().invoke(app, ["kpis", str(path), "--definitions", "published", "--by", "program"]).stdout
    assert "Completion rate (of sessions)" in by and "50.0% · 3 of 6" in by

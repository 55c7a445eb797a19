"""Inactivity nudges: learners with no session booked for 30 and 90 days, once per step, through the mailer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row
from test_mail_faults import serve, settings  # noqa: F401 (the fixture)

from mentortrack.config import NudgeSettings
from mentortrack.lifecycle.mailer import send
from mentortrack.lifecycle.reminders import compose_nudges, due_nudges

STEPS = NudgeSettings(days=[30, 90], window_days=14)


@pytest.fixture()
def table(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="N1", Session_Date="2025-06-01", Learner_ID="A", Learner_Email="a@x.org"),
        row(Session_ID="N2", Session_Date="2025-07-01", Learner_ID="A", Learner_Email="a@x.org",
            Session_Status="No-show", Learner_Attended="No", Post_Session_Rating="", Actual_Duration_mins="0",
            Learner_Feedback=""),                                      # A's last booking: 1 July (a no-show)
        row(Session_ID="N3", Session_Date="2025-07-01", Learner_ID="B", Learner_Email="",
            Mentor_Name="Asha Rao"),                                   # B: same day, no address
        row(Session_ID="N4", Session_Date="2025-07-01", Learner_ID="C", Learner_Email="c@x.org"),
        row(Session_ID="N5", Session_Date="2025-09-15", Learner_ID="C", Learner_Email="c@x.org",
            Session_Status="Rescheduled", Learner_Attended="", Post_Session_Rating="", Learner_Feedback=""),
    ]
    return enriched(tmp_path, rows, ["Positive", "No feedback", "Positive", "Positive", "No feedback"], [None] * 5)


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2025-07-30", {}),                         # 29 days
    ("2025-07-31", {"A": 30, "B": 30}),         # 30 days since 1 July; C too, but C booked again on 15 Sep
    ("2025-08-13", {"A": 30, "B": 30}),         # 43 days: still inside the 14-day window
    ("2025-08-14", {}),                         # 44 days: past it, before the second step
    ("2025-09-29", {"A": 90, "B": 90}),         # 90 days
    ("2025-10-12", {"A": 90, "B": 90}),         # 103 days: the last day of the window
    ("2025-10-13", {}),                         # 104 days: never again; C: 28 days after 15 Sep
    ("2025-10-15", {"C": 30}),                  # C: 30 days after its rescheduled booking
])
def test_the_step_due_on_each_day(table: pd.DataFrame, as_of: str, expected: dict[str, int]) -> None:
    due = due_nudges(table, pd.Timestamp(as_of), STEPS)
    assert dict(zip(due["learner_id"], due["stage_day"])) == expected
    assert (due["final"] == (due["stage_day"] == 90)).all()
    assert (due["days_quiet"] == (pd.Timestamp(as_of) - due["session_date"]).dt.days).all()


def test_nudges_go_to_the_learner_once_per_step(table: pd.DataFrame, serve, tmp_path: Path) -> None:  # noqa: ANN001, F811
    server, port = serve()
    due = due_nudges(table, pd.Timestamp("2025-07-31"), STEPS)
    mails, missing = compose_nudges(due, settings(port))
    assert [m.key for m in mails] == ["nudge:A:2025-07-01:day30"]
    assert mails[0].recipient == "a@x.org" and "Sneha Reddy" in mails[0].text
    assert missing[["kind", "session_id", "reason"]].values.tolist() == [["nudge", "N3", "no learner e-mail address"]]
    log = tmp_path / "sent_log.csv"
    assert send(mails, settings(port), log).sent == 1
    again = compose_nudges(due_nudges(table, pd.Timestamp("2025-08-05"), STEPS), settings(port))[0]
    assert send(again, settings(port), log).already_sent == 1 and server.received == ["nudge:A:2025-07-01:day30"]


def test_the_digest_lists_the_nudges_due(table: pd.DataFrame, tmp_path: Path) -> None:
    from mentortrack.lifecycle.digest import Period, compose_digest, gather

    lifecycle = SETTINGS.lifecycle.model_copy(update={"nudges": STEPS})
    settings = SETTINGS.model_copy(update={"lifecycle": lifecycle})
    facts = gather(table, Period.week_of(pd.Timestamp("2025-08-01")), settings, tmp_path)  # nudges due Sunday 3 August
    assert facts["nudge_count"] == 2 and [n["learner_id"] for n in facts["nudges"]] == ["A", "B"]
    mail = compose_digest(facts, "pm@example.org", lifecycle.email)
    assert "learner A: no session booked for 33 days (last with Sneha Reddy; 30-day nudge)" in mail.text
    assert "learner B: no session booked for 33 days" in mail.html

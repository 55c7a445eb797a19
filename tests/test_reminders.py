"""Feedback reminders: which stage is due on which day, and the e-mails through a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import enriched, row
from test_mail_faults import serve, settings  # noqa: F401 (the fixture)
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.config import ReminderSettings
from mentortrack.lifecycle.mailer import send
from mentortrack.lifecycle.reminders import compose_reminders, due_reminders

STAGES = ReminderSettings(days=[1, 5], catch_up_days=2)


@pytest.fixture()
def table(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="R1", Session_Date="2025-09-01", Learner_Feedback="", Learner_Email="a@x.org"),
        row(Session_ID="R2", Session_Date="2025-09-01", Learner_Feedback="Great session", Learner_Email="b@x.org"),
        row(Session_ID="R3", Session_Date="2025-09-01", Learner_Feedback="", Session_Status="No-show",
            Learner_Attended="No", Post_Session_Rating="", Actual_Duration_mins="0", Learner_Email="c@x.org"),
        row(Session_ID="R4", Session_Date="2025-09-04", Learner_Feedback="   ", Learner_Email=""),
    ]
    return enriched(tmp_path, rows, ["No feedback", "Positive", "No feedback", "No feedback"], [None] * 4)


@pytest.mark.parametrize(("as_of", "expected"), [
    ("2025-09-01", {}),                      # the day of the session: nothing yet
    ("2025-09-02", {"R1": 1}),               # day 1
    ("2025-09-03", {"R1": 1}),               # a missed day-1 run catches up ...
    ("2025-09-04", {"R1": 1}),               # ... for catch_up_days (2) days
    ("2025-09-05", {"R4": 1}),               # day 4: past R1's catch-up, before day 5; R4 (blank) reaches its day 1
    ("2025-09-06", {"R1": 5, "R4": 1}),      # R1's last stage
    ("2025-09-08", {"R1": 5}),               # its last catch-up day (R4's day-1 window ended on the 7th)
    ("2025-09-09", {"R4": 5}),               # R1 is past its last stage's window
    ("2025-09-12", {}),                      # and R4 too: never again
])
def test_the_stage_due_on_each_day(table: pd.DataFrame, as_of: str, expected: dict[str, int]) -> None:
    due = due_reminders(table, pd.Timestamp(as_of), STAGES)
    assert dict(zip(due["session_id"], due["stage_day"])) == expected
    assert (due["final"] == (due["stage_day"] == 5)).all()


def test_reminders_go_through_the_mailer_once_per_stage(table: pd.DataFrame, serve, tmp_path: Path) -> None:  # noqa: ANN001, F811
    server, port = serve()
    due = due_reminders(table, pd.Timestamp("2025-09-06"), STAGES)
    mails, missing = compose_reminders(due, settings(port))
    assert [m.key for m in mails] == ["reminder:R1:day5"] and mails[0].recipient == "a@x.org"
    assert "last reminder" in mails[0].text and "Mock Interview" in mails[0].subject
    assert "Thank you for rating it" in mails[0].text and "rate the session" not in mails[0].text
    assert missing[["session_id", "reason"]].values.tolist() == [["R4", "no learner e-mail address"]]
    log = tmp_path / "sent_log.csv"
    assert send(mails, settings(port), log).sent == 1
    assert send(mails, settings(port), log).already_sent == 1 and server.received == ["reminder:R1:day5"]


def test_the_command_writes_a_masked_queue_and_eml_files(tmp_path: Path) -> None:
    out = tmp_path / "reminders"
    result = CliRunner().invoke(app, ["reminders", "--as-of", "2025-10-06", "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "reminder_queue.csv")
    queue = table[table["kind"] == "feedback"]
    assert len(queue) and table["learner_email"].str.match(r"^.\*\*\*@").all()
    assert sorted(p.name for p in (out / "eml").iterdir() if p.name.startswith("reminder")) == [
        f"reminder_{s}_day{d}.eml" for s, d in sorted(zip(queue["session_id"], queue["stage_day"]))]
    assert f"{len(queue)} reminder{'s' if len(queue) != 1 else ''} due on 2025-10-06" in result.stdout


def test_a_stale_export_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reminders", "--as-of", "2026-03-01", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "note: the data ends on 2025-10-31" in result.output and "0 reminders due on 2026-03-01" in result.output


def test_a_reminder_asks_for_a_rating_only_when_there_is_none(table: pd.DataFrame, tmp_path: Path) -> None:
    unrated = table.assign(post_session_rating=table["post_session_rating"].where(table["session_id"] != "R1"))
    due = due_reminders(unrated, pd.Timestamp("2025-09-02"), STAGES)
    assert due[["session_id", "rated"]].values.tolist() == [["R1", False]]
    mail = compose_reminders(due, settings(25))[0][0]
    assert "rate the session" in mail.text and "rate the session" in mail.html and "Thank you for rating" not in mail.text

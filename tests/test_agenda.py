"""Pre-session agendas on constructed histories: content, the no-history case, determinism, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import SETTINGS, enriched, row

from mentortrack.contract.load import LoadError
from mentortrack.lifecycle.agenda import build_agenda, load_upcoming, render, write_agendas

AGENDA = SETTINGS.lifecycle.agenda
ZONE = SETTINGS.lifecycle.timezone


@pytest.fixture()
def history(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="H1", Session_Date="2025-09-01", Learner_ID="L1", Mentor_Name="Vikram Singh",
            Session_Type="Resume Review", Post_Session_Rating="2", Learner_Feedback="Vague advice on my resume",
            Action_Items_Documented="Yes", Follow_Up_Scheduled="Yes"),
        row(Session_ID="H2", Session_Date="2025-09-10", Learner_ID="L1", Session_Status="No-show",
            Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0", Learner_Attended="No"),
        row(Session_ID="H3", Session_Date="2025-09-20", Learner_ID="L1", Session_Status="No-show",
            Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0", Learner_Attended="No"),
        row(Session_ID="H4", Session_Date="2025-10-01", Learner_ID="L1", Mentor_Name="Sneha Reddy",
            Session_Type="Mock Interview", Post_Session_Rating="4", Learner_Feedback="Fine session",
            Action_Items_Documented="No", Follow_Up_Scheduled="No"),
        row(Session_ID="H5", Session_Date="2025-10-05", Learner_ID="L2", Mentor_Name="Sneha Reddy",
            Session_Type="Mock Interview", Post_Session_Rating="2", Learner_Feedback="Rushed, no time for questions"),
        row(Session_ID="H6", Session_Date="2025-12-01", Learner_ID="L1", Post_Session_Rating="5"),
    ]
    return enriched(tmp_path, rows, ["Negative", "No feedback", "No feedback", "Neutral", "Negative", "Positive"],
                    ["vague advice; resume", None, None, "fine session", "rushed; questions", "later"])


def booked(**changes: object) -> dict[str, object]:
    session = {"session_id": "UP1", "session_date": pd.Timestamp("2025-10-20"), "session_time": "10:00",
               "program": "DSML", "learner_id": "L1", "learner_name": "Learner_1", "learner_email": "l1@x.org",
               "mentor_name": "Sneha Reddy", "session_type": "Mock Interview", "scheduled_duration_mins": 60}
    return {**session, **changes}


def test_agenda_from_history(history: pd.DataFrame) -> None:
    agenda = build_agenda(booked(), history, AGENDA, {"Mock Interview": ["rushed", "time management"]}, ZONE)
    assert agenda.has_history
    assert agenda.goal == AGENDA.types["Mock Interview"].goal
    assert [p["date"] for p in agenda.previous] == ["2025-09-10", "2025-09-20", "2025-10-01"]  # H6 is in the future
    assert agenda.open_points == [
        "No action items were documented on 2025-10-01: agree on them and write them down today.",
        "No follow-up was scheduled after 2025-10-01: check what happened since."]
    # H1 was with another mentor: the agenda says the learner was unhappy, not who or how they rated them
    assert agenda.concerns == ["2025-09-01 (another mentor): the learner was unhappy with that session; ask what "
                               "would help this time.",
                               "The learner missed 2 earlier sessions: confirm attendance the day before."]
    shown = " ".join([*agenda.concerns, *(p["summary"] for p in agenda.previous)])
    assert "Vikram Singh" not in shown and "2/5" not in shown
    assert agenda.mentor_notes[0] == ("1 of this mentor's sessions in the last 90 days had negative feedback, "
                                      "mostly about: rushed, questions.")
    assert agenda.mentor_notes[1] == "Average rating of this mentor's last 90 days: 3.00 from 2 ratings."
    # nor what the learner wrote about them: topics come from the learner's feedback on this mentor
    assert agenda.topics == ["fine session", "rushed", "time management"]
    assert agenda.mentor_checklist == AGENDA.types["Mock Interview"].mentor_checklist
    markdown, page = render(agenda)
    assert "2025-10-20 10:00 IST" in markdown and "2025-10-20 10:00 IST" in page, "the booked time says its zone"


def test_a_booked_mentor_name_in_another_case_is_the_same_mentor(history: pd.DataFrame, tmp_path: Path) -> None:
    upcoming = pd.DataFrame([booked(mentor_name="sneha reddy")])
    ((_, agenda),) = write_agendas(upcoming, history, AGENDA, tmp_path, ZONE)
    assert agenda.session["mentor_name"] == "Sneha Reddy"
    assert [p["summary"] for p in agenda.previous][-1] != "Mock Interview with another mentor (completed)."
    assert agenda.mentor_notes, "this mentor's own history is found"


def test_learner_without_history_gets_the_default_agenda(history: pd.DataFrame) -> None:
    agenda = build_agenda(booked(learner_id="L9", session_type="Career Guidance"), history, AGENDA, {}, ZONE)
    markdown, page = render(agenda)
    assert not agenda.has_history and agenda.previous == [] and agenda.topics == []
    assert "No earlier sessions with this learner are on record: this is the default agenda for a Career Guidance." in markdown
    assert "- [ ] " + AGENDA.types["Career Guidance"].learner_checklist[0] in markdown
    items = [i for t in [*AGENDA.types.values(), AGENDA.default] for i in (*t.mentor_checklist, *t.learner_checklist)]
    assert all(i.count("(") == i.count(")") for i in items), "an item with commas is one item (quoted in the YAML)"
    assert "default agenda" in page


def test_unknown_session_type_uses_default_settings(history: pd.DataFrame) -> None:
    agenda = build_agenda(booked(learner_id="L9", session_type="Salary Negotiation"), history, AGENDA, {}, ZONE)
    assert agenda.goal == AGENDA.default.goal


def test_html_is_escaped(history: pd.DataFrame) -> None:
    _, page = render(build_agenda(booked(learner_name="<b>x</b>"), history, AGENDA, {}, ZONE))
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


def test_write_agendas_is_deterministic(history: pd.DataFrame, tmp_path: Path) -> None:
    upcoming = pd.DataFrame([booked(), booked(session_id="UP2", learner_id="L9")])
    first = write_agendas(upcoming, history, AGENDA, tmp_path / "a", ZONE)
    second = write_agendas(upcoming, history, AGENDA, tmp_path / "b", ZONE)
    assert [p.name for p, _ in first] == ["UP1.md", "UP2.md"]
    assert [a.has_history for _, a in first] == [True, False]
    for (a, _), (b, _) in zip(first, second):
        assert a.read_bytes() == b.read_bytes()
        assert a.with_suffix(".html").read_bytes() == b.with_suffix(".html").read_bytes()


def test_a_bad_booked_row_costs_that_row_only(tmp_path: Path) -> None:
    path = tmp_path / "up.csv"
    path.write_text("Session_ID,Session_Date,Mentor_Name,Session_Type\nUP1,2025-11-03,A,Resume Review\n"
                    "UP2,someday,B,Mock Interview\n,2025-11-04,C,Mock Interview\nUP4,2025-11-05,D\n"
                    "UP5,2025-11-02,E,Mock Interview\n")
    booked, skipped = load_upcoming(path)
    assert booked["session_id"].tolist() == ["UP5", "UP1"]
    assert skipped == ["row 3, column Session_Date: not a date: 'someday'", "row 4, column Session_ID: missing value",
                       "row 5, column (whole row): has 3 fields, the header has 4: ['UP4', '2025-11-05', 'D']"]


def test_a_booked_file_without_a_usable_row_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "up.csv"
    path.write_text("Session_ID,Session_Date,Mentor_Name,Session_Type\nUP2,someday,B,Mock Interview\n")
    with pytest.raises(LoadError, match=r"no usable booked session: row 2, column Session_Date: not a date: 'someday'"):
        load_upcoming(path)


def test_the_agenda_command_names_the_skipped_rows_and_writes_the_rest(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app

    path = tmp_path / "up.csv"
    path.write_text("Session_ID,Session_Date,Mentor_Name,Session_Type\nUP1,2025-11-03,A,Resume Review\n"
                    "UP2,someday,B,Mock Interview\n")
    result = CliRunner().invoke(app, ["agenda", "--upcoming", str(path), "--out", str(tmp_path / "agendas")])
    assert result.exit_code == 0, result.output
    assert "wrote 1 agenda to" in result.stdout
    assert f"skipped: rows of {path} with a problem get no agenda: row 3, column Session_Date: not a date: 'someday'" in result.stderr
    assert sorted(p.name for p in (tmp_path / "agendas").iterdir()) == ["UP1.html", "UP1.md"]


def test_bundled_upcoming_sessions_load() -> None:
    from mentortrack.paths import package_data

    table, skipped = load_upcoming(package_data("upcoming_sessions.csv"))
    assert skipped == [] and len(table) == 5 and table["session_time"].iloc[-1] == "09:00"


def test_an_agenda_never_says_a_flagged_session_was_a_complaint(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app
    from mentortrack.reports.storage import write_table

    past = enriched(tmp_path, [
        row(Session_ID="S1", Session_Date="2025-10-01", Learner_ID="L7", Mentor_Name="Asha Rao",
            Post_Session_Rating="4", Learner_Feedback="He harassed me after the call", Follow_Up_Scheduled="Yes")],
        ["Negative"], [None])
    history = write_table(past, tmp_path / "history.parquet")
    (tmp_path / "up.csv").write_text("Session_ID,Session_Date,Session_Time,Learner_ID,Mentor_Name,Session_Type\n"
                                     "U1,2025-10-20,10:00,L7,Asha Rao,Resume Review\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["agenda", "--upcoming", str(tmp_path / "up.csv"), "--history", str(history),
                                      "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "a" / "U1.md").read_text(encoding="utf-8")
    assert "negative feedback" not in page and "None" not in page and "harass" not in page.lower()
    assert "check: 1 booked session (U1) pairs a learner with the mentor they raised a safeguarding concern" in \
        result.output

"""Follow-up queue rules by hand, proposed slots, .ics invites read back, and red alerts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import enriched, row
from icalendar import Calendar

from mentortrack.analytics.open_followups import needing_followup
from mentortrack.config import load_settings
from mentortrack.lifecycle.alerts import digest, red_alerts
from mentortrack.lifecycle.followups import propose_slots, write_followups
from mentortrack.paths import default_parameters_dir

LIFECYCLE = load_settings(default_parameters_dir()).lifecycle
SETTINGS = LIFECYCLE.followups
ZONE = LIFECYCLE.timezone
GOOD = dict(Post_Session_Rating="5", Mentor_Prep_Done="Yes", Follow_Up_Scheduled="Yes", Action_Items_Documented="Yes",
            Learner_Feedback="Great")


@pytest.fixture()
def sessions(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="F1", Session_Date="2025-10-20", Learner_ID="L1", Mentor_Name="M1", **{**GOOD, "Post_Session_Rating": "2"}),
        row(Session_ID="F2", Session_Date="2025-10-21", Learner_ID="L2", Mentor_Name="M1", **GOOD),
        row(Session_ID="F3", Session_Date="2025-10-22", Learner_ID="L3", Mentor_Name="M1", **{**GOOD, "Follow_Up_Scheduled": "No"}),
        row(Session_ID="F4", Session_Date="2025-10-23", Learner_ID="L4", Mentor_Name="M2", Session_Status="No-show",
            Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0", Learner_Attended="No"),
        row(Session_ID="F5", Session_Date="2025-10-24", Learner_ID="L5", Mentor_Name="M2", Session_Status="Cancelled",
            Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0", Learner_Attended="No",
            Follow_Up_Scheduled="No"),
        row(Session_ID="F6", Session_Date="2025-10-01", Learner_ID="L6", Mentor_Name="M2", **{**GOOD, "Post_Session_Rating": "1"}),
        row(Session_ID="F7", Session_Date="2025-10-25", Learner_ID="L7", Mentor_Name="M1", **{**GOOD, "Action_Items_Documented": "No"}),
        row(Session_ID="F8", Session_Date="2025-10-28", Learner_ID="L7", Mentor_Name="M1", **GOOD),
        row(Session_ID="F9", Session_Date="2025-10-29", Learner_ID="L9", Mentor_Name="M2", **GOOD,
            Learner_Email="learner9@x.org"),
    ]
    sentiment = ["Positive", "Positive", "Positive", "No feedback", "No feedback", "Positive", "Positive", "Positive",
                 "Negative"]
    return enriched(tmp_path, rows, sentiment, [None] * 9)


def test_which_sessions_need_a_follow_up(sessions: pd.DataFrame) -> None:
    queue = needing_followup(sessions, pd.Timestamp("2025-10-31"), SETTINGS)
    # F2/F8 fine, F5 cancelled, F6 before the 14-day window, F7 met the learner again in F8
    assert queue["session_id"].tolist() == ["F1", "F9", "F3", "F4"]
    reasons = dict(zip(queue["session_id"], queue["reasons"]))
    assert reasons == {"F1": "rated below 3; red level", "F9": "negative feedback; red level",
                       "F3": "no follow-up scheduled", "F4": "learner no-show: rebook"}
    assert queue["priority"].tolist() == [1, 1, 2, 2]


def test_only_a_later_completed_session_is_meeting_again(sessions: pd.DataFrame, tmp_path: Path) -> None:
    later = [row(Session_ID=f"N{i}", Session_Date="2025-10-30", Learner_ID=learner, Mentor_Name="M2",
                 Session_Status=status, Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0",
                 Learner_Attended="No")
             for i, (learner, status) in enumerate([("L1", "Cancelled"), ("L3", "Rescheduled"), ("L4", "No-show")])]
    booked = enriched(tmp_path, later, ["No feedback"] * 3, [None] * 3)
    queue = needing_followup(pd.concat([sessions, booked], ignore_index=True), pd.Timestamp("2025-10-31"), SETTINGS)
    assert {"F1", "F3", "F4"} <= set(queue["session_id"]), "a later cancelled, rescheduled or missed booking is no meeting"
    assert "F7" not in set(queue["session_id"]), "F8 was completed: they met again"


def test_slots_are_business_days_one_after_another_per_mentor(sessions: pd.DataFrame) -> None:
    as_of = pd.Timestamp("2025-10-31")  # a Friday
    queue = propose_slots(needing_followup(sessions, as_of, SETTINGS), as_of, SETTINGS, ZONE)
    starts = dict(zip(queue["session_id"], queue["proposed_start"].dt.strftime("%a %Y-%m-%d %H:%M %z")))
    assert starts == {"F1": "Mon 2025-11-03 10:00 +0530", "F3": "Mon 2025-11-03 10:30 +0530",
                      "F9": "Mon 2025-11-03 10:00 +0530", "F4": "Mon 2025-11-03 10:30 +0530"}


def test_ics_invites_read_back(sessions: pd.DataFrame, tmp_path: Path) -> None:
    written = write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path,
                              {"M2": "m2@mentors.org"}, "team@example.org", ZONE)
    table = written.queue
    assert (tmp_path / "followup_queue.csv").exists() and len(table) == 4 and written.withheld.empty
    assert written.unusable_mentor_addresses == []
    calendar = Calendar.from_ical((tmp_path / "invites" / "F9.ics").read_bytes())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["uid"]) == "followup-F9@mentortrack"
    assert event.decoded("dtstart").isoformat() == "2025-11-03T10:00:00+05:30"
    assert (event.decoded("dtend") - event.decoded("dtstart")).seconds == 30 * 60
    # the internal copy invites the mentor only: sent on, it cannot reach the learner with the reasons
    assert str(event.get("attendee")) == "mailto:m2@mentors.org"
    assert "negative feedback" in str(event["description"]) and "not for the learner" in str(event["description"])
    zones = list(calendar.walk("VTIMEZONE"))
    assert [str(z["tzid"]) for z in zones] == ["Asia/Kolkata"]
    learner_copy = next(iter(Calendar.from_ical((tmp_path / "invites" / "learners" / "F9.ics").read_bytes())
                             .walk("VEVENT")))
    assert sorted(str(a) for a in learner_copy.get("attendee")) == ["mailto:learner9@x.org", "mailto:m2@mentors.org"]
    write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path / "no_mentor", {}, "team@example.org", ZONE)
    alone = next(iter(Calendar.from_ical((tmp_path / "no_mentor" / "invites" / "F9.ics").read_bytes()).walk("VEVENT")))
    assert alone.get("attendee") is None


def test_no_call_is_set_up_with_a_mentor_the_learner_reported(sessions: pd.DataFrame, tmp_path: Path) -> None:
    from mentortrack.analytics.safeguarding import reported_pairs, split_reported
    from mentortrack.lifecycle.reminders import due_nudges

    safeguarding = load_settings(default_parameters_dir()).safeguarding
    reported = sessions.assign(learner_feedback=sessions["learner_feedback"].where(
        sessions["session_id"] != "F1", "Good advice, but he asked for my WhatsApp number to talk privately"))
    pairs = reported_pairs(reported, safeguarding)
    assert pairs == {("M1", "L1")}
    written = write_followups(reported, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path, {}, "t@example.org",
                              ZONE, reported=pairs)
    table, withheld = written.queue, written.withheld
    assert withheld["session_id"].tolist() == ["F1"] and "F1" not in set(table["session_id"])
    assert not (tmp_path / "invites" / "F1.ics").exists() and set(table["session_id"]) == {"F9", "F3", "F4"}
    nudges = due_nudges(reported, pd.Timestamp("2025-11-25"), LIFECYCLE.nudges)
    kept, held = split_reported(nudges, pairs)
    assert "L1" in set(nudges["learner_id"]) and held["learner_id"].tolist() == ["L1"]
    assert "L1" not in set(kept["learner_id"]) and len(kept) == len(nudges) - 1


def test_the_learner_invite_says_nothing_internal(sessions: pd.DataFrame, tmp_path: Path) -> None:
    write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path, {"M2": "m2@mentors.org"},
                    "team@example.org", ZONE)
    mentor_copy = Calendar.from_ical((tmp_path / "invites" / "F9.ics").read_bytes())
    learner_copy = Calendar.from_ical((tmp_path / "invites" / "learners" / "F9.ics").read_bytes())
    internal = str(next(iter(mentor_copy.walk("VEVENT")))["description"])
    told = str(next(iter(learner_copy.walk("VEVENT")))["description"])
    assert "red level" in internal and "negative feedback" in internal
    for word in ("red", "level", "rated", "negative", "flag", "Why"):
        assert word not in told, word
    assert "M2" in told and "2025-10-29" in told
    assert list(learner_copy.walk("VTIMEZONE")) and str(next(iter(learner_copy.walk("VEVENT")))["uid"]) == \
        "followup-F9@mentortrack"


def test_the_followup_queue_is_masked_unless_asked(sessions: pd.DataFrame, tmp_path: Path) -> None:
    write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path / "masked", {}, "t@example.org", ZONE,
                    show_pii=False)
    write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path / "shown", {}, "t@example.org", ZONE,
                    show_pii=True)
    masked = pd.read_csv(tmp_path / "masked" / "followup_queue.csv").set_index("session_id")
    shown = pd.read_csv(tmp_path / "shown" / "followup_queue.csv").set_index("session_id")
    assert shown.at["F9", "learner_email"] == "learner9@x.org"
    assert masked.at["F9", "learner_email"] == "l***@x.org"


def test_slots_in_a_daylight_saving_gap_or_overlap_are_resolved() -> None:
    from mentortrack.lifecycle.followups import local_time

    # Cairo skipped 00:00-01:00 on Friday 2023-04-28 and repeated 23:00-24:00 on Thursday 2023-10-26
    assert local_time(pd.Timestamp("2023-04-28 00:30"), "Africa/Cairo").isoformat() == "2023-04-28T01:00:00+03:00"
    assert local_time(pd.Timestamp("2023-10-26 23:30"), "Africa/Cairo").isoformat() == "2023-10-26T23:30:00+03:00"
    queue = pd.DataFrame({"mentor_name": ["M1", "M1"]})
    settings = SETTINGS.model_copy(update={"slot_hour": 0, "slot_minutes": 30, "first_slot_after_days": 0})
    slots = propose_slots(queue, pd.Timestamp("2023-04-28"), settings, "Africa/Cairo")
    assert slots["proposed_start"].map(lambda t: t.isoformat()).tolist() == [
        "2023-04-28T01:00:00+03:00", "2023-04-28T01:30:00+03:00"]


def test_red_alerts_in_the_last_24_hours(sessions: pd.DataFrame) -> None:
    found = red_alerts(sessions, pd.Timestamp("2025-10-30 14:00"), 24)
    assert found["session_id"].tolist() == ["F9"]
    assert red_alerts(sessions, pd.Timestamp("2025-10-31 16:00"), 24).empty
    text = digest(found, pd.Timestamp("2025-10-30 14:00"), 24, ZONE)
    assert "1 red session needs a follow-up" in text and "**F9** 2025-10-29 15:00 IST" in text
    assert text.startswith("# Red sessions, 24 h to 2025-10-30 14:00 IST")
    assert "No red session" in digest(found.iloc[0:0], pd.Timestamp("2025-10-30 14:00"), 24, ZONE)
    rated = found.assign(post_session_rating=2.0)
    said_by_reason = digest(rated.assign(reasons="rated 2/5; negative feedback"), pd.Timestamp("2025-10-30 14:00"), 24, ZONE)
    assert said_by_reason.count("rated 2/5") == 1, "the rating is said once when a reason says it"
    assert "rated 2/5: negative feedback" in digest(rated.assign(reasons="negative feedback"),
                                                    pd.Timestamp("2025-10-30 14:00"), 24, ZONE)


def test_a_directory_address_that_is_no_address_is_left_out_and_named(sessions: pd.DataFrame, tmp_path: Path) -> None:
    written = write_followups(sessions, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path,
                              {"M2": "m2@mentors.org\r\nBcc: spy@evil.example"}, "t@example.org", ZONE)
    table = written.queue
    assert written.unusable_mentor_addresses == ["M2"]
    assert table.loc[table["mentor_name"] == "M2", "mentor_email"].isna().all()
    written = (tmp_path / "followup_queue.csv").read_text()
    assert "spy@evil.example" not in written and "Bcc" not in written
    # a learner copy would set up a call its mentor knows nothing of: none is written, and the queue says why
    assert not (tmp_path / "invites" / "learners" / "F9.ics").exists()
    assert table.set_index("session_id").loc["F9", "learner_invite_note"] == (
        "no learner copy: the mentor has no valid e-mail address (set up the call yourself)")


def test_a_learner_without_an_address_gets_no_learner_copy(sessions: pd.DataFrame, tmp_path: Path) -> None:
    nowhere = sessions.assign(learner_email=sessions["learner_email"].where(sessions["session_id"] != "F9", "not-an-address"))
    written = write_followups(nowhere, pd.Timestamp("2025-10-31"), SETTINGS, tmp_path, {"M2": "m2@mentors.org"},
                              "t@example.org", ZONE)
    row = written.queue.set_index("session_id").loc["F9"]
    assert pd.isna(row["learner_invite"]) and row["learner_invite_note"] == (
        "no learner copy: the learner has no valid e-mail address")
    assert (tmp_path / "invites" / "F9.ics").exists() and not (tmp_path / "invites" / "learners" / "F9.ics").exists()
    queued = pd.read_csv(tmp_path / "followup_queue.csv").set_index("session_id")
    assert queued.loc["F9", "learner_invite_note"] == "no learner copy: the learner has no valid e-mail address"


def test_a_directory_is_read_as_an_export_is(tmp_path: Path) -> None:
    from mentortrack.contract.load import LoadError
    from mentortrack.lifecycle.followups import addresses_of, load_directory

    semicolons = tmp_path / "semi.csv"
    semicolons.write_text("mentor name;MENTOR EMAIL\nSneha Reddy;sneha@x.org\nRahul Verma;\n", encoding="utf-16")
    read = load_directory(semicolons)
    assert read.addresses == {"sneha reddy": "sneha@x.org"} and read.conflicts == [] and read.skipped == []
    assert addresses_of(read, pd.Series(["Sneha Reddy", "Rahul Verma", None])) == {"Sneha Reddy": "sneha@x.org"}
    twice = tmp_path / "twice.csv"
    twice.write_text("Mentor_Name,Mentor_Email\nSneha Reddy,sneha@x.org\nsneha reddy ,other@x.org\n"
                     "Priya Nair,priya@x.org\nPriya Nair,PRIYA@x.org\n\"Broken,row\n")
    read = load_directory(twice)
    assert read.conflicts == ["Sneha Reddy"], "two addresses for one mentor: neither is used"
    assert read.addresses == {"priya nair": "priya@x.org"}
    assert len(read.skipped) == 1 and read.skipped[0].startswith("row 6, column ")
    for content, said in [("", "the file is empty"), ("Name,Email\nA,a@x.org\n", "no Mentor_Name or Mentor_Email column")]:
        path = tmp_path / "bad.csv"
        path.write_text(content)
        with pytest.raises(LoadError, match=said):
            load_directory(path)

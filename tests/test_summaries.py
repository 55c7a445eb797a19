"""Session summaries for each status, built only from the row's fields, and mentor digests."""

from __future__ import annotations

from pathlib import Path

from conftest import enriched, row

from mentortrack.analytics.summaries import mentor_digest, summarize_sessions


def test_summary_of_each_status(tmp_path: Path) -> None:
    rows = [
        row(Session_ID="S1", Mentor_Name="Vikram Singh", Session_Type="Mock Interview", Program="DSML",
            Scheduled_Duration_mins="45", Actual_Duration_mins="33", Post_Session_Rating="2",
            Learner_Feedback="Session felt rushed", Follow_Up_Scheduled="No", Action_Items_Documented="Yes",
            Mentor_Prep_Done="Partial", Issue_Flag="Mentor late to join"),
        row(Session_ID="S2", Session_Status="No-show", Learner_ID="L9", Session_Date="2025-09-01",
            Post_Session_Rating="", Learner_Feedback="", Issue_Flag="Session No-show"),
        row(Session_ID="S3", Session_Status="No-show", Learner_ID="L9", Session_Date="2025-09-09",
            Post_Session_Rating="", Learner_Feedback=""),
        row(Session_ID="S4", Session_Status="Cancelled", Post_Session_Rating="", Learner_Feedback=""),
        row(Session_ID="S5", Session_Status="Rescheduled", Post_Session_Rating="", Learner_Feedback="",
            Actual_Duration_mins=""),
        row(Session_ID="S6", Post_Session_Rating="", Learner_Feedback="", Follow_Up_Scheduled="Yes"),
    ]
    table = enriched(tmp_path, rows, ["Negative", "No feedback", "No feedback", "No feedback", "No feedback",
                                      "No feedback"], ["felt rushed; time", None, None, None, None, None])
    summaries = summarize_sessions(table).tolist()
    assert summaries[0] == ("Mock Interview with Vikram Singh, DSML on 2025-09-08, 33 of 45 minutes; rated 2/5; "
                            "feedback negative: Session length (session rushed); mentor prep: partial; no follow-up scheduled; "
                            "flag: Mentor late to join.")
    assert summaries[1] == ("Mock Interview with Sneha Reddy, DSML on 2025-09-01: the learner did not show up; "
                            "flag: Session No-show.")
    assert summaries[2] == ("Mock Interview with Sneha Reddy, DSML on 2025-09-09: the learner did not show up "
                            "(2nd no-show of this learner).")
    assert summaries[3].endswith("on 2025-09-08: the session was cancelled.")
    assert summaries[4].endswith("on 2025-09-08: the session was rescheduled.")
    assert summaries[5] == ("Mock Interview with Sneha Reddy, DSML on 2025-09-08, 44 of 45 minutes; not rated; "
                            "no feedback; follow-up scheduled.")


def test_mentor_digest(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1", Post_Session_Rating="2", Follow_Up_Scheduled="No",
                Learner_Feedback="Mentor was late, shortened our discussion time"),
            row(Session_ID="S2", Post_Session_Rating="5", Follow_Up_Scheduled="Yes"),
            row(Session_ID="S3", Session_Status="Cancelled", Post_Session_Rating="", Learner_Feedback=""),
            row(Session_ID="S4", Mentor_Name="Other Mentor")]
    table = enriched(tmp_path, rows, ["Negative", "Positive", "No feedback", "Positive"],
                     ["felt rushed; time", "great", None, "great"])
    digest = mentor_digest(table, "2025-09").set_index("mentor_name")
    text = digest.loc["Sneha Reddy", "digest"]
    assert text.startswith("Sneha Reddy, 2025-09: 3 sessions (2 completed, 1 cancelled); average rating 3.50 from 2 ratings; "
                           "follow-up on 1 of 2 completed; 1 red session, why: ")
    assert "rated 2/5 (1)" in text and "negative feedback (1)" in text
    # the one negative feedback names both its themes, each counted once with its quote
    assert text.endswith("; complaints: Punctuality — 1 complaint: 'Mentor was late, shortened our discussion time'; "
                         "Session length — 1 complaint: 'Mentor was late, shortened our discussion time'.")
    assert digest.loc["Other Mentor", "red"] == 0
    # one session, one rating: said in the singular ("from 1 ratings" on the first months' keywords page)
    assert digest.loc["Other Mentor", "digest"].startswith("Other Mentor, 2025-09: 1 session (1 completed); average "
                                                           "rating 4.00 from 1 rating; ")
    partial = mentor_digest(table, "2025-10", "data through 9 Oct 2025: partial month").set_index("mentor_name")
    assert partial.loc["Other Mentor", "digest"].startswith(
        "Other Mentor, 2025-10 (data through 9 Oct 2025: partial month): 1 session (1 completed)")


def test_mentor_digest_counts_the_reasons_of_every_red_session(tmp_path: Path) -> None:
    rows = [row(Session_ID=f"S{i}", Post_Session_Rating="2", Follow_Up_Scheduled="Yes" if i else "No")
            for i in range(4)]
    table = enriched(tmp_path, rows, ["Negative"] * 4, ["vague advice"] * 4)
    text = mentor_digest(table, "2025-09").loc[0, "digest"]
    assert "4 red sessions, why: " in text
    why = text.split("why: ")[1].split(";")[0].rstrip(".")
    counted = dict(part.rsplit(" (", 1) for part in why.split(", "))
    assert counted["rated 2/5"] == "4)" and counted["negative feedback"] == "4)"
    assert all(int(n.rstrip(")")) <= 4 for n in counted.values())

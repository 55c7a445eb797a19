"""Data-quality warnings: contradictions that leave a session usable.

A warning never changes or drops a row; it is reported so the program team can
fix the platform data. Each warning names the file row, the session and the
column it is about.
"""

from __future__ import annotations

import pandas as pd

from mentortrack.contract.addresses import address_problem

WARNING_COLUMNS = ["source_row", "session_id", "column", "kind", "message"]

OVERRUN_FACTOR = 1.5
"""An actual duration above this multiple of the scheduled one is reported."""

EARLY_FLAG = "Session ended early (< 20 mins)"
EARLY_MINUTES = 20
STATUS_FLAGS = {"Session No-show": "No-show", "Session Cancelled": "Cancelled", "Session Rescheduled": "Rescheduled"}


def _rows(sessions: pd.DataFrame, mask: pd.Series, column: str, kind: str, message: pd.Series | str) -> pd.DataFrame:
    mask = mask.fillna(False).astype(bool)
    picked = sessions[mask]
    text = message[mask] if isinstance(message, pd.Series) else message
    return pd.DataFrame({"source_row": picked["source_row"], "session_id": picked["session_id"],
                         "column": column, "kind": kind, "message": text})


def find_warnings(sessions: pd.DataFrame, overrun_factor: float = OVERRUN_FACTOR) -> pd.DataFrame:
    """All data-quality warnings of a canonical session table, one row per (session, kind).

    Kinds: an invalid learner e-mail (syntax checked offline with email-validator), a
    rating or feedback on a non-completed session, attendance contradicting the
    status, an overrun, minutes on a missed session, and flags contradicting the
    duration or the status.
    """
    status = sessions["session_status"].astype("string")
    completed = status == "Completed"
    missed = status.isin(["No-show", "Cancelled"])
    attended = sessions["learner_attended"]
    actual = sessions["actual_duration_mins"]
    scheduled = sessions["scheduled_duration_mins"]
    flag = sessions["issue_flag"]
    flag_status = flag.map(STATUS_FLAGS)
    email = sessions["learner_email"]
    email_problem = email.dropna().drop_duplicates().map(address_problem)
    email_reason = email.map(dict(zip(email.dropna().drop_duplicates(), email_problem))).astype("string")
    frames = [
        _rows(sessions, email_reason.notna(), "Learner_Email", "invalid_learner_email",
              "not usable as an e-mail address (never used as a recipient): " + email_reason.fillna("")),
        _rows(sessions, ~completed & sessions["post_session_rating"].notna(), "Post_Session_Rating",
              "rating_on_non_completed", "rating given on a " + status + " session"),
        _rows(sessions, ~completed & sessions["learner_feedback"].notna(), "Learner_Feedback",
              "feedback_on_non_completed", "feedback given on a " + status + " session"),
        _rows(sessions, (completed & (attended == False)) | (missed & (attended == True)),  # noqa: E712
              "Learner_Attended", "attendance_contradicts_status",
              "Learner_Attended is " + attended.map({True: "Yes", False: "No"}).astype("string").fillna("") + " on a " + status + " session"),
        _rows(sessions, actual > overrun_factor * scheduled, "Actual_Duration_mins", "duration_overrun",
              "actual " + actual.astype("string") + " min is over " + str(overrun_factor) + "x the scheduled "
              + scheduled.astype("string") + " min"),
        _rows(sessions, missed & (actual > 0), "Actual_Duration_mins", "duration_on_missed_session",
              actual.astype("string") + " min recorded on a " + status + " session"),
        _rows(sessions, (flag == EARLY_FLAG) & (actual >= EARLY_MINUTES), "Issue_Flag", "flag_contradicts_duration",
              "flagged as ended early but lasted " + actual.astype("string") + " min"),
        _rows(sessions, flag_status.notna() & (flag_status != status), "Issue_Flag", "flag_contradicts_status",
              "flag '" + flag.fillna("") + "' on a " + status + " session"),
    ]
    found = pd.concat(frames, ignore_index=True)
    return found.sort_values(["source_row", "kind"]).reset_index(drop=True)[WARNING_COLUMNS]


def count_by_kind(warnings: pd.DataFrame) -> dict[str, int]:
    """Number of warnings of each kind, most frequent first."""
    return {str(k): int(v) for k, v in warnings["kind"].value_counts().items()}

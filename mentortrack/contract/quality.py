"""Data-quality warnings: contradictions that leave a session usable.

A warning never changes or drops a row; it is reported so the program team can
fix the platform data. Each warning names the file row, the session and the
column it is about.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from mentortrack.contract.addresses import PLAIN_ADDRESS, address_problem

WARNING_COLUMNS = ["source_row", "session_id", "column", "kind", "message"]

OVERRUN_FACTOR = 1.5
"""An actual duration above this multiple of the scheduled one is reported."""

EARLY_FLAG = "Session ended early (< 20 mins)"
EARLY_MINUTES = 20
PLAUSIBLE_FROM = pd.Timestamp("2000-01-01")
"""Session dates before this are reported (kept: a typo in the year, or a very old record)."""


def plausible_until(today: pd.Timestamp | None = None) -> pd.Timestamp:
    """The last plausible session date: 31 December of next year (bookings run ahead, not years ahead)."""
    today = today if today is not None else pd.Timestamp.now()
    return pd.Timestamp(year=today.year + 1, month=12, day=31)


STATUS_FLAGS = {"Session No-show": "No-show", "Session Cancelled": "Cancelled", "Session Rescheduled": "Rescheduled"}


def _rows(sessions: pd.DataFrame, mask: pd.Series, column: str, kind: str,
          message: Callable[[pd.DataFrame], pd.Series | str]) -> pd.DataFrame:
    """Warnings of one kind: ``message`` builds the text from the flagged rows only."""
    mask = mask.fillna(False).astype(bool)
    picked = sessions[mask]
    return pd.DataFrame({"source_row": picked["source_row"], "session_id": picked["session_id"],
                         "column": column, "kind": kind, "message": message(picked) if len(picked) else ""})


def _email_problems(email: pd.Series) -> pd.Series:
    """Why each learner e-mail is unusable (missing where it is fine or empty); plain addresses are
    recognised in one vectorised pass, only the rest go through email-validator."""
    present = email.dropna()
    plain = present.str.fullmatch(PLAIN_ADDRESS.pattern) & (present.str.len() <= 254) & (present.str.find("@") <= 64)
    odd = present[~plain.astype(bool)].drop_duplicates()
    reasons = {value: address_problem(value) for value in odd}
    return email.map(reasons).astype("string")


def find_warnings(sessions: pd.DataFrame, overrun_factor: float = OVERRUN_FACTOR) -> pd.DataFrame:
    """All data-quality warnings of a canonical session table, one row per (session, kind).

    Kinds: an invalid learner e-mail (syntax checked offline with email-validator), a
    rating or feedback on a non-completed session, attendance contradicting the
    status, an overrun, minutes on a missed session, flags contradicting the
    duration or the status, and an implausible date (before :data:`PLAUSIBLE_FROM` or
    after :func:`plausible_until`).
    """
    status = sessions["session_status"].astype("string")
    completed = status == "Completed"
    missed = status.isin(["No-show", "Cancelled"])
    attended = sessions["learner_attended"]
    actual = sessions["actual_duration_mins"]
    scheduled = sessions["scheduled_duration_mins"]
    flag = sessions["issue_flag"]
    flag_status = flag.map(STATUS_FLAGS)
    email_reason = _email_problems(sessions["learner_email"])
    date, until = sessions["session_date"], plausible_until()

    def on(rows: pd.DataFrame) -> pd.Series:
        return " on a " + rows["session_status"].astype("string") + " session"

    frames = [
        _rows(sessions, email_reason.notna(), "Learner_Email", "invalid_learner_email",
              lambda r: "not usable as an e-mail address (never used as a recipient): " + email_reason[r.index]),
        _rows(sessions, ~completed & sessions["post_session_rating"].notna(), "Post_Session_Rating",
              "rating_on_non_completed", lambda r: "rating given" + on(r)),
        _rows(sessions, ~completed & sessions["learner_feedback"].notna(), "Learner_Feedback",
              "feedback_on_non_completed", lambda r: "feedback given" + on(r)),
        _rows(sessions, (completed & (attended == False)) | (missed & (attended == True)),  # noqa: E712
              "Learner_Attended", "attendance_contradicts_status",
              lambda r: "Learner_Attended is " + r["learner_attended"].map({True: "Yes", False: "No"}).astype("string")
              .fillna("") + on(r)),
        _rows(sessions, actual > overrun_factor * scheduled, "Actual_Duration_mins", "duration_overrun",
              lambda r: "actual " + r["actual_duration_mins"].astype("string") + " min is over " + str(overrun_factor)
              + "x the scheduled " + r["scheduled_duration_mins"].astype("string") + " min"),
        _rows(sessions, missed & (actual > 0), "Actual_Duration_mins", "duration_on_missed_session",
              lambda r: r["actual_duration_mins"].astype("string") + " min recorded" + on(r)),
        _rows(sessions, (flag == EARLY_FLAG) & (actual >= EARLY_MINUTES), "Issue_Flag", "flag_contradicts_duration",
              lambda r: "flagged as ended early but lasted " + r["actual_duration_mins"].astype("string") + " min"),
        _rows(sessions, flag_status.notna() & (flag_status != status), "Issue_Flag", "flag_contradicts_status",
              lambda r: "flag '" + r["issue_flag"].fillna("") + "'" + on(r)),
        _rows(sessions, (date < PLAUSIBLE_FROM) | (date > until), "Session_Date", "implausible_date",
              lambda r: "date " + r["session_date"].dt.strftime("%Y-%m-%d") + f" is before {PLAUSIBLE_FROM:%Y} or "
              f"after {until:%Y-%m-%d} (a typo in the year?)"),
    ]
    found = pd.concat(frames, ignore_index=True)
    return found.sort_values(["source_row", "kind"]).reset_index(drop=True)[WARNING_COLUMNS]


def count_by_kind(warnings: pd.DataFrame) -> dict[str, int]:
    """Number of warnings of each kind, most frequent first."""
    return {str(k): int(v) for k, v in warnings["kind"].value_counts().items()}

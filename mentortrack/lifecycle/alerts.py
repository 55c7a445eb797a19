"""Daily alerts: red sessions whose feedback arrived in the last ``window_hours`` (the "flag within 24 hours" promise).

The export has no feedback timestamp, so a session's feedback is taken to arrive
at its booked start (date + time, midnight when the time is missing); an alert
fires for red sessions with feedback whose start lies in ``(as_of - window, as_of]``.
"""

from __future__ import annotations

import pandas as pd

from mentortrack.reports.escape import markdown_text
from mentortrack.wording import clock, plural, verb

ALERT_COLUMNS = ["session_id", "session_start", "mentor_name", "learner_id", "session_type", "post_session_rating",
                 "reasons", "learner_feedback"]


def session_start(enriched: pd.DataFrame) -> pd.Series:
    """Booked start of every session (date + ``HH:MM``; midnight when the time is missing)."""
    time = pd.to_timedelta(enriched["session_time"].fillna("00:00").astype(str) + ":00")
    return enriched["session_date"] + time


def red_alerts(enriched: pd.DataFrame, as_of: pd.Timestamp, window_hours: float = 24) -> pd.DataFrame:
    """Red sessions with feedback that started in the ``window_hours`` before ``as_of``, newest first."""
    start = session_start(enriched)
    recent = (start > as_of - pd.Timedelta(hours=window_hours)) & (start <= as_of)
    hits = enriched[recent & (enriched["level"] == "red") & enriched["learner_feedback"].notna()]
    return hits.assign(session_start=start[hits.index]).sort_values("session_start", ascending=False)[ALERT_COLUMNS]


def window_label(as_of: pd.Timestamp, window_hours: float, zone: str) -> str:
    """The alert window in words, its end in the program's ``zone``: "24 h to 2025-10-30 14:00 IST"."""
    return f"{window_hours:g} h to {clock(as_of, zone)}"


def digest(alerts: pd.DataFrame, as_of: pd.Timestamp, window_hours: float, zone: str) -> str:
    """A short Markdown digest of the alerts, for e-mail or chat (every value from the data through
    :func:`mentortrack.reports.escape.markdown_text`); times are the program's, in ``zone``."""
    head = f"# Red sessions, {window_label(as_of, window_hours, zone)}\n"
    if alerts.empty:
        return head + "\nNo red session with feedback in this window.\n"
    lines = [head, f"{plural(len(alerts), 'red session')} {verb(len(alerts), 'needs', 'need')} a follow-up within 24 hours:", ""]
    for row in alerts.itertuples():
        rating = f"rated {int(row.post_session_rating)}/5" if pd.notna(row.post_session_rating) else ""
        rating = f", {rating}" if rating and rating not in str(row.reasons) else ""  # said once: a reason may say it
        lines.append(f"- **{markdown_text(row.session_id)}** {clock(row.session_start, zone)}, "
                     f"{markdown_text(row.mentor_name)} ({markdown_text(row.session_type)}){rating}: "
                     f"{markdown_text(row.reasons)}. Feedback: \u201c{markdown_text(row.learner_feedback)}\u201d")
    return "\n".join(lines) + "\n"


def safeguarding_digest(alerts: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> str:
    """The safeguarding alerts of sessions dated ``first`` to ``last`` as Markdown, for the program manager only
    (mentor named, learner by ID, the text quoted as written and escaped)."""
    head = f"# Safeguarding alerts, sessions of {first:%Y-%m-%d} to {last:%Y-%m-%d}\n"
    if alerts.empty:
        return head + "\nNo feedback, issue flag or transcript suggesting a safeguarding concern.\n"
    lines = [head, f"{plural(len(alerts), 'text')} {verb(len(alerts), 'suggests', 'suggest')} a safeguarding concern (whatever the rating); act today. "
             "Not for forwarding to the mentor concerned.", ""]
    for row in alerts.itertuples():
        day = f"{row.session_date:%Y-%m-%d}" if pd.notna(row.session_date) else "date unknown"
        lines.append(f"- **{markdown_text(row.concern)}**: session {markdown_text(row.session_id)} ({day}), mentor "
                     f"{markdown_text(row.mentor_name)}, learner {markdown_text(row.learner_id)}, {row.source}: "
                     f"\u201c{markdown_text(row.quote)}\u201d (matched: {markdown_text(row.matched)})")
    return "\n".join(lines) + "\n"

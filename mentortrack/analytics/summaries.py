"""Factual one-line session summaries and per-mentor digests, built only from fields.

Nothing is invented: every clause comes from a column of the enriched session
table (status, durations, rating, sentiment, themes and points, follow-up, action
items, prep, issue flag). Missing values are said as missing ("not rated").

What feedback is about is its themes (:mod:`mentortrack.analytics.themes`) with the points
that carry them: "feedback negative: Punctuality, Session length (mentor late, shortened
discussion time)". A mentor's digest counts the complaint themes with one quote each.
"""

from __future__ import annotations

import pandas as pd

from mentortrack.analytics.kpis import format_rating
from mentortrack.analytics.themes import OTHER, SEPARATOR, describe, theme_counts
from mentortrack.wording import plural

STATUS_WORDS = {"No-show": "the learner did not show up", "Cancelled": "the session was cancelled",
                "Rescheduled": "the session was rescheduled"}


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value) and value != ""


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _yes_no(value: object) -> bool | None:
    return None if not _present(value) else bool(value)


def _about(s: dict[str, object]) -> str:
    """": Punctuality (mentor late)" for a session's themes and points; empty without either."""
    themes = [t for t in str(s.get("themes") or "").split(SEPARATOR) if t and t != OTHER] \
        if _present(s.get("themes")) else []
    points = str(s["points"]).split(SEPARATOR) if _present(s.get("points")) else []
    if not themes and not points:
        return ""
    said = ", ".join(themes)
    if points:
        said += f" ({', '.join(points)})" if said else ", ".join(points)
    return f": {said}"


def summarize_session(s: dict[str, object]) -> str:
    """One or two sentences describing a session from its enriched fields."""
    who = f"{s['session_type'] if _present(s['session_type']) else 'Session'} with {s['mentor_name']}"
    if _present(s.get("program")):
        who += f", {s['program']}"
    when = s["session_date"].strftime("%Y-%m-%d")
    status = str(s["session_status"])
    flag = f"; flag: {s['issue_flag']}" if _present(s["issue_flag"]) else ""
    if status != "Completed":
        extra = ""
        if status == "No-show" and _present(s.get("no_show_count")) and s["no_show_count"] > 1:
            extra = f" ({_ordinal(int(s['no_show_count']))} no-show of this learner)"
        return f"{who} on {when}: {STATUS_WORDS[status]}{extra}{flag}."
    parts = [f"{who} on {when}"]
    if _present(s["actual_duration_mins"]) and _present(s["scheduled_duration_mins"]):
        parts[0] += f", {int(s['actual_duration_mins'])} of {int(s['scheduled_duration_mins'])} minutes"
    parts.append(f"rated {int(s['post_session_rating'])}/5" if _present(s["post_session_rating"]) else "not rated")
    if _present(s["learner_feedback"]):
        about = _about(s)
        parts.append(f"feedback {str(s['sentiment']).lower()}{about}")
    else:
        parts.append("no feedback")
    if _present(s["mentor_prep_done"]) and s["mentor_prep_done"] != "Yes":
        parts.append(f"mentor prep: {str(s['mentor_prep_done']).lower()}")
    if _yes_no(s["action_items_documented"]) is False:
        parts.append("no action items documented")
    follow_up = _yes_no(s["follow_up_scheduled"])
    parts.append("follow-up unknown" if follow_up is None else "follow-up scheduled" if follow_up
                 else "no follow-up scheduled")
    return "; ".join(parts) + flag + "."


def summarize_sessions(enriched: pd.DataFrame) -> pd.Series:
    """The ``summary`` column for every session."""
    records = enriched.to_dict("records")
    return pd.Series([summarize_session(row) for row in records], index=enriched.index, dtype="string")


def mentor_digest(enriched: pd.DataFrame, period: str, partial: str = "") -> pd.DataFrame:
    """One paragraph per mentor for the sessions in ``enriched`` (already filtered to ``period``).

    Columns: mentor_name, period, sessions, completed, red, digest. The red sessions' reasons are counted
    ("rated 2/5 (4), negative feedback (4)": in how many of them each reason holds). ``partial`` (e.g.
    "data through 9 Oct 2025: partial month") follows the period in each paragraph, so a digest read on its
    own does not pass nine days for a month.
    """
    complaints = theme_counts(enriched, "mentor_name", sentiment="Negative")
    rows = []
    for mentor, group in enriched.groupby("mentor_name", sort=True):
        status = group["session_status"].astype("string")
        completed = group[status == "Completed"]
        counts = ", ".join(f"{int((status == s).sum())} {s.lower()}" for s in ("Completed", "No-show", "Cancelled",
                                                                            "Rescheduled") if (status == s).any())
        ratings = completed["post_session_rating"].dropna()
        text = f"{mentor}, {period}{f' ({partial})' if partial else ''}: {plural(len(group), 'session')} ({counts})"
        text += (f"; average rating {format_rating(ratings.mean())} from {plural(len(ratings), 'rating')}"
                 if len(ratings) else "; no ratings")
        if len(completed):
            text += f"; follow-up on {int(completed['follow_up_scheduled'].fillna(False).sum())} of {len(completed)} completed"
        red = group[group["level"].astype("string") == "red"]
        if len(red):
            reasons = red["reasons"].astype("string").fillna("").str.split("; ").explode().str.strip()
            counted = reasons[reasons != ""].value_counts(sort=True)
            text += f"; {plural(len(red), 'red session')}, why: " + ", ".join(f"{reason} ({n})" for reason, n in counted.items())
        mine = complaints[complaints["mentor_name"] == mentor]
        if len(mine):
            text += "; complaints: " + "; ".join(describe(r) for _, r in mine.head(3).iterrows())
        rows.append({"mentor_name": mentor, "period": period, "sessions": len(group), "completed": len(completed),
                     "red": len(red), "digest": text + "."})
    return pd.DataFrame(rows, columns=["mentor_name", "period", "sessions", "completed", "red", "digest"])

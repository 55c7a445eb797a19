"""Sessions that need a follow-up as of a day, and why.

A session needs a follow-up when, in the ``window_days`` before ``as_of``, it was
completed with a rating below ``low_rating_below``, negative feedback, a red
level, no documented action items (unresolved) or no follow-up scheduled, or it
was a learner no-show (rebook). A session whose learner already completed a later
session by ``as_of`` is left out: they have met again (a later booking that was cancelled,
missed or rescheduled is no meeting, so the session stays in). Settings: the ``followups``
section of ``parameters/lifecycle.yaml``.
"""

from __future__ import annotations

import pandas as pd

from mentortrack.config import FollowupSettings


def needing_followup(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: FollowupSettings) -> pd.DataFrame:
    """Sessions in the window that need a follow-up, with ``reasons`` and ``priority`` (1 = red)."""
    start = as_of.normalize() - pd.Timedelta(days=settings.window_days)
    recent = enriched[(enriched["session_date"] > start) & (enriched["session_date"] <= as_of)]
    completed = recent["session_status"] == "Completed"
    checks = {
        f"rated below {settings.low_rating_below:g}": completed & (recent["post_session_rating"] < settings.low_rating_below),
        "negative feedback": completed & (recent["sentiment"] == "Negative"),
        "red level": completed & (recent["level"] == "red"),
        "unresolved action items": completed & (recent["action_items_documented"] == False),  # noqa: E712
        "no follow-up scheduled": completed & (recent["follow_up_scheduled"] == False),  # noqa: E712
        "learner no-show: rebook": recent["session_status"] == "No-show",
    }
    flags = pd.DataFrame({name: mask.fillna(False).astype(bool) for name, mask in checks.items()})
    reasons = pd.Series("", index=flags.index, dtype=object)
    if len(flags):  # an as-of day before the data, or a quiet window, leaves nothing to check
        reasons = flags.apply(lambda r: "; ".join(name for name, hit in r.items() if hit), axis=1)
    queue = recent.assign(reasons=reasons)[reasons != ""]
    if len(queue):
        met = enriched[(enriched["session_date"] <= as_of) & (enriched["session_status"] == "Completed")]
        later = met.groupby("learner_id")["session_date"].max()
        met_again = queue["learner_id"].map(later) > queue["session_date"]
        queue = queue[~met_again.fillna(False)]
    queue = queue.assign(priority=(queue["level"].astype("string") != "red").astype(int) + 1)
    return queue.sort_values(["priority", "session_date", "session_id"]).reset_index(drop=True)

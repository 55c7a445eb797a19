"""Learner engagement: who books, who comes, who comes back, and who went quiet after a bad session.

Per learner, over the sessions dated on or before ``as_of``:

=================  ==========================================================================
booked             every session row of the learner (all statuses)
attended           completed sessions
no_shows           no-show sessions
attendance_rate    attended / (attended + no_shows); missing without either
mentors            distinct mentors of the attended sessions
repeat_sessions    attended sessions with a mentor the learner had attended before
                   (attended − mentors)
last_session       date of the last attended session
days_since_last    ``as_of`` − ``last_session``, in whole days
quiet_after_bad    the last attended session was bad (rated below ``bad_rating_below``, or
                   feedback labelled Negative), nothing was booked on a later day, and
                   between ``quiet_days`` and ``lookback_days`` days have passed since it
                   (longer ago, the learner is gone rather than quiet)
cohort, program    of the learner's latest session
=================  ==========================================================================

Per cohort: learners, their bookings and attended sessions, attendance rate (attended /
(attended + no-shows) = ``attended`` / ``resolved``, summed over the cohort), repeat rate
(learners with a repeat session / learners who attended = ``returned`` / ``came``), median
days since the last attended session, and the number who went quiet after a bad session. Settings: ``engagement`` in
``parameters/warnings.yaml``. Learners are identified by ``learner_id`` only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mentortrack.config import EngagementSettings
from mentortrack.wording import plural, verb

LEARNER_COLUMNS = ["learner_id", "cohort", "program", "booked", "attended", "no_shows", "attendance_rate", "mentors",
                   "repeat_sessions", "last_session", "days_since_last", "last_mentor", "last_was_bad",
                   "quiet_after_bad"]
NEEDED = ["learner_id", "mentor_name", "session_date", "session_status", "post_session_rating", "sentiment",
          "age_cohort", "program"]
"""The columns engagement reads (all an export streamed in chunks has to keep)."""


def _last_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Each learner's last row of a date-sorted frame, indexed by learner ID."""
    last = frame.drop_duplicates("learner_id", keep="last")
    return last.set_index(last["learner_id"].astype("string"))


def learner_engagement(sessions: pd.DataFrame, as_of: pd.Timestamp, settings: EngagementSettings) -> pd.DataFrame:
    """One row per learner with a session on or before ``as_of`` (columns :data:`LEARNER_COLUMNS`);
    ``settings`` is ``engagement`` of ``parameters/warnings.yaml``."""
    frame = sessions[sessions["session_date"] <= as_of].dropna(subset=["learner_id"])
    if frame.empty:
        return pd.DataFrame(columns=LEARNER_COLUMNS)
    frame = frame.assign(learner_id=frame["learner_id"].astype("string")).sort_values("session_date", kind="stable")
    status = frame["session_status"].astype("string")
    done = frame[status == "Completed"]
    table = pd.DataFrame({
        "booked": frame["learner_id"].value_counts(),
        "attended": done["learner_id"].value_counts(),
        "no_shows": frame[status == "No-show"]["learner_id"].value_counts(),
    }).fillna(0).astype(int).rename_axis("learner_id")
    latest = _last_rows(frame)
    table["cohort"] = latest["age_cohort"].astype("string")
    table["program"] = latest["program"].astype("string")
    table["attendance_rate"] = table["attended"] / (table["attended"] + table["no_shows"]).replace(0, np.nan)
    table["mentors"] = done.groupby("learner_id")["mentor_name"].nunique().reindex(table.index).fillna(0).astype(int)
    table["repeat_sessions"] = table["attended"] - table["mentors"]
    last = _last_rows(done).reindex(table.index)
    table["last_session"] = last["session_date"]
    table["days_since_last"] = (as_of.normalize() - table["last_session"]).dt.days.astype("Int64")
    table["last_mentor"] = last["mentor_name"].astype("string")
    bad = (last["post_session_rating"] < settings.bad_rating_below).fillna(False).astype(bool) | (
        last["sentiment"].astype("string") == "Negative").fillna(False).astype(bool)
    table["last_was_bad"] = bad
    booked_last = frame.groupby("learner_id")["session_date"].max()
    quiet_for = table["days_since_last"].between(settings.quiet_days, settings.lookback_days)
    table["quiet_after_bad"] = (bad & (booked_last <= table["last_session"]).fillna(False).astype(bool)
                                & quiet_for.fillna(False).astype(bool))
    return table.reset_index()[LEARNER_COLUMNS]


def cohort_engagement(learners: pd.DataFrame) -> pd.DataFrame:
    """Per cohort (rows of :func:`learner_engagement` grouped by ``cohort``), with a ``All learners`` row last."""
    def summary(group: pd.DataFrame) -> pd.Series:
        came = group["attended"] > 0
        resolved = group["attended"].sum() + group["no_shows"].sum()
        returned = int((group["repeat_sessions"] > 0).sum())
        return pd.Series({
            "learners": len(group), "booked": int(group["booked"].sum()), "attended": int(group["attended"].sum()),
            "resolved": int(resolved), "attendance_rate": group["attended"].sum() / resolved if resolved else np.nan,
            "came": int(came.sum()), "returned": returned,
            "repeat_rate": returned / came.sum() if came.any() else np.nan,
            "median_days_since_last": group["days_since_last"].astype("Float64").median(),
            "quiet_after_bad": int(group["quiet_after_bad"].sum()),
        })

    if learners.empty:
        return pd.DataFrame(columns=["cohort", "learners", "booked", "attended", "resolved", "attendance_rate", "came",
                                     "returned", "repeat_rate", "median_days_since_last", "quiet_after_bad"])
    rows = {str(cohort): summary(group) for cohort, group in learners.groupby(learners["cohort"].fillna("(none)"))}
    rows["All learners"] = summary(learners)
    table = pd.DataFrame.from_dict(rows, orient="index").rename_axis("cohort").reset_index()
    counts = ["learners", "booked", "attended", "resolved", "came", "returned", "quiet_after_bad"]
    return table.astype({c: int for c in counts})


def quiet_after_bad(learners: pd.DataFrame) -> pd.DataFrame:
    """The re-engagement list: learners who went quiet after a bad session, longest quiet first."""
    quiet = learners[learners["quiet_after_bad"]]
    return quiet[["learner_id", "cohort", "program", "last_session", "last_mentor", "days_since_last", "attended"]
                 ].sort_values(["days_since_last", "learner_id"], ascending=[False, True], ignore_index=True)


def nobody_quiet(learners: pd.DataFrame, as_of: pd.Timestamp, settings: EngagementSettings) -> str:
    """What the re-engagement list says when :func:`quiet_after_bad` is empty: the rule, and how many learners
    had a bad last session too recently to count as quiet (``settings``: ``engagement`` of the warnings)."""
    recent = int((learners["last_was_bad"] & ~learners["quiet_after_bad"]).sum())
    return (f"Nobody to re-engage up to {as_of:%Y-%m-%d}: no learner's last attended session was bad and followed by "
            f"{settings.quiet_days} to {settings.lookback_days} days without a booking"
            + (f"; {plural(recent, 'learner')} whose last attended session was bad "
               f"{verb(recent, 'has', 'have')} booked again or {verb(recent, 'is', 'are')} outside those days."
               if recent else "."))

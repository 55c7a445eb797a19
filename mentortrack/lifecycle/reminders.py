"""Feedback reminders: completed sessions without feedback get a reminder to the learner on set days.

A completed session whose feedback is empty is *waiting*. Its stages are the days
after the session in ``reminders.days`` (1 and 5). On ``as_of`` (a calendar day), the
stage ``d`` is due when ``d <= days since the session <= d + catch_up_days`` and before
the next stage, so a run that missed up to ``catch_up_days`` days still sends it, and at
most one reminder per session goes out per run. A learner who rated the session but wrote
nothing is thanked for the rating and asked only for a few words (``rated``). After the last stage's window, or once feedback exists, there
is no reminder. Messages go through :func:`mentortrack.lifecycle.mailer.send` (sent-log
keyed ``reminder:<session>:day<d>``, so a stage is never sent twice) or are written as
``.eml`` files for review.

Inactivity nudges (:func:`due_nudges`): a learner with no session booked for 30 days, and
again at 90 (``nudges`` in ``parameters/lifecycle.yaml``), gets one e-mail per step through
the same mailer and sent-log; they share the reminders' queue file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from mentortrack.config import EmailSettings, NudgeSettings, ReminderSettings
from mentortrack.lifecycle.mailer import MISSING_COLUMNS, Mail, records, templates, unusable

QUEUE_COLUMNS = ["session_id", "session_date", "mentor_name", "learner_id", "learner_name", "learner_email",
                 "session_type", "rated", "stage_day", "final", "due_date"]


def _stages(elapsed: pd.Series, days: list[int], grace: int) -> pd.Series:
    """The stage due after ``elapsed`` days (NA: none): stage ``d`` of ``days`` while
    ``d <= elapsed < d + grace`` and before the next stage."""
    days = sorted(days)
    stage = pd.Series(pd.NA, index=elapsed.index, dtype="Int64")
    for position, day in enumerate(days):
        until = min(day + grace, days[position + 1]) if position + 1 < len(days) else day + grace
        stage = stage.mask((elapsed >= day) & (elapsed < until), day)
    return stage


def due_reminders(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: ReminderSettings) -> pd.DataFrame:
    """Sessions whose reminder stage is due on ``as_of`` (see the module docstring), oldest first."""
    feedback = enriched["learner_feedback"].astype("string").str.strip().fillna("") != ""
    waiting = enriched[(enriched["session_status"] == "Completed") & ~feedback & enriched["session_date"].notna()]
    since = (as_of.normalize() - waiting["session_date"].dt.normalize()).dt.days
    stage = _stages(since, settings.days, settings.catch_up_days + 1)
    due = waiting[stage.notna()]
    due = due.assign(rated=due["post_session_rating"].notna(), stage_day=stage.dropna().astype(int),
                     final=stage.dropna() == max(settings.days))
    due = due.assign(due_date=due["session_date"] + pd.to_timedelta(due["stage_day"], unit="D"))
    return due.sort_values(["session_date", "session_id"])[QUEUE_COLUMNS].reset_index(drop=True)


def _compose(due: pd.DataFrame, kind: str, key: Callable[[dict[str, Any]], str],
             subject: Callable[[dict[str, Any], str], str]) -> tuple[list[Mail], pd.DataFrame]:
    """One e-mail per row of ``due`` to its learner, rendered from ``email_<kind>.txt.j2`` and ``.html.j2``,
    with the sent-log ``key`` and the ``subject`` (given the row and its date) of each; and the rows without
    a usable address, listed as ``kind``."""
    env = templates()
    mails, missing = [], []
    for row in records(due):
        address = row["learner_email"]
        if reason := unusable(address, "learner"):
            missing.append({"kind": kind, "session_id": row["session_id"], "mentor_name": row["mentor_name"],
                            "role": "learner", "reason": reason})
            continue
        context = {"s": row, "date": f"{row['session_date']:%Y-%m-%d}", "final": row["final"],
                   "rated": bool(row.get("rated", False))}
        mails.append(Mail(key=key(row), recipient=address.strip(), subject=subject(row, context["date"]),
                          text=env.get_template(f"email_{kind}.txt.j2").render(context),
                          html=env.get_template(f"email_{kind}.html.j2").render(context)))
    return mails, pd.DataFrame(missing, columns=MISSING_COLUMNS)


def compose_reminders(due: pd.DataFrame, settings: EmailSettings) -> tuple[list[Mail], pd.DataFrame]:
    """One e-mail per due reminder, to the learner, and the reminders that have no usable address."""
    return _compose(due, "reminder", lambda row: f"reminder:{row['session_id']}:day{row['stage_day']}",
                    lambda row, date: f"{settings.subject_prefix} How was your {row['session_type']} on {date}?")


NUDGE_COLUMNS = ["learner_id", "learner_name", "learner_email", "mentor_name", "session_id", "session_date",
                 "session_type", "days_quiet", "stage_day", "final", "due_date"]
"""``session_*`` and ``mentor_name`` describe the learner's last booked session (the pair to pick up again)."""


def due_nudges(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: NudgeSettings) -> pd.DataFrame:
    """Learners with no session booked for a nudge step's days on ``as_of``, longest quiet first.

    A learner's *last booking* is their latest session row (any status) dated on or before
    ``as_of``; a learner with a session dated after ``as_of`` has one booked and gets nothing.
    ``days_quiet`` = ``as_of`` − last booking, in days. Step ``d`` of ``nudges.days`` (30, 90) is
    due when ``d <= days_quiet < d + window_days`` and before the next step, so a missed daily
    run still sends it and a learner gone for a year is not nudged. The sent-log key
    ``nudge:<learner>:<last booking>:day<d>`` sends each step once per quiet spell.
    """
    known = enriched.dropna(subset=["learner_id", "session_date"])
    booked_later = set(known.loc[known["session_date"] > as_of, "learner_id"].astype(str))
    past = known[known["session_date"] <= as_of].sort_values(["session_date", "session_id"], kind="stable")
    last = past.drop_duplicates("learner_id", keep="last")
    last = last[~last["learner_id"].astype(str).isin(booked_later)]
    quiet = (as_of.normalize() - last["session_date"].dt.normalize()).dt.days
    stage = _stages(quiet, settings.days, settings.window_days)
    due = last[stage.notna()].assign(days_quiet=quiet[stage.notna()].astype(int),
                                     stage_day=stage.dropna().astype(int), final=stage.dropna() == max(settings.days))
    due = due.assign(due_date=due["session_date"].dt.normalize() + pd.to_timedelta(due["stage_day"], unit="D"))
    return due.sort_values(["days_quiet", "learner_id"], ascending=[False, True])[NUDGE_COLUMNS].reset_index(drop=True)


def compose_nudges(due: pd.DataFrame, settings: EmailSettings) -> tuple[list[Mail], pd.DataFrame]:
    """One e-mail per due nudge, to the learner, and the nudges that have no usable address."""
    return _compose(due, "nudge",
                    lambda row: f"nudge:{row['learner_id']}:{row['session_date']:%Y-%m-%d}:day{row['stage_day']}",
                    lambda row, date: f"{settings.subject_prefix} Time for your next session?")

"""Feedback reminders: completed sessions without feedback get a reminder to the learner on set days.

A completed session whose feedback is empty is *waiting*. Its stages are the days
after the session in ``reminders.days`` (1 and 5). On ``as_of`` (a calendar day), the
stage ``d`` is due when ``d <= days since the session < d + catch_up_days`` and before
the next stage, so a run that missed a day still sends it, and at most one reminder per
session goes out per run. After the last stage's window, or once feedback exists, there
is no reminder. Messages go through :func:`mentortrack.lifecycle.mailer.send` (sent-log
keyed ``reminder:<session>:day<d>``, so a stage is never sent twice) or are written as
``.eml`` files for review.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mentortrack.lifecycle.mailer import MISSING_COLUMNS, Mail, records, templates, unusable

QUEUE_COLUMNS = ["session_id", "session_date", "mentor_name", "learner_id", "learner_name", "learner_email",
                 "session_type", "stage_day", "final", "due_date"]


def due_reminders(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: dict[str, Any]) -> pd.DataFrame:
    """Sessions whose reminder stage is due on ``as_of`` (see the module docstring), oldest first."""
    days = sorted(int(d) for d in settings["days"])
    catch_up = int(settings["catch_up_days"])
    feedback = enriched["learner_feedback"].astype("string").str.strip().fillna("") != ""
    waiting = enriched[(enriched["session_status"] == "Completed") & ~feedback & enriched["session_date"].notna()]
    since = (as_of.normalize() - waiting["session_date"].dt.normalize()).dt.days
    stage = pd.Series(pd.NA, index=waiting.index, dtype="Int64")
    for position, day in enumerate(days):
        until = min(day + catch_up, days[position + 1]) if position + 1 < len(days) else day + catch_up
        stage = stage.mask((since >= day) & (since < until), day)
    due = waiting[stage.notna()].assign(stage_day=stage.dropna().astype(int), final=stage.dropna() == days[-1])
    due = due.assign(due_date=due["session_date"] + pd.to_timedelta(due["stage_day"], unit="D"))
    return due.sort_values(["session_date", "session_id"])[QUEUE_COLUMNS].reset_index(drop=True)


def compose_reminders(due: pd.DataFrame, settings: dict[str, Any]) -> tuple[list[Mail], pd.DataFrame]:
    """One e-mail per due reminder, to the learner, and the reminders that have no usable address."""
    env = templates()
    mails, missing = [], []
    for row in records(due):
        address = row["learner_email"]
        if reason := unusable(address, "learner"):
            missing.append({"kind": "reminder", "session_id": row["session_id"], "mentor_name": row["mentor_name"],
                            "role": "learner", "reason": reason})
            continue
        context = {"s": row, "date": f"{row['session_date']:%Y-%m-%d}", "final": row["final"]}
        mails.append(Mail(key=f"reminder:{row['session_id']}:day{row['stage_day']}", recipient=address.strip(),
                          subject=f"{settings['subject_prefix']} How was your {row['session_type']} on "
                                  f"{context['date']}?",
                          text=env.get_template("email_reminder.txt.j2").render(context),
                          html=env.get_template("email_reminder.html.j2").render(context)))
    return mails, pd.DataFrame(missing, columns=MISSING_COLUMNS)

"""Post-session follow-ups: a proposed slot for each session that needs one (which do:
:mod:`mentortrack.analytics.open_followups`), an ``.ics`` invite each, and a PM queue.

Slots: business days from ``first_slot_after_days`` after ``as_of``, starting at
``slot_hour`` (local time in ``timezone``), one ``slot_minutes`` call after the
other per mentor, red sessions first. Settings: ``parameters/lifecycle.yaml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from icalendar import Calendar, Event, vCalAddress, vText

from mentortrack.analytics.open_followups import needing_followup
from mentortrack.contract.addresses import is_valid
from mentortrack.reports.privacy import neutralize_formulas
from mentortrack.safe_paths import inside, safe_name, writing

QUEUE_COLUMNS = ["priority", "session_id", "session_date", "mentor_name", "mentor_email", "learner_id",
                 "learner_email", "session_type", "level", "reasons", "proposed_start", "proposed_end", "invite"]


def load_directory(path: str | Path | None) -> dict[str, str]:
    """Mentor name -> e-mail from a CSV with ``Mentor_Name`` and ``Mentor_Email`` (blank e-mails left out)."""
    if path is None:
        return {}
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    return {row.Mentor_Name.strip(): row.Mentor_Email.strip() for row in table.itertuples() if row.Mentor_Email.strip()}


def propose_slots(queue: pd.DataFrame, as_of: pd.Timestamp, settings: dict[str, Any]) -> pd.DataFrame:
    """Add ``proposed_start`` and ``proposed_end`` (timezone-aware) to each queued session."""
    zone = ZoneInfo(settings["timezone"])
    first_day = pd.bdate_range(as_of.normalize() + pd.Timedelta(days=settings["first_slot_after_days"]), periods=1)[0]
    length = pd.Timedelta(minutes=settings["slot_minutes"])
    per_day = max(1, int((18 - settings["slot_hour"]) * 60 // settings["slot_minutes"]))
    starts = []
    for _, n in queue.groupby("mentor_name", sort=False).cumcount().items():
        day = pd.bdate_range(first_day, periods=n // per_day + 1)[-1]
        start = day + pd.Timedelta(hours=settings["slot_hour"]) + (n % per_day) * length
        starts.append(start.tz_localize(zone))
    start_series = pd.Series(starts, index=queue.index, dtype=f"datetime64[ns, {settings['timezone']}]")
    return queue.assign(proposed_start=start_series, proposed_end=start_series + length)


def invite(row: pd.Series, mentor_email: str | None, organizer: str, stamp: pd.Timestamp) -> bytes:
    """An iCalendar (RFC 5545) invite for one follow-up call; ``stamp`` (the as-of time) is its DTSTAMP."""
    calendar = Calendar()
    calendar.add("prodid", "-//mentortrack//follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"followup-{row['session_id']}@mentortrack")
    event.add("dtstamp", stamp.to_pydatetime().replace(tzinfo=stamp.tzinfo or ZoneInfo("UTC")))
    event.add("dtstart", row["proposed_start"].to_pydatetime())
    event.add("dtend", row["proposed_end"].to_pydatetime())
    event.add("summary", f"Follow-up: {row['session_type']} ({row['session_id']})")
    event.add("description", f"Follow-up on session {row['session_id']} of {row['session_date']:%Y-%m-%d}. "
                             f"Why: {row['reasons']}.\n{row['summary']}")
    event["organizer"] = vCalAddress(f"mailto:{organizer}")
    for email, role in ((mentor_email, "CHAIR"), (row.get("learner_email"), "REQ-PARTICIPANT")):
        if is_valid(email):
            attendee = vCalAddress(f"mailto:{email.strip()}")
            attendee.params["role"] = vText(role)
            event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def write_followups(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: dict[str, Any], out: str | Path,
                    directory: dict[str, str], organizer: str) -> pd.DataFrame:
    """Write ``invites/<session_id>.ics`` and ``followup_queue.csv``; returns the queue."""
    out = Path(out)
    (out / "invites").mkdir(parents=True, exist_ok=True)
    queue = propose_slots(needing_followup(enriched, as_of, settings), as_of, settings)
    queue["mentor_email"] = queue["mentor_name"].map(directory)
    names = []
    used: set[str] = set()
    for _, row in queue.iterrows():
        path = inside(out, out / "invites" / f"{safe_name(row['session_id'], used)}.ics")
        with writing(path):
            path.write_bytes(invite(row, row["mentor_email"], organizer, as_of))
        names.append(path.relative_to(out).as_posix())
    queue["invite"] = names
    table = queue[QUEUE_COLUMNS].assign(session_date=queue["session_date"].dt.strftime("%Y-%m-%d"),
                                        proposed_start=queue["proposed_start"].map(lambda t: t.isoformat()),
                                        proposed_end=queue["proposed_end"].map(lambda t: t.isoformat()))
    with writing(out / "followup_queue.csv"):
        neutralize_formulas(table).to_csv(out / "followup_queue.csv", index=False)
    return table

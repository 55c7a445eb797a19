"""Post-session follow-ups: a proposed slot for each session that needs one (which do:
:mod:`mentortrack.analytics.open_followups`), an ``.ics`` invite each, and a PM queue.

Slots: business days from ``first_slot_after_days`` after ``as_of``, starting at
``slot_hour`` (local time in the program's ``timezone``), one ``slot_minutes`` call after the
other per mentor until :data:`mentortrack.config.WORKING_DAY_END`, red sessions first; a slot in a
daylight-saving gap or overlap is resolved by :func:`local_time`. Each call has two
invites: the learner's says only what the call is; the mentor's and PM's copy says why.
Settings: ``parameters/lifecycle.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd
from icalendar import Calendar, Event, vCalAddress, vText

from mentortrack.analytics.open_followups import needing_followup
from mentortrack.config import WORKING_DAY_END, FollowupSettings
from mentortrack.contract.addresses import is_valid
from mentortrack.contract.load import LoadError, read_raw
from mentortrack.contract.parse import parse_text
from mentortrack.contract.schema import header_key
from mentortrack.contract.text import spelling_key
from mentortrack.reports.escape import ics_text
from mentortrack.reports.privacy import mask_pii, neutralize_formulas
from mentortrack.safe_paths import inside, safe_name, writing

QUEUE_COLUMNS = ["priority", "session_id", "session_date", "mentor_name", "mentor_email", "learner_id",
                 "learner_email", "session_type", "level", "reasons", "proposed_start", "proposed_end", "invite",
                 "learner_invite", "learner_invite_note"]


class Directory(NamedTuple):
    """A mentor directory as read: addresses by the mentor's name key, and what was left out."""

    addresses: dict[str, str]
    """Mentor name key (:func:`mentortrack.contract.text.spelling_key`) -> e-mail (see :func:`addresses_of`)."""
    conflicts: list[str]
    """Mentors the directory gives different addresses: none is used (mail must not reach the wrong person)."""
    skipped: list[str]
    """Rows that could not be read, one line each ("row 4, column (whole row): …")."""


def load_directory(path: str | Path) -> Directory:
    """A mentor directory: a CSV (or any file the export loader reads: any encoding or delimiter, Excel)
    with ``Mentor_Name`` and ``Mentor_Email`` headers, matched as the export's are (case, spaces and
    dashes ignored). Names are normalised as the export's are (:func:`mentortrack.contract.parse.parse_text`:
    NFC, one space); blank e-mails are left out.

    Raises:
        LoadError: the file is unreadable or lacks one of the two columns (one line naming the file).
    """
    path = Path(path)
    raw, unread, _, _ = read_raw(path)
    columns = {header_key(str(c)): c for c in raw.columns}
    lacking = [name for name in ("Mentor_Name", "Mentor_Email") if header_key(name) not in columns]
    if lacking:
        raise LoadError(f"{path}: no {' or '.join(lacking)} column; a mentor directory has the headers "
                        "Mentor_Name and Mentor_Email")
    names = parse_text(raw[columns[header_key("Mentor_Name")]].fillna("").astype(str)).values
    emails = raw[columns[header_key("Mentor_Email")]].fillna("").astype(str).str.strip()
    keys = spelling_key(pd.Series(names, dtype="string"))
    found: dict[str, str] = {}
    spelled: dict[str, str] = {}
    clashing: set[str] = set()
    for name, key, email in zip(names, keys, emails):
        if not isinstance(name, str) or not email:
            continue
        if key in found and found[key].casefold() != email.casefold():
            clashing.add(key)
        found.setdefault(key, email)
        spelled.setdefault(key, name)
    return Directory({k: v for k, v in found.items() if k not in clashing}, sorted(spelled[k] for k in clashing),
                     [f"row {row}, column {column}: {reason}" for row, column, reason in unread])


def addresses_of(directory: Directory, mentors: object) -> dict[str, str]:
    """Mentor name (as the data spells it) -> e-mail, for the ``mentors`` the directory knows, matched as the
    export unifies names (:func:`mentortrack.contract.text.spelling_key`: "sneha reddy" in the directory is the
    export's "Sneha Reddy")."""
    names = pd.Series(pd.unique(pd.Series(mentors, dtype=object).dropna()), dtype="string")
    return {str(name): directory.addresses[key] for name, key in zip(names, spelling_key(names))
            if key in directory.addresses}


def local_time(naive: pd.Timestamp, zone: str) -> pd.Timestamp:
    """``naive`` wall-clock time in ``zone``, resolving daylight-saving changes: a time that does not
    exist (the hour skipped in spring) moves forward to the first that does; a time that exists twice
    (the hour repeated in autumn) is the first of the two (``fold=0``)."""
    return naive.tz_localize(ZoneInfo(zone), ambiguous=True, nonexistent="shift_forward")


def propose_slots(queue: pd.DataFrame, as_of: pd.Timestamp, settings: FollowupSettings, zone: str) -> pd.DataFrame:
    """Add ``proposed_start`` and ``proposed_end`` (aware, in the program's time zone ``zone``) to each queued session."""
    first_day = pd.bdate_range(as_of.normalize() + pd.Timedelta(days=settings.first_slot_after_days), periods=1)[0]
    length = pd.Timedelta(minutes=settings.slot_minutes)
    per_day = max(1, int((WORKING_DAY_END - settings.slot_hour) * 60 // settings.slot_minutes))
    starts = []
    for _, n in queue.groupby("mentor_name", sort=False).cumcount().items():
        day = pd.bdate_range(first_day, periods=n // per_day + 1)[-1]
        # calls follow each other in elapsed time from the day's first slot, so a DST change never overlaps two
        starts.append(local_time(day + pd.Timedelta(hours=settings.slot_hour), zone) + (n % per_day) * length)
    start_series = pd.Series(starts, index=queue.index, dtype=f"datetime64[ns, {zone}]")
    return queue.assign(proposed_start=start_series, proposed_end=start_series + length)


def learner_description(row: pd.Series) -> str:
    """What the learner's invite says: the call and the session it follows, nothing internal (no level,
    rating, flag or reason)."""
    return (f"A short follow-up call with your mentor {row['mentor_name']} on your {row['session_type']} session "
            f"of {row['session_date']:%Y-%m-%d}. If the time does not suit you, reply to this invite.")


def internal_description(row: pd.Series) -> str:
    """What the mentor's and the program manager's copy says: why the follow-up is needed and the summary."""
    return (f"Internal, not for the learner. Follow-up on session {row['session_id']} of {row['session_date']:%Y-%m-%d}. "
            f"Why: {row['reasons']}.\n{row['summary']}")


def invite(row: pd.Series, mentor_email: str | None, organizer: str, stamp: pd.Timestamp,
           for_learner: bool = False) -> bytes:
    """An iCalendar (RFC 5545) invite for one follow-up call; ``stamp`` (the as-of time) is its DTSTAMP.

    Both copies of a call share its UID; the learner's (``for_learner``) carries
    :func:`learner_description` and invites the mentor and the learner, the mentor's and PM's
    :func:`internal_description` and invites the mentor only, so sending it can never reach the learner
    with the reasons (without a mentor address it invites no one). Every
    invite holds the VTIMEZONE of the zone its times are in (RFC 5545 §3.2.19), and every text
    goes through :func:`mentortrack.reports.escape.ics_text`.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//mentortrack//follow-ups//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", f"followup-{row['session_id']}@mentortrack")
    event.add("dtstamp", stamp.to_pydatetime().replace(tzinfo=stamp.tzinfo or ZoneInfo("UTC")))
    event.add("dtstart", row["proposed_start"].to_pydatetime())
    event.add("dtend", row["proposed_end"].to_pydatetime())
    event.add("summary", ics_text(f"Follow-up: {row['session_type']} ({row['session_id']})"))
    event.add("description", ics_text(learner_description(row) if for_learner else internal_description(row)))
    event["organizer"] = vCalAddress(f"mailto:{organizer}")
    learner = ((row.get("learner_email"), "REQ-PARTICIPANT"),) if for_learner else ()
    for email, role in ((mentor_email, "CHAIR"), *learner):
        if is_valid(email):
            attendee = vCalAddress(f"mailto:{email.strip()}")
            attendee.params["role"] = vText(role)
            event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _no_learner_copy(row: pd.Series) -> str | None:
    """Why a follow-up has no learner copy of its invite (None: it has one): a learner copy invites the
    learner and the mentor, so it needs a valid address for both, or it would reach no one or set up a
    call its mentor knows nothing of."""
    if not is_valid(row.get("learner_email")):
        return "no learner copy: the learner has no valid e-mail address"
    if not is_valid(row["mentor_email"]):
        return "no learner copy: the mentor has no valid e-mail address (set up the call yourself)"
    return None


@dataclass(frozen=True)
class Followups:
    """What :func:`write_followups` wrote and left out."""

    queue: pd.DataFrame
    """The queue as written to ``followup_queue.csv`` (:data:`QUEUE_COLUMNS`), unmasked."""
    withheld: pd.DataFrame
    """Sessions whose pair is reported (no call is set up between them)."""
    unusable_mentor_addresses: list[str]
    """Mentors whose directory address is not a valid e-mail address (their invites invite no mentor)."""


def write_followups(enriched: pd.DataFrame, as_of: pd.Timestamp, settings: FollowupSettings, out: str | Path,
                    directory: dict[str, str], organizer: str, zone: str, show_pii: bool | None = None,
                    reported: set[tuple[str, str]] | None = None) -> Followups:
    """Write ``invites/<session_id>.ics`` (the mentor's and PM's copy), ``invites/learners/<session_id>.ics``
    (the learner's copy, only when the learner and the mentor both have a valid address; otherwise
    ``learner_invite_note`` says why) and ``followup_queue.csv`` (learner names and e-mails masked unless ``show_pii``,
    default ``SHOW_PII``). The follow-ups whose pair is ``reported``
    (:func:`mentortrack.analytics.safeguarding.reported_pairs`) are withheld: no call is set up between a
    learner and the mentor they raised a safeguarding concern about. A directory address that is not a
    valid e-mail address (``a@b.org\r\nBcc: …``) is left out of the invites and the queue, and its mentor
    named in :attr:`Followups.unusable_mentor_addresses`."""
    from mentortrack.analytics.safeguarding import split_reported

    out = Path(out)
    (out / "invites" / "learners").mkdir(parents=True, exist_ok=True)
    queue, withheld = split_reported(needing_followup(enriched, as_of, settings), reported or set())
    queue = propose_slots(queue, as_of, settings, zone)
    given = queue["mentor_name"].map(directory)
    queue["mentor_email"] = given.where(given.map(lambda a: isinstance(a, str) and is_valid(a)))
    unusable = sorted(set(queue.loc[given.notna() & queue["mentor_email"].isna(), "mentor_name"].astype(str)))
    names, learner_names = [], []
    used: set[str] = set()
    notes: list[str | None] = []
    for _, row in queue.iterrows():
        name = safe_name(row["session_id"], used)
        path = inside(out, out / "invites" / f"{name}.ics")
        with writing(path):
            path.write_bytes(invite(row, row["mentor_email"], organizer, as_of))
        names.append(path.relative_to(out).as_posix())
        note = _no_learner_copy(row)
        notes.append(note)
        if note:
            learner_names.append(None)
            continue
        copy = inside(out, out / "invites" / "learners" / f"{name}.ics")
        with writing(copy):
            copy.write_bytes(invite(row, row["mentor_email"], organizer, as_of, for_learner=True))
        learner_names.append(copy.relative_to(out).as_posix())
    queue["invite"] = names
    queue["learner_invite"] = pd.Series(learner_names, index=queue.index, dtype="string")
    queue["learner_invite_note"] = pd.Series(notes, index=queue.index, dtype="string")
    table = queue[QUEUE_COLUMNS].assign(session_date=queue["session_date"].dt.strftime("%Y-%m-%d"),
                                        proposed_start=queue["proposed_start"].map(lambda t: t.isoformat()),
                                        proposed_end=queue["proposed_end"].map(lambda t: t.isoformat()))
    with writing(out / "followup_queue.csv"):
        neutralize_formulas(mask_pii(table, show_pii)).to_csv(out / "followup_queue.csv", index=False)
    return Followups(table, withheld, unusable)

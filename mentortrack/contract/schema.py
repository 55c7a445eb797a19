"""The session data contract: canonical columns, their types and allowed values.

A session export (see ``shared/docs/session-export.md``) has one row per booked
session. This module declares once what a *canonical* session table looks like
after loading: snake_case column names, typed values and canonical category
labels. The loader (:mod:`mentortrack.contract.load`) maps raw exports onto it and
:func:`session_schema` (pandera) checks the domain rules row by row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

import pandas as pd

if TYPE_CHECKING:
    import pandera.pandas as pa

Kind = Literal["id", "text", "date", "time", "int", "rating", "status", "prep", "bool"]

STATUSES: tuple[str, ...] = ("Completed", "No-show", "Cancelled", "Rescheduled")
"""Canonical session statuses, in report order."""

PREP_LEVELS: tuple[str, ...] = ("No", "Partial", "Yes")
"""Mentor preparation levels, ordered worst to best."""

RATING_RANGE: tuple[int, int] = (1, 5)
"""Inclusive bounds of ``post_session_rating``."""
MAX_MINUTES = 24 * 60
"""The longest a session can be scheduled for or last, in minutes (a day); more is an error in the export."""


@dataclass(frozen=True)
class Column:
    """One column of the export.

    Attributes:
        name: canonical snake_case name used throughout the library.
        export_name: the header used by the platform export.
        kind: how raw text is parsed (see :mod:`mentortrack.contract.parse`).
        required: the file is unusable without this column.
        non_blank: a row with an empty value here is quarantined.
    """

    name: str
    export_name: str
    kind: Kind
    required: bool = False
    non_blank: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("session_id", "Session_ID", "id", required=True, non_blank=True),
    Column("session_date", "Session_Date", "date", required=True, non_blank=True),
    Column("session_time", "Session_Time", "time"),
    Column("program", "Program", "text"),
    Column("batch", "Batch", "text"),
    Column("learner_id", "Learner_ID", "id"),
    Column("learner_name", "Learner_Name", "text"),
    Column("learner_email", "Learner_Email", "text"),
    Column("age_cohort", "Age_Cohort", "text"),
    Column("mentor_name", "Mentor_Name", "text", required=True, non_blank=True),
    Column("session_type", "Session_Type", "text"),
    Column("scheduled_duration_mins", "Scheduled_Duration_mins", "int"),
    Column("actual_duration_mins", "Actual_Duration_mins", "int"),
    Column("session_status", "Session_Status", "status", required=True, non_blank=True),
    Column("mentor_prep_done", "Mentor_Prep_Done", "prep"),
    Column("learner_attended", "Learner_Attended", "bool"),
    Column("post_session_rating", "Post_Session_Rating", "rating"),
    Column("action_items_documented", "Action_Items_Documented", "bool"),
    Column("follow_up_scheduled", "Follow_Up_Scheduled", "bool"),
    Column("issue_flag", "Issue_Flag", "text"),
    Column("learner_feedback", "Learner_Feedback", "text"),
)

COLUMN_BY_NAME: dict[str, Column] = {c.name: c for c in COLUMNS}
EXPORT_NAMES: dict[str, str] = {c.name: c.export_name for c in COLUMNS}

ISSUE_FLAGS: tuple[str, ...] = (
    "Session No-show",
    "Session Cancelled",
    "Session Rescheduled",
    "Session ended early (< 20 mins)",
    "Mentor late to join",
    "Vague guidance provided",
    "Dismissive tone noted",
    "No action items documented",
    "No follow-up scheduled",
    "Learner seemed confused",
    "Mentioned external resources (Udemy, etc.)",
)
"""Issue_Flag values seen in real exports; other values are kept as written."""


def header_key(header: str) -> str:
    """Normalise a header for matching: case, spaces, dashes and BOMs ignored.

    >>> header_key(" Session id") == header_key("SESSION_ID")
    True
    """
    return re.sub(r"[^a-z0-9]+", "", header.replace("\ufeff", "").lower())


HEADER_KEYS: dict[str, str] = {header_key(c.export_name): c.name for c in COLUMNS}


def canonical_dtypes() -> dict[str, object]:
    """Pandas dtype of every canonical column."""
    dtypes: dict[str, object] = {}
    for col in COLUMNS:
        match col.kind:
            case "date":
                dtypes[col.name] = "datetime64[ns]"
            case "int" | "rating":
                dtypes[col.name] = "Int64"
            case "bool":
                dtypes[col.name] = "boolean"
            case "status":
                dtypes[col.name] = pd.CategoricalDtype(STATUSES)
            case "prep":
                dtypes[col.name] = pd.CategoricalDtype(PREP_LEVELS, ordered=True)
            case _:
                dtypes[col.name] = "string"
    return dtypes


def _column(col: Column) -> pa.Column:
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    if col.kind == "rating":
        checks.append(pa.Check.in_range(*RATING_RANGE, error=f"rating outside {RATING_RANGE[0]}–{RATING_RANGE[1]}"))
    if col.kind == "int":
        checks.append(pa.Check.ge(0, error="negative minutes"))
        checks.append(pa.Check.le(MAX_MINUTES, error=f"more than {MAX_MINUTES:,} minutes (a day)"))
    return pa.Column(
        canonical_dtypes()[col.name],
        checks=checks,
        nullable=not col.non_blank,
        coerce=False,
    )


@lru_cache(maxsize=1)
def session_schema() -> pa.DataFrameSchema:
    """Pandera schema of the canonical table; failures become quarantine reasons. Session_ID uniqueness is
    checked over the whole file by :class:`mentortrack.contract.load.FileWideCounts` (a streamed file is
    checked chunk by chunk). Built on first use: a notebook kernel that reads the enriched table does not
    import pandera."""
    import pandera.pandas as pa

    return pa.DataFrameSchema({c.name: _column(c) for c in COLUMNS}, name="canonical sessions", strict=False)

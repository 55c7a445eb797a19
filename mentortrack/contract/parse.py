"""Parsers that turn raw export text into canonical typed values.

Every parser takes a Series of raw strings (blank = ``""``) and returns a
:class:`Parsed`: the typed values (missing where blank or invalid) and, per row,
the reason a non-blank value could not be read (``<NA>`` where it was fine).
All parsers are vectorised: a million-row export is parsed column by column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentortrack.contract.schema import ISSUE_FLAGS, PREP_LEVELS, STATUSES, Column, canonical_dtypes
from mentortrack.contract.text import normalise

_STATUS_KEYS = {
    "completed": "Completed",
    "complete": "Completed",
    "noshow": "No-show",
    "cancelled": "Cancelled",
    "canceled": "Cancelled",
    "rescheduled": "Rescheduled",
}
_BOOL_KEYS = {"yes": True, "y": True, "true": True, "t": True, "1": True, "10": True,
              "no": False, "n": False, "false": False, "f": False, "0": False, "00": False}
_PREP_KEYS = {"yes": "Yes", "y": "Yes", "true": "Yes", "done": "Yes", "1": "Yes", "10": "Yes",
              "partial": "Partial", "partially": "Partial", "partly": "Partial",
              "no": "No", "n": "No", "false": "No", "0": "No", "00": "No"}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*([ap]\.?m\.?)?$", re.IGNORECASE)
_TEXT_MONTH_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d-%b-%Y")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
"""An Excel serial date, with or without its time of day (``45908.75`` is 8 September 2025, 18:00)."""
_ZONED = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$",
                    re.IGNORECASE)
DATE_RANGE = (1900, 2100)
"""Years a session date may have; a date outside is an error of its row (quarantined)."""
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
"""Day 0 of Excel's date serial numbers (1900 date system, with its leap-year quirk)."""
SERIAL_RANGE = (20000, 80000)
"""Serial numbers read as dates: 1954-10-03 to 2119-01-10."""
ID_MAX_LENGTH = 64
"""Longest Session_ID / Learner_ID the data contract accepts (characters)."""
_ID_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass
class Parsed:
    """Typed values of one column plus the per-row reason for unreadable values."""

    values: pd.Series
    errors: pd.Series
    notes: list[str] = field(default_factory=list)
    dayfirst: bool | None = None
    """For dates: the order numeric dates were read in (None when the column had none)."""


def blank(raw: pd.Series) -> pd.Series:
    """True where the raw value is empty or only white space."""
    return raw.str.strip() == ""


def _errors_where(raw: pd.Series, bad: pd.Series, reason: str) -> pd.Series:
    errors = pd.Series(pd.NA, index=raw.index, dtype="string")
    if bad.any():
        errors[bad] = reason + " '" + raw[bad].str.strip() + "'"
    return errors


def _key(raw: pd.Series) -> pd.Series:
    return raw.str.lower().str.replace(r"[^a-z0-9]", "", regex=True)


def parse_text(raw: pd.Series) -> Parsed:
    """Normalise (:func:`mentortrack.contract.text.normalise`: NFC, line breaks as spaces), strip and
    collapse white space; blank becomes missing."""
    text = normalise(raw).str.strip()
    spaced = text.str.contains(r"\s\s|[\t\r\n]", regex=True)
    if spaced.any():  # collapsing runs of white space is slow per value, so only where there are any
        text = text.where(~spaced, text[spaced].str.replace(r"\s+", " ", regex=True))
    values = text.where(text != "").astype("string")
    return Parsed(values, pd.Series(pd.NA, index=raw.index, dtype="string"))


def parse_issue_flag(raw: pd.Series) -> Parsed:
    """Text, with known Issue_Flag values matched case- and space-insensitively."""
    parsed = parse_text(raw)
    known = {re.sub(r"\s+", " ", f.lower()): f for f in ISSUE_FLAGS}
    mapped = parsed.values.str.lower().map(known)
    parsed.values = mapped.fillna(parsed.values).astype("string")
    return parsed


def parse_id(raw: pd.Series) -> Parsed:
    """An identifier: printable text of at most 64 characters, without ``/``, ``\\`` or control characters.

    IDs become file names (agendas, invites, e-mails), so the contract keeps them
    plain; a value that breaks it is an error, never silently changed.
    """
    text = raw.str.strip()
    bad_chars = text.str.contains(_ID_FORBIDDEN, regex=True) | ~text.map(str.isprintable, na_action="ignore").fillna(True).astype(bool)
    too_long = text.str.len() > ID_MAX_LENGTH
    errors = pd.Series(pd.NA, index=raw.index, dtype="string")
    errors[too_long] = f"ID longer than {ID_MAX_LENGTH} characters: '" + text[too_long].str.slice(0, 40) + "...'"
    shown = text[bad_chars].map(lambda v: v.encode("unicode_escape").decode("ascii"))
    errors[bad_chars] = "ID contains a path separator, control or invisible character: '" + shown + "'"
    values = text.where((text != "") & ~bad_chars & ~too_long).astype("string")
    return Parsed(values, errors)


WHOLE_LIMIT = 10**9
"""The largest whole number a cell may hold (``1e308`` or ``2**63`` minutes is an error, not an overflow)."""


DECIMAL_COMMA_WHOLE = r"^(-?\d+),0{1,2}$"
"""A whole number written with a decimal comma (``4,0``, ``45,00``: a semicolon-separated export from a
spreadsheet set to a European locale). Three zeros (``1,000``) stay an error: they may be a thousands separator."""


def parse_int(raw: pd.Series, what: str = "whole number") -> Parsed:
    """Whole numbers such as ``45``, ``45.0`` or ``45,0`` (:data:`DECIMAL_COMMA_WHOLE`), at most
    :data:`WHOLE_LIMIT` either side of 0; anything else is an error."""
    is_blank = blank(raw)
    written = raw.str.strip().str.replace(DECIMAL_COMMA_WHOLE, r"\1", regex=True)
    numbers = pd.to_numeric(written.where(~is_blank), errors="coerce").astype("float64")
    huge = ~is_blank & (numbers.abs() > WHOLE_LIMIT).fillna(False)
    bad = ~is_blank & ~huge & (numbers.isna() | (numbers.fillna(0) % 1 != 0))
    values = numbers.where(~bad & ~huge).round().astype("Int64")
    errors = _errors_where(raw, bad, f"not a {what}:").fillna(_errors_where(raw, huge, f"too large for a {what}:"))
    return Parsed(values, errors)


def parse_status(raw: pd.Series) -> Parsed:
    """Session status in any casing/spelling (``no show``, ``No-Show ``) to a canonical label."""
    is_blank = blank(raw)
    mapped = _key(raw).map(_STATUS_KEYS)
    bad = ~is_blank & mapped.isna()
    values = pd.Series(pd.Categorical(mapped, categories=STATUSES), index=raw.index)
    return Parsed(values, _errors_where(raw, bad, f"unknown status (expected one of {', '.join(STATUSES)}):"))


def parse_bool(raw: pd.Series) -> Parsed:
    """Yes/No in any common spelling (``Y``, ``yes``, ``TRUE``, ``1``) to a nullable boolean."""
    is_blank = blank(raw)
    mapped = _key(raw).map(_BOOL_KEYS)
    bad = ~is_blank & mapped.isna()
    return Parsed(mapped.astype("boolean"), _errors_where(raw, bad, "not yes/no:"))


def parse_prep(raw: pd.Series) -> Parsed:
    """Mentor preparation Yes / Partial / No as an ordered category."""
    is_blank = blank(raw)
    mapped = _key(raw).map(_PREP_KEYS)
    bad = ~is_blank & mapped.isna()
    values = pd.Series(pd.Categorical(mapped, categories=PREP_LEVELS, ordered=True), index=raw.index)
    return Parsed(values, _errors_where(raw, bad, "not Yes/Partial/No:"))


def parse_time(raw: pd.Series, counts: pd.Series | None = None) -> Parsed:
    """Clock times (``9:00``, ``15:00:00``, ``3 PM``) to zero-padded ``HH:MM`` text.

    Excel stores a time as a fraction of a day (``0.625`` = 15:00); such values are
    read too, with a note.
    """
    is_blank = blank(raw)
    fraction = pd.to_numeric(raw.str.strip().where(raw.str.contains(r"^\s*0?\.\d+\s*$", regex=True)), errors="coerce")
    notes: list[str] = []
    if fraction.notna().any():
        minutes = (fraction * 24 * 60).round().astype("Int64")
        as_clock = (minutes // 60).astype("string").str.zfill(2) + ":" + (minutes % 60).astype("string").str.zfill(2)
        raw = raw.where(fraction.isna(), as_clock)
        rows = int((counts if counts is not None else pd.Series(1, index=raw.index))[fraction.notna()].sum())
        notes.append(f"{rows} Session_Time values were Excel day fractions "
                     f"(e.g. {fraction.dropna().iloc[0]:g} = {as_clock.dropna().iloc[0]}) and were read as clock times.")
    parts = raw.str.strip().str.extract(_TIME)
    hour = pd.to_numeric(parts[0], errors="coerce")
    minute = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    meridiem = parts[3].str.lower().str.replace(".", "", regex=False)
    hour = hour.where(~((meridiem == "pm") & (hour < 12)), hour + 12)
    hour = hour.where(~((meridiem == "am") & (hour == 12)), 0)
    ok = hour.between(0, 23) & minute.between(0, 59)
    bad = ~is_blank & ~ok
    text = hour.astype("Int64").astype("string").str.zfill(2) + ":" + minute.astype("Int64").astype("string").str.zfill(2)
    values = text.where(ok & ~is_blank).astype("string")
    return Parsed(values, _errors_where(raw, bad, "not a clock time:"), notes)


RELATIVE_DATES = ("today", "now", "yesterday", "tomorrow")
"""Words pandas would read as the day the suite runs; in an export they are errors, not dates."""


def parse_date(raw: pd.Series, dayfirst: bool = True, counts: pd.Series | None = None,
               decided: bool | None = None, timezone: str = "UTC") -> Parsed:
    """Dates in ISO (``2025-09-08``), numeric day/month forms or with month names.

    Numeric forms such as ``08/09/2025`` are ambiguous. The file decides: values
    whose first number is above 12 prove day-first, values whose second number is
    above 12 prove month-first. Ambiguous values follow the proven order, or
    ``dayfirst`` when the file proves neither or both; a note says which.

    Dates that Excel re-saved as serial numbers (``45908`` = 2025-09-08) are read
    as such, with a note; Excel's date-time text (``2025-09-08 00:00:00``) is ISO.

    ``counts`` gives how many rows each value stands for when ``raw`` holds distinct
    values only; the evidence and the notes count rows. ``decided`` imposes an order
    the whole file settled already (a chunk of a streamed file): no evidence, no notes.

    ISO 8601 timestamps with a zone (``2025-09-08T22:30:00Z``, ``…+05:30``) are converted to
    ``timezone`` (the program's, ``timezone`` in ``parameters/lifecycle.yaml``) and read as the
    day they fall on there, with a note. A date outside :data:`DATE_RANGE` (``2925-09-08``) is
    an error of its row, never of the file.
    """
    weight = counts if counts is not None else pd.Series(1, index=raw.index)

    def rows(mask: pd.Series) -> int:
        return int(weight[mask.fillna(False).astype(bool)].sum())

    text = raw.str.strip()
    is_blank = text == ""
    notes: list[str] = []
    serial = pd.to_numeric(text.where(text.str.match(_SERIAL)), errors="coerce")
    serial = serial.where(serial.between(*SERIAL_RANGE))
    if serial.notna().any():
        as_date = EXCEL_EPOCH + pd.to_timedelta(serial.floordiv(1), unit="D")
        text = text.where(serial.isna(), as_date.dt.strftime("%Y-%m-%d"))
        notes.append(f"{rows(serial.notna())} dates were Excel serial numbers (e.g. "
                     f"{int(serial.dropna().iloc[0])} = {as_date.dropna().iloc[0]:%Y-%m-%d}) and were read as dates.")
    zoned = text.str.match(_ZONED).fillna(False).astype(bool)
    if zoned.any():
        stamps = pd.to_datetime(text.where(zoned), utc=True, format="ISO8601", errors="coerce")
        local = stamps.dt.tz_convert(timezone).dt.strftime("%Y-%m-%d")
        read = zoned & stamps.notna()
        if read.any():
            text = text.where(~read, local)
            notes.append(f"{rows(read)} dates were timestamps with a time zone (e.g. '{raw[read].iloc[0].strip()}' "
                         f"= {local[read].iloc[0]} in {timezone}); each was converted to {timezone} and read as "
                         "the day it falls on there.")
    relative = text.str.lower().isin(RELATIVE_DATES).fillna(False).astype(bool)
    values = pd.to_datetime(text.where(~is_blank & ~relative), format="ISO8601", errors="coerce")

    parts = text.where(values.isna() & ~is_blank).str.extract(_DMY)
    if parts[0].notna().any():
        a, b, year = (pd.to_numeric(parts[i], errors="coerce") for i in range(3))
        as_dmy = pd.to_datetime(pd.DataFrame({"year": year, "month": b, "day": a}), errors="coerce")
        as_mdy = pd.to_datetime(pd.DataFrame({"year": year, "month": a, "day": b}), errors="coerce")
        only_dmy = as_dmy.notna() & as_mdy.isna()
        only_mdy = as_mdy.notna() & as_dmy.isna()
        ambiguous = as_dmy.notna() & as_mdy.notna() & (a != b)
        proven_dmy, proven_mdy = rows(only_dmy), rows(only_mdy)
        use_dayfirst = dayfirst if (proven_dmy > 0) == (proven_mdy > 0) else proven_dmy > 0
        if decided is not None:
            use_dayfirst, ambiguous = decided, ambiguous & False
            proven_dmy = proven_mdy = 0
        order = "day-first" if use_dayfirst else "month-first"
        if ambiguous.any():
            evidence = (
                f"{proven_dmy} unambiguous values are day-first and {proven_mdy} month-first"
                if proven_dmy or proven_mdy
                else "no value in the file settles the order"
            )
            notes.append(f"{rows(ambiguous)} dates such as '{text[ambiguous].iloc[0]}' could be "
                         f"day-first or month-first; read as {order} ({evidence}).")
        if proven_dmy and proven_mdy:
            notes.append(f"dates mix day-first ({proven_dmy}) and month-first ({proven_mdy}) forms.")
        chosen = as_dmy if use_dayfirst else as_mdy
        numeric = chosen.where(~only_dmy, as_dmy).where(~only_mdy, as_mdy)
        values = values.fillna(numeric)

    for fmt in _TEXT_MONTH_FORMATS:
        todo = values.isna() & ~is_blank
        if not todo.any():
            break
        values = values.fillna(pd.to_datetime(text.where(todo & ~relative), format=fmt, errors="coerce"))

    years = values.dt.year
    outside = values.notna() & ~years.between(*DATE_RANGE)
    values = values.where(~outside).dt.normalize().astype("datetime64[ns]")
    bad = ~is_blank & values.isna() & ~outside
    read_dayfirst = use_dayfirst if parts[0].notna().any() else None
    if decided is not None:
        notes = []
    errors = _errors_where(raw, bad, "not a date:").fillna(
        _errors_where(raw, outside, f"date outside {DATE_RANGE[0]}–{DATE_RANGE[1]} (a typo in the year?):"))
    return Parsed(values, errors, notes, read_dayfirst)


def parse_column(raw: pd.Series, column: Column, dayfirst: bool = True, decided: bool | None = None,
                 notes: bool = True, timezone: str = "UTC") -> Parsed:
    """Parse one raw column according to its kind in the schema.

    Every kind is parsed once per distinct value (one hashing pass finds them) and
    mapped back to the rows, unless most values are distinct (IDs, e-mails), which are
    parsed in place; for dates the file's evidence still counts rows.
    """
    codes, uniques = pd.factorize(raw)
    if column.kind not in ("date", "time") and len(uniques) > len(raw) // 2:
        parsed = _parse_values(raw, column)
        return Parsed(parsed.values.astype(canonical_dtypes()[column.name]), parsed.errors, [] if not notes else
                      parsed.notes, parsed.dayfirst)
    distinct = pd.Series(uniques, dtype=raw.dtype)
    counts = pd.Series(np.bincount(codes, minlength=len(distinct)))
    if column.kind == "date":
        parsed = parse_date(distinct, dayfirst, counts, decided, timezone)
    elif column.kind == "time":
        parsed = parse_time(distinct, counts)
    else:
        parsed = _parse_values(distinct, column)
    if not notes:
        parsed.notes = []
    values = parsed.values.take(codes).set_axis(raw.index)
    errors = parsed.errors.take(codes).set_axis(raw.index)
    return Parsed(values.astype(canonical_dtypes()[column.name]), errors, parsed.notes, parsed.dayfirst)


def _parse_values(raw: pd.Series, column: Column) -> Parsed:
    match column.kind:
        case "id":
            return parse_id(raw)
        case "time":
            return parse_time(raw)
        case "int":
            return parse_int(raw)
        case "rating":
            return parse_int(raw, "whole-number rating")
        case "status":
            return parse_status(raw)
        case "prep":
            return parse_prep(raw)
        case "bool":
            return parse_bool(raw)
        case _:
            return parse_issue_flag(raw) if column.name == "issue_flag" else parse_text(raw)


def missing_column(column: Column, index: pd.Index) -> pd.Series:
    """All-missing values for an optional column absent from the file."""
    return pd.Series(np.full(len(index), pd.NA), index=index).astype(canonical_dtypes()[column.name])

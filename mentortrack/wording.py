"""Counts said in words, the one way every page, chart, e-mail and command line says them.

``plural(1, "session")`` is "1 session", ``plural(2, "session")`` "2 sessions", never "session(s)".
"""

from __future__ import annotations

import re


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``n`` (thousands separated) and its noun, singular for exactly one: "1 session", "1,234 sessions".

    ``many`` is the plural when adding "s" is wrong ("reply" → "replies"); a noun of several words
    ("red session", "inactivity nudge") takes the "s" on its last word."""
    return f"{int(n):,} {noun if int(n) == 1 else many or noun + 's'}"


def counted(n: int, nouns: str) -> str:
    """A plural noun phrase said of ``n`` things, without the number: a KPI's base ("completed sessions with
    feedback") keeps its plural unless n = 1 ("1 completed session with feedback")."""
    return nouns.replace("sessions", "session") if int(n) == 1 else nouns


def verb(n: int, one: str, many: str) -> str:
    """The verb that agrees with a count: ``verb(1, "has", "have")`` is "has"."""
    return one if int(n) == 1 else many


def listed(items: list[str]) -> str:
    """Items as a sentence lists them: "a", "a and b", "a, b and c"."""
    return " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 2 else items)


def percent(share: float) -> str:
    """A share (0..1) in whole per cent that never rounds a few into none or all: "<1%" for 1 of 234,
    ">99%" for 233 of 234, "0%" and "100%" only when exact."""
    if 0 < share < 0.005:
        return "<1%"
    if 0.995 <= share < 1:
        return ">99%"
    return f"{share:.0%}"


def partial_suffix(month: str, through: object | None) -> str:
    """" (to 9 Oct)" when the data, whose last day is ``through`` (a timestamp), ends inside ``month`` (YYYY-MM)
    before its last day; "" for a month it covers whole (or without ``through``)."""
    import pandas as pd

    if through is None:
        return ""
    day = pd.Timestamp(through)
    if f"{day:%Y-%m}" != month or day >= pd.Period(month, freq="M").end_time.normalize():
        return ""
    return f" (to {day.day} {day:%b})"



def clock(naive: object, zone: str) -> str:
    """A wall-clock time of the program (a naive timestamp, in the IANA ``zone``) with its zone said:
    "2025-10-29 15:00 IST" (the zone's abbreviation on that day, or its UTC offset where it has none,
    "2025-10-29 15:00 +04")."""
    from zoneinfo import ZoneInfo

    import pandas as pd

    moment = pd.Timestamp(naive)
    local = moment.tz_localize(ZoneInfo(zone), ambiguous=True, nonexistent="shift_forward")
    return f"{moment:%Y-%m-%d %H:%M} {local:%Z}"


_TENURE = re.compile(r"^[a-z]_(?:(?P<over>>)\s*)?(?P<low>\d+)(?:-(?P<high>\d+))?M$")


def tenure(cohort: str) -> str:
    """An age cohort of the export (the learner's tenure: a letter giving the order, then months) in words:
    ``a_1M`` "1 month", ``b_2-3M`` "2–3 months", ``f_>24M`` "over 24 months". Any other value is kept."""
    found = _TENURE.match(str(cohort).strip())
    if not found:
        return str(cohort)
    low, high = found["low"], found["high"]
    if found["over"]:
        return f"over {low} months"
    return f"{low}–{high} months" if high else plural(int(low), "month")

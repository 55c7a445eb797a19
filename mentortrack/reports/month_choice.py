"""Which month a report is of: ``--month`` checked, or the latest complete month of the data."""

from __future__ import annotations

import re

import pandas as pd

from mentortrack.errors import ReportError
from mentortrack.reports.context import ALL_MONTHS


def latest_complete_month(dates: pd.Series) -> tuple[str, str]:
    """The latest month the data covers to its last day, and a sentence saying so.

    The month of the last session counts as complete when that session is on the month's
    last day; otherwise the month before it is taken (if the data reaches back that far).
    """
    last = pd.Timestamp(dates.max())
    month = last.to_period("M")
    if last.normalize() != month.end_time.normalize() and (dates < month.start_time).any():
        month -= 1
        return month.strftime("%Y-%m"), (f"no --month given: reporting {month.strftime('%Y-%m')}, the latest "
                                         f"complete month (sessions run to {last:%Y-%m-%d})")
    return month.strftime("%Y-%m"), (f"no --month given: reporting {month.strftime('%Y-%m')}, the latest month "
                                     f"in the data (sessions run to {last:%Y-%m-%d})")


def check_month(month: str) -> str:
    """``month`` if it is ``YYYY-MM`` (a real month) or ``all``.

    Raises:
        ReportError: it is neither (checked before anything is loaded or written).
    """
    if month == ALL_MONTHS:
        return month
    if not re.fullmatch(r"\d{4}-\d{2}", month) or not 1 <= int(month[5:]) <= 12:
        raise ReportError(f"--month {month!r} is not a month; use YYYY-MM (e.g. 2025-09) or 'all'.")
    return month

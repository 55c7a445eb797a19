"""Keep shared outputs safe: mask learner PII and neutralise spreadsheet formulas.

Reports are forwarded, so learner names and e-mails are masked unless the user
asks for them (``SHOW_PII=1`` / ``show_pii=True``), and every text cell written
to Excel or CSV that a spreadsheet would run as a formula is made inert.
"""

from __future__ import annotations

import os

import pandas as pd

PII_COLUMNS = ("learner_name", "learner_email")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is read as a formula by Excel, LibreOffice or Sheets."""


def show_pii_requested() -> bool:
    """True when the environment asks for unmasked learner data (``SHOW_PII=1``)."""
    return os.environ.get("SHOW_PII", "0").strip().lower() in {"1", "true", "yes"}


def mask_email(email: pd.Series) -> pd.Series:
    """``learner_126@gmail.com`` -> ``l***@gmail.com`` (missing stays missing)."""
    text = email.astype("string")
    return (text.str.slice(0, 1) + "***@" + text.str.split("@").str[-1]).where(text.str.contains("@", na=False),
                                                                             text.where(text.isna(), "***"))


def mask_name(name: pd.Series) -> pd.Series:
    """``Learner_126`` -> ``L***`` (first letter kept; rows stay apart by learner ID); blank stays blank."""
    text = name.astype("string")
    return (text.str.slice(0, 1) + "***").where(text.str.strip() != "", text)


def mask_pii(frame: pd.DataFrame, show_pii: bool | None = None) -> pd.DataFrame:
    """A copy with learner names and e-mails masked, unless ``show_pii`` (default: ``SHOW_PII``).

    Works on canonical (``learner_email``) and export (``Learner_Email``) column names.
    """
    if show_pii if show_pii is not None else show_pii_requested():
        return frame
    masked = frame.copy()
    for column in masked.columns:
        if column in {"learner_email", "Learner_Email"}:
            masked[column] = mask_email(masked[column])
        elif column in {"learner_name", "Learner_Name"}:
            masked[column] = mask_name(masked[column])
    return masked


def formula_safe(value: str) -> str:
    """One text cell made inert: a leading ``'`` when it starts with ``= + - @`` (or tab/CR)."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def neutralize_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy where text cells starting with ``= + - @`` (or tab/CR) get a leading ``'``.

    Numbers are left alone, so a negative number stays a number.
    """
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_PREFIXES, na=False) & values.map(lambda v: isinstance(v, str))
        if risky.any():
            safe[column] = values.astype(object).where(~risky, "'" + text)
    return safe

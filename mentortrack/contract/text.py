"""Text as the contract keeps it: one Unicode form, no line-breaking characters inside a value.

Exports are written by many platforms: the same name may arrive composed (``José``,
NFC) or decomposed (``Jose`` + combining accent, NFD), and a cell may hold characters
that break a line without being ``\\n`` (U+2028 LINE SEPARATOR, U+2029 PARAGRAPH
SEPARATOR, NEL U+0085, vertical tab, form feed, the file/group/record separators).
:func:`normalise` turns every text value into NFC and every line-breaking character
into a space, once, when the export is read, so "José" is one mentor however it was
typed and no value can split an e-mail header or an ``.ics`` line later.
"""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Every character :meth:`str.splitlines` breaks on (LF, CR, VT, FF, FS, GS, RS, NEL, LS, PS)."""
_BREAKS = re.compile(f"[{re.escape(LINE_BREAKS)}]")
_OTHER_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def normalise_value(text: str) -> str:
    """One value in NFC with line-breaking characters as spaces and other control characters removed
    (tab is kept: :func:`mentortrack.contract.parse.parse_text` collapses white space afterwards)."""
    return _OTHER_CONTROLS.sub("", _BREAKS.sub(" ", unicodedata.normalize("NFC", text)))


def normalise(raw: pd.Series) -> pd.Series:
    """:func:`normalise_value` over a column of text, touching only the values that need it
    (a vectorised check finds them, so an all-ASCII column costs one pass)."""
    needs = raw.str.contains(r"[^\x20-\x7e\t]", regex=True, na=False)
    if not needs.any():
        return raw
    return raw.where(~needs, raw[needs].map(normalise_value))

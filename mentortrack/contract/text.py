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
INVISIBLE = "\ufeff\u200b\u2060\u202a-\u202e\u2066-\u2069"
"""Characters that show nothing but change a value: the byte-order mark inside a line, the zero-width
space and word joiner, and the bidirectional embeddings, overrides and isolates (U+202E can make
"gnp.exe" read "exe.png"). Removed from text; an ID holding one is an error. (Zero-width joiners, which
Indic scripts and emoji need, are kept.)"""
_INVISIBLE = re.compile(f"[{INVISIBLE}]")
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
"""No-break, figure, thin and ideographic spaces: a space as a name is spelled."""


def normalise_value(text: str) -> str:
    """One value in NFC with line-breaking characters and special spaces as spaces, and other control and
    invisible characters (:data:`INVISIBLE`) removed (tab is kept:
    :func:`mentortrack.contract.parse.parse_text` collapses white space afterwards)."""
    spaced = _SPACES.sub(" ", _BREAKS.sub(" ", unicodedata.normalize("NFC", text)))
    return _INVISIBLE.sub("", _OTHER_CONTROLS.sub("", spaced))


_REMOVED = re.compile(f"{_OTHER_CONTROLS.pattern[:-1]}{INVISIBLE}]")
"""What :func:`normalise_value` removes (rather than turning into a space)."""
_KEPT_ASCII = bytes([*range(0x09, 0x0e), *range(0x1c, 0x1f), *range(0x20, 0x7f)])
"""The ASCII bytes it keeps (as they are, or as a space)."""


def removed_characters(column: pd.Series) -> pd.Series:
    """True where :func:`normalise_value` removes a character from the value (a NUL byte, another control
    character, an invisible one). The column's text is checked joined first (an ASCII column byte by byte,
    other text by one regular-expression search), so a clean column costs one pass."""
    joined = "\x1e".join(column.tolist())
    if joined.isascii():
        clean = not joined.encode("ascii").translate(None, _KEPT_ASCII)
    else:
        clean = _REMOVED.search(joined) is None
    if clean:
        return pd.Series(False, index=column.index)
    return column.str.contains(_REMOVED, regex=True, na=False)


def spelling_key(values: pd.Series) -> pd.Series:
    """The key names are unified by (the most frequent spelling of a key wins): NFKC, case-folded and without
    the joiners (ZWJ, ZWNJ, CGJ, the Mongolian vowel separator: kept in a value, where an Indic name may need
    them, but no difference between two spellings), so "Mentor A", "mentor a", the full-width "Ｍentor A" and
    "Mentor A\u200d" are one mentor."""
    return values.astype("string").str.normalize("NFKC").str.casefold().str.replace(
        "[\u200c\u200d\u034f\u180e]", "", regex=True)


def normalise(raw: pd.Series) -> pd.Series:
    """:func:`normalise_value` over a column of text, touching only the values that need it
    (a vectorised check finds them, so an all-ASCII column costs one pass)."""
    needs = raw.str.contains(r"[^\x20-\x7e\t]", regex=True, na=False)
    if not needs.any():
        return raw
    return raw.where(~needs, raw[needs].map(normalise_value))

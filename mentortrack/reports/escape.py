"""The one escaping path: every value from the data or the file system, made inert for one medium.

A mentor, a feedback, a column header or the export's file name can hold anything:
``<script>``, ``<img onerror=…>``, ``[link](javascript:…)``, ``</title>``, ``$_$`` (matplotlib
mathtext), ``=HYPERLINK(…)``, U+2028. Each medium has one function here and every writer
uses it:

- :func:`html_text` — text inside HTML elements and attribute values (``&<>"'`` as entities).
- :func:`markdown_text` — text inside Markdown that notebooks and ``.md`` files render: HTML
  entities for ``&<>`` and a backslash before every other Markdown punctuation character, so
  no link, image, emphasis, raw HTML or heading can start from the data.
- :func:`header_text` — an e-mail header value: line-breaking and control characters as
  spaces (a header can never be split into two), white space collapsed.
- :func:`body_text` — plain-text e-mail bodies and other plain text: line breaks of every
  kind as ``\\n``, other control characters removed.
- :func:`ics_text` — an iCalendar TEXT value before ``icalendar`` folds and escapes it: control
  characters removed, line breaks as ``\\n`` (which RFC 5545 writes as ``\\n``).
- charts — text drawn on a chart is shown as the characters it holds because :data:`LITERAL_TEXT`
  (``text.parse_math`` and ``text.usetex`` off) is applied to every figure
  (:mod:`mentortrack.reports.charts`); a name like ``Budget $_$ track`` is drawn, not parsed as TeX.

Spreadsheet cells are made inert by :func:`mentortrack.reports.privacy.neutralize_formulas`.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from mentortrack.contract.text import LINE_BREAKS, normalise_value

LITERAL_TEXT = {"text.parse_math": False, "text.usetex": False}
"""matplotlib settings under which every label is drawn as the characters it holds."""
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]!#|~$])")
_BLOCK_START = re.compile(r"^(\d+(?=[.)])|)([-+=.)])")
_BREAKS = re.compile(f"\r\n|[{re.escape(LINE_BREAKS)}]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def html_text(value: object) -> str:
    """``value`` as HTML text or attribute value (quotes escaped too); missing is ``""``."""
    return html.escape(_text(value), quote=True)


def markdown_text(value: object) -> str:
    """``value`` as literal Markdown text on one line: nothing in it renders as markup, math or HTML.

    ``&<>`` become entities (no raw HTML, no autolink); the characters that open inline markup
    (emphasis, code, links and images, math, tables, strike-through) get a backslash; a value
    that would open a block at the start of a line (list, heading, quote) gets one before it.
    Everything else is left as written, so the ``.md`` files stay readable as plain text.
    """
    text = normalise_value(_text(value)).strip()
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return _BLOCK_START.sub(r"\1\\\2", text, count=1)


def header_text(value: object) -> str:
    """``value`` as one e-mail header line: no line-breaking or control character, single spaces."""
    return " ".join(normalise_value(_text(value)).split())


def body_text(value: object) -> str:
    """``value`` as plain text: every kind of line break as ``\\n``, other control characters removed."""
    return _CONTROLS.sub("", _BREAKS.sub("\n", _text(value)))


def ics_text(value: object) -> str:
    """``value`` for an iCalendar TEXT property (``icalendar`` escapes ``,;\\`` and folds the line)."""
    return body_text(value)


def html_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and text index labels) are :func:`html_text`: a table
    rendered from it shows the data as text whatever formatter a caller applies later."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object or isinstance(values.dtype,
                                                                                          pd.CategoricalDtype):
            safe[column] = values.map(lambda v: html_text(v) if isinstance(v, str) else v,
                                      na_action="ignore").astype(object)
    if safe.index.dtype == object:
        safe.index = safe.index.map(lambda v: html_text(v) if isinstance(v, str) else v)
    return safe

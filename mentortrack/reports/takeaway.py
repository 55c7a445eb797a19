"""The data behind every chart and table of a page, written beside it as CSV and linked "data (CSV)".

A report run sets the folder once per page-writing context (:func:`use_folder`; notebooks
get it from :func:`mentortrack.reports.context.open_report`, mentor pages from their
writer): then :func:`link` writes a frame to ``<folder>/<slug>-<hash>.csv`` and returns the
link to put next to the chart or table. Without a folder (an interactive notebook)
nothing is written and no link is shown.

The CSV is what a reader can reuse: learner names and e-mails masked unless asked for,
every text cell that a spreadsheet would run as a formula neutralised
(:func:`mentortrack.reports.privacy.neutralize_formulas`), UTF-8 with BOM so Excel reads
accents. The file name is the chart's or table's title made safe plus a hash of the
content, so the same table on a rebuilt page keeps its name.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mentortrack.reports.escape import html_text
from mentortrack.reports.privacy import mask_pii, neutralize_formulas

LINK_TEXT = "data (CSV)"


@dataclass(frozen=True)
class DataFolder:
    """Where a page's CSVs go (``folder``) and how the page links to them (``href``, e.g. ``data/``)."""

    folder: Path
    href: str


_CURRENT: contextvars.ContextVar[DataFolder | None] = contextvars.ContextVar("mentortrack_data_folder", default=None)


def use_folder(folder: str | Path | None, href: str = "data/") -> None:
    """Write the CSVs of this context's charts and tables to ``folder`` (None: write none), linked as ``href``."""
    _CURRENT.set(None if folder is None else DataFolder(Path(folder), href))


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "table"


def write_csv(frame: pd.DataFrame, title: str, show_pii: bool | None = None) -> str | None:
    """Write ``frame`` (masked, formula-safe) to the current folder; the href to it, or None without a folder."""
    target = _CURRENT.get()
    if target is None or frame.shape[1] == 0:  # no folder, or nothing a spreadsheet could open
        return None
    safe = neutralize_formulas(mask_pii(frame, show_pii))
    data = safe.to_csv(index=False).encode("utf-8-sig")
    name = f"{_slug(title)}-{hashlib.sha256(data).hexdigest()[:8]}.csv"
    target.folder.mkdir(parents=True, exist_ok=True)
    (target.folder / name).write_bytes(data)
    return target.href + name


def link(frame: pd.DataFrame, title: str, show_pii: bool | None = None) -> str:
    """``<a class="mt-data" ...>data (CSV)</a>`` to ``frame`` written by :func:`write_csv`, or "" without a folder."""
    href = write_csv(frame, title, show_pii)
    if href is None:
        return ""
    label = html_text(f"{LINK_TEXT}: {title}")
    return (f'<a class="mt-data" href="{html_text(href)}" download aria-label="{label}">'
            f"{LINK_TEXT}</a>")

"""Coloured, escaped HTML tables and KPI tiles for the reports.

Every text cell is HTML-escaped (``<script>`` in feedback shows as text), and
every table goes through :func:`mentortrack.privacy.mask_pii` first unless
``show_pii`` is set, so nothing here can leak a learner e-mail by accident.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from pandas.io.formats.style import Styler

from mentortrack.early_warnings import LEVEL_COLOURS
from mentortrack.kpis import COUNT_KPIS, KPI_LABELS
from mentortrack.privacy import mask_pii

LEVEL_FILLS = {"green": "#e8f5e9", "amber": "#fff8e1", "red": "#ffebee"}
"""Light cell backgrounds for the levels (text stays readable)."""

HIGHER_IS_BETTER = {"completion_rate": True, "no_show_rate": False, "cancellation_rate": False,
                    "reschedule_rate": False, "avg_rating": True, "prep_done_rate": True, "follow_up_rate": True,
                    "action_items_rate": True, "feedback_coverage": True, "missing_feedback_rate": False,
                    "negative_feedback_count": False, "negative_feedback_rate": False,
                    "positive_feedback_rate": True, "attendance_rate": True}
"""Direction of a good change, for colouring month-over-month deltas."""


def format_value(kpi: str, value: float) -> str:
    """A KPI as people read it: rates in %, ratings with 2 decimals, counts whole."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kpi in COUNT_KPIS:
        return f"{int(value):,}"
    if kpi.endswith(("_rate", "_coverage")):
        return f"{value:.1%}"
    if kpi == "avg_rating":
        return f"{value:.2f}"
    return f"{value:.1f}" if "mins" in kpi else f"{value:.2f}"


def format_delta(kpi: str, delta: float) -> str:
    """A month-over-month change: rates in percentage points, others in the KPI's unit."""
    if delta is None or math.isnan(delta):
        return "no previous month"
    if kpi.endswith(("_rate", "_coverage")):
        return f"{delta * 100:+.1f} pp"
    if kpi in COUNT_KPIS:
        return f"{int(delta):+,}"
    return f"{delta:+.2f}"


def kpi_tiles(table: pd.DataFrame, kpis: list[str]) -> str:
    """HTML tiles for ``kpis`` from a :func:`mentortrack.kpis.month_over_month` table."""
    rows = table.set_index("kpi")
    tiles = []
    for kpi in kpis:
        value, delta = rows.at[kpi, "value"], rows.at[kpi, "delta"]
        good = HIGHER_IS_BETTER.get(kpi)
        colour = "#555"
        if good is not None and not math.isnan(delta) and delta != 0:
            colour = LEVEL_COLOURS["green"] if (delta > 0) == good else LEVEL_COLOURS["red"]
        tiles.append(
            f'<div style="flex:1 1 150px;border:1px solid #ddd;border-radius:8px;padding:10px 14px;margin:4px;'
            f'background:#fafafa"><div style="font-size:12px;color:#666">{html.escape(KPI_LABELS.get(kpi, kpi))}</div>'
            f'<div style="font-size:26px;font-weight:600">{format_value(kpi, value)}</div>'
            f'<div style="font-size:12px;color:{colour}">{html.escape(format_delta(kpi, delta))} vs '
            f'{html.escape(str(table.attrs.get("previous_month", "previous")))}</div></div>')
    return '<div style="display:flex;flex-wrap:wrap">' + "".join(tiles) + "</div>"


def styled(frame: pd.DataFrame, show_pii: bool | None = None, precision: int = 2,
           percent: list[str] | None = None, caption: str | None = None) -> Styler:
    """A Styler with escaped text, PII masked, hidden index, and ``percent`` columns as %."""
    safe = mask_pii(frame, show_pii)
    percent_formats = {c: "{:.1%}" for c in percent or [] if c in safe}
    styler = safe.style.format(precision=precision, na_rep="–", escape="html")
    if percent_formats:  # every format() call must escape again: a later call resets escaping
        styler = styler.format(percent_formats, na_rep="–", escape="html")
    styler = styler.hide(axis="index")
    styler = styler.set_table_styles([
        {"selector": "th", "props": "background:#37474f;color:white;text-align:left;padding:4px 8px"},
        {"selector": "td", "props": "padding:3px 8px;border-bottom:1px solid #eee;text-align:left"},
    ])
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler


def level_table(frame: pd.DataFrame, show_pii: bool | None = None, caption: str | None = None) -> Styler:
    """A session table whose rows are filled by their ``level`` (green/amber/red)."""
    styler = styled(frame, show_pii, caption=caption)
    if "level" not in frame:
        return styler

    def fill(row: pd.Series) -> list[str]:
        colour = LEVEL_FILLS.get(str(row["level"]), "")
        return [f"background-color:{colour}" if colour else ""] * len(row)

    return styler.apply(fill, axis=1).map(
        lambda v: f"color:{LEVEL_COLOURS[v]};font-weight:600" if v in LEVEL_COLOURS else "", subset=["level"])


def escaped_quotes(texts: pd.Series, limit: int = 5) -> str:
    """Feedback quotes as an HTML list, escaped, at most ``limit``."""
    items = "".join(f"<li>{html.escape(str(t))}</li>" for t in texts.dropna().head(limit))
    return f"<ul>{items}</ul>" if items else "<p><em>none</em></p>"

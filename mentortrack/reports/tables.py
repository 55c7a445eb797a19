"""Coloured, escaped HTML tables and KPI tiles for the reports.

Every text cell is HTML-escaped in the data before the table is styled
(:func:`mentortrack.reports.escape.html_frame`: ``<script>`` in feedback shows as text, whatever
``.format()`` a caller adds), and
every table goes through :func:`mentortrack.reports.privacy.mask_pii` first unless
``show_pii`` is set, so nothing here can leak a learner e-mail by accident.

One formatting rule for every table and tile (:func:`column_format`): rates as
percentages with one decimal, ratings with two decimals, counts as whole numbers
with thousands separators, dates as ``YYYY-MM-DD``, Yes/No for booleans, and human
column labels (:func:`label`). A table cut to its first rows says so
("Showing 50 of 104", :func:`first_rows`).
"""

from __future__ import annotations

import contextvars
import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from mentortrack.analytics.health import shown
from mentortrack.analytics.kpis import COUNT_KPIS, KPI_LABELS, RATES, format_rating, share_text
from mentortrack.analytics.standing import AT_RISK, HEALTHY, WATCH, WATCH_MARGIN
from mentortrack.reports import takeaway
from mentortrack.reports.escape import html_frame, html_text
from mentortrack.reports.privacy import mask_pii

LEVEL_FILLS = {"green": "#e8f5e9", "amber": "#fff8e1", "red": "#ffebee"}
"""Light cell backgrounds for the levels (text stays readable)."""
LEVEL_TEXT = {"green": "#1b5e20", "amber": "#7a4f00", "red": "#b71c1c"}
"""Text colours of the levels on their fills and on white: contrast 4.5:1 or more (WCAG 2.1 AA)."""
BAND_MARKS = {"red": "▼", "amber": "◆", "green": ""}
STANDING_LEVELS = {AT_RISK: "red", WATCH: "amber", HEALTHY: "green"}
"""The standing's band (:mod:`mentortrack.analytics.standing`) -> the health table's level."""
"""Symbol beside a health score of each band, so the band does not rest on colour alone."""

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
        return format_rating(value)
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


def change_text(table: pd.DataFrame, kpi: str, delta: float, min_sessions: int = 0, partial: str = "",
                count: bool | None = None) -> tuple[str, str]:
    """What a tile says under a value of a :func:`mentortrack.analytics.kpis.month_over_month` table, and its colour.

    A change is shown only when the previous month has sessions ("first month in the data" or
    "no sessions in <month>" otherwise), when both months have ``min_sessions`` sessions ("too few
    sessions to compare"), and, for counts (``count``; by default the count KPIs), when the month is
    complete: ``partial`` (e.g. "data through 9 Oct 2025: partial month") replaces a count's change,
    since part of a month has fewer sessions than a whole one. A change also says
    whether it is better or worse in words, not by colour alone; in a table with the change's 95 % interval
    (``change_low``, ``change_high``) a rate or rating whose interval holds 0 is "(unclear)", in grey (the tile
    says why on hover).
    """
    sessions, before = table.attrs.get("sessions"), table.attrs.get("previous_sessions")
    previous = table.attrs.get("previous_month", "previous")
    if before == 0:
        return ("first month in the data" if table.attrs.get("first_month") else f"no sessions in {previous}"), "#555"
    if partial and (kpi in COUNT_KPIS if count is None else count):  # the reason, even when it is also small
        return partial, "#555"
    if sessions is not None and before is not None and 0 < min(sessions, before) < min_sessions:
        return f"too few sessions to compare ({sessions} vs {before})", "#555"
    if delta is None or math.isnan(delta):
        return "no earlier period to compare", "#555"
    good = HIGHER_IS_BETTER.get(kpi)
    colour, verdict = "#555", ""
    low, high = _change_interval(table, kpi)
    judged = "change_low" in table and (kpi in RATES or kpi == "avg_rating")
    if good is not None and delta != 0 and judged and (math.isnan(low) or low <= 0 <= high):
        verdict = " (too few to tell)" if math.isnan(low) else f" ({UNCLEAR})"
    elif good is not None and delta != 0:
        better = (delta > 0) == good
        colour = LEVEL_TEXT["green"] if better else LEVEL_TEXT["red"]
        verdict = " (better)" if better else " (worse)"
    return f"{format_delta(kpi, delta)} vs {previous}{verdict}", colour


UNCLEAR = "unclear"
"""A change too small for its samples: its 95 % interval holds 0 (a short word, so a tile keeps one line)."""
UNCLEAR_WHY = "the 95 % interval of this change holds 0: it may be chance"


def _change_interval(table: pd.DataFrame, kpi: str) -> tuple[float, float]:
    """The 95 % interval of ``kpi``'s change in a table that carries one (``change_low``, ``change_high``);
    NaN where it has none."""
    if "change_low" not in table:
        return math.nan, math.nan
    row = table.loc[table["kpi"] == kpi]
    if row.empty or pd.isna(row["change_low"].iloc[0]):
        return math.nan, math.nan
    return float(row["change_low"].iloc[0]), float(row["change_high"].iloc[0])


def with_changes(table: pd.DataFrame, min_sessions: int = 0, partial: str = "") -> pd.DataFrame:
    """``table`` (a :func:`mentortrack.analytics.kpis.month_over_month` table) with the change as every page
    shows it: ``change`` is ``delta`` where :func:`change_text` shows one and empty where it does not, and
    ``no_change_because`` says why it does not, in the tiles' words ("first month in the data", "too few
    sessions to compare (16 vs 73)"; empty where a change is shown). The workbook and the tiles' data (CSV)
    read these columns, so no file shows a change a page refuses to show."""
    said = [change_text(table, kpi, delta, min_sessions, partial)[0] for kpi, delta in zip(table["kpi"], table["delta"])]
    shown = [pd.notna(delta) and text.startswith(f"{format_delta(kpi, delta)} vs ")
             for kpi, delta, text in zip(table["kpi"], table["delta"], said)]
    out = table.assign(change=table["delta"].where(shown),
                       no_change_because=["" if ok else text for ok, text in zip(shown, said)])
    out.attrs = dict(table.attrs)
    return out


def base_text(row: pd.Series) -> str:
    """The base a KPI's value stands on, said next to it: "89 of 108 non-rescheduled sessions" for a share,
    "over 53 rated sessions" for the average rating; empty for counts, minutes and a table without bases
    (``count``, ``base`` and ``base_label`` of :func:`mentortrack.analytics.kpis.with_shares`)."""
    if "base" not in row or pd.isna(row["base"]):
        return ""
    return share_text(str(row.name), row["count"], row["base"], row["base_label"])


def share_cell(kpi: str, value: float, count: int, base: int, noun: str = "") -> str:
    """A share in a table cell with its denominator, as the tiles say it: "91.0% · 61 of 67 sessions" ("91.0% · 61
    of 67" without ``noun``, where the header names it); "–" without a base."""
    if not base:
        return "–"
    return f"{format_value(kpi, value)} · {share_text(kpi, count, base, noun)}"


def kpi_tiles(table: pd.DataFrame, kpis: list[str], min_sessions: int = 0, partial: str = "") -> str:
    """HTML tiles for ``kpis`` from a :func:`mentortrack.analytics.kpis.month_over_month` table, each with
    the change :func:`change_text` allows."""
    rows = table.set_index("kpi")
    tiles = []
    for kpi in kpis:
        value = rows.at[kpi, "value"]
        change, colour = change_text(table, kpi, rows.at[kpi, "delta"], min_sessions, partial)
        base = base_text(rows.loc[kpi])
        tiles.append(
            f'<div style="flex:1 1 150px;border:1px solid #ddd;border-radius:8px;padding:8px 12px;margin:4px;'
            f'background:#fafafa"><div style="font-size:12px;color:#666">{html_text(KPI_LABELS.get(kpi, kpi))}</div>'
            f'<div style="display:flex;flex-wrap:wrap;align-items:center;column-gap:8px">'
            f'<span style="font-size:24px;font-weight:600;line-height:1.2">{format_value(kpi, value)}</span>'
            + (f'<span class="mt-base" style="flex:1 1 0;min-width:80px;font-size:11px;line-height:1.2;'
               f'color:#455a64">{html_text(base)}</span>' if base else "")
            + f'</div><div style="font-size:12px;color:{colour}"'
            + (f' title="{UNCLEAR_WHY}"' if change.endswith(f"({UNCLEAR})") else "")
            + f'>{html_text(change)}</div></div>')
    data = table[[c for c in ("kpi", "label", "value", "count", "base", "base_label", "previous", "change",
                              "no_change_because") if c in table]]
    link = takeaway.link(data[data["kpi"].isin(kpis)], "KPI tiles")
    return ('<div style="display:flex;flex-wrap:wrap">' + "".join(tiles) + "</div>"
            + (f'<p class="mt-datalink">{link}</p>' if link else ""))


COLUMN_LABELS = {
    **KPI_LABELS,
    "session_id": "Session", "session_date": "Date", "session_time": "Time", "mentor_name": "Mentor",
    "learner_id": "Learner", "learner_name": "Learner name", "learner_email": "Learner e-mail",
    "session_type": "Session type", "session_status": "Status", "program": "Program", "batch": "Batch",
    "age_cohort": "Age cohort", "level": "Level", "reasons": "Reasons", "rules": "Rules", "summary": "Summary",
    "learner_feedback": "Feedback", "sentiment": "Sentiment", "sentiment_confidence": "Confidence",
    "sentiment_mixed": "Mixed", "keywords": "Keywords", "themes": "Themes", "sessions": "Sessions",
    "completed": "Completed", "warning_rate": "Warning rate", "red": "Red sessions", "red_rate": "Red rate",
    "amber": "Amber sessions", "negative_feedback": "Negative feedback", "rank": "Rank",
    "eligible": "Ranked (enough sessions)", "rule": "Rule", "month": "Month", "post_session_rating": "Rating",
    "health_score": "Health", "health_at_risk": "At risk", "health_explanation": "Health, weakest parts",
    "score": "Health", "at_risk": "At risk", "explanation": "Weakest parts",
    "n": "n", "digest": "Digest", "kind": "Kind", "message": "Message", "column": "Column", "reason": "Reason",
    "source_row": "Row", "count": "Count", "share": "Share", "standard": "Standard", "published": "Published",
    "previous": "Previous month", "delta": "Change", "value": "Value", "kpi": "KPI",
    "interval": "95 % interval", "overall": "Whole program", "verdict": "Verdict", "grouping": "Grouping", "group": "Group",
    "cohort": "Cohort", "learners": "Learners", "repeat_rate": "Back to the same mentor",
    "ratings": "Ratings (oldest first)", "no_shows": "No-shows", "open_followups": "In the follow-up queue now",
    "median_days_since_last": "Days since last (median)", "quiet_after_bad": "Quiet after bad",
    "last_session": "Last session", "last_mentor": "Last mentor", "days_since_last": "Days since",
    "red_count": "Red sessions", "band": "Health band", "unranked_reason": "Why not ranked",
    "ranking_window": "Ranking window (sessions, rates, rank)", "health_month": "Health month",
    "note": "Rank vs health", "health_sessions": "Sessions this month", "missing": "Missing",
    "missing_rate": "Share missing",
    "macro_f1": "Macro F1", "accuracy": "Accuracy", "negative_precision": "Negative precision",
    "negative_recall": "Negative recall", "neutral_f1": "Neutral F1", "positive_f1": "Positive F1", "set": "Text set",
    "method": "Method",
    "theme": "Theme", "role": "Complaint, praise or mention", "line": "Count and quote", "points": "Points",
}
"""Display label of a column; others get their snake_case name in sentence case."""
HUMAN_LABELS = frozenset(COLUMN_LABELS.values())
"""Labels a column may already carry (a table made of labelled columns): kept as they are ("KPI", not "Kpi")."""

RATE_SUFFIXES = ("_rate", "_coverage", "_share", "confidence")
SCORE_COLUMNS = ("score", "health_score")
"""Columns holding a 0–100 health score, shown whole."""
RATING_WORDS = ("rating",)


def label(column: object) -> str:
    """Human label of a column name."""
    name = str(column)
    if name in ("True", "False"):  # a crosstab of a flag
        return "Yes" if name == "True" else "No"
    if name in HUMAN_LABELS or name[:1].isdigit():  # a month ("2025-10 (to 9 Oct)") is named as it is
        return name
    return COLUMN_LABELS.get(name, name.replace("_", " ").strip().capitalize())


def _is_rate(column: str) -> bool:
    return column.endswith(RATE_SUFFIXES) or column in {"accuracy", "macro_f1"} or column.endswith(
        ("_precision", "_recall", "_f1"))


def is_yes_no(values: pd.Series) -> bool:
    """True for a boolean column, or an object column whose values are all True/False (missing allowed)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    present = values.dropna()
    return values.dtype == object and len(present) > 0 and present.map(lambda v: isinstance(v, (bool, np.bool_))).all()


def column_kind(column: str, values: pd.Series, percent: list[str] | None = None) -> str | None:
    """How the suite shows a column: ``yesno``, ``date``, ``percent`` (shares 0–1), ``rating`` (two decimals),
    ``score`` (a 0–100 health score, whole), ``count`` (whole numbers), ``decimal`` (two decimals), or None for text. HTML tables
    (:func:`column_format`) and the Excel workbook (:mod:`mentortrack.reports.exports`) share it."""
    if is_yes_no(values):
        return "yesno"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not pd.api.types.is_numeric_dtype(values):
        return None
    if column in (percent or []) or _is_rate(column):
        return "percent"
    if column in SCORE_COLUMNS:
        return "score"
    if any(word in column for word in RATING_WORDS) and column not in COUNT_KPIS:
        return "rating"
    numbers = values.dropna().astype(float)
    if pd.api.types.is_integer_dtype(values) or column in COUNT_KPIS or (len(numbers) and (numbers % 1 == 0).all()):
        return "count"
    return "decimal"


CELL_FORMATS = {"yesno": lambda v: "Yes" if v else "No", "date": lambda v: v.strftime("%Y-%m-%d"),
                "percent": lambda v: f"{v:.1%}", "rating": lambda v: f"{v:.2f}", "count": lambda v: f"{v:,.0f}",
                "score": lambda v: f"{v:.0f}",
                "decimal": lambda v: f"{v:,.2f}"}
"""Text of a present value of each :func:`column_kind` (missing values show as "–")."""


def column_format(column: str, values: pd.Series, percent: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The formatter of one column under the suite's rule (see the module docstring), or None for text."""
    kind = column_kind(column, values, percent)
    if kind is None:
        return None
    shown = CELL_FORMATS[kind]
    return lambda v: "–" if v is None or (not isinstance(v, (bool, np.bool_)) and pd.isna(v)) else shown(v)


def first_rows(frame: pd.DataFrame, limit: int, what: str = "rows") -> tuple[pd.DataFrame, str]:
    """The first ``limit`` rows and a caption part saying so when the table is cut."""
    if len(frame) <= limit:
        return frame, f"{len(frame):,} {what}"
    return frame.head(limit), f"Showing {limit:,} of {len(frame):,} {what}"


def styled(frame: pd.DataFrame, show_pii: bool | None = None, percent: list[str] | None = None,
           caption: str | None = None, links: dict[str, dict[str, str]] | None = None) -> Styler:
    """A Styler with escaped text, PII masked, hidden index, the suite's number formats and human headers.

    ``percent`` names columns to show as % beyond the rule's own (``*_rate``, ``*_coverage``...).
    ``links`` maps a column to {cell value: relative URL}: those cells become links (text and URL escaped).
    """
    masked = mask_pii(frame, show_pii)
    if not masked.index.is_unique:  # a concatenation of tables: the index is hidden, cell styles need it unique
        masked = masked.reset_index(drop=True)
    formats = {c: f for c in masked.columns if (f := column_format(str(c), masked[c], percent)) is not None}
    for column, targets in (links or {}).items():
        formats[column] = _linker(targets)
    # The cells are escaped in the data itself, so a later .format() of any column (a caller's number
    # format) cannot put a raw value back: the only formatter that adds markup is the linker's.
    styler = html_frame(masked).style.format(formats, na_rep="–")
    styler = styler.format_index(lambda c: html_text(label(c)), axis="columns")
    styler = styler.hide(axis="index")
    styler = styler.set_table_styles([
        {"selector": "th", "props": "background:#37474f;color:white;text-align:left;padding:4px 8px"},
        {"selector": "td", "props": "padding:3px 8px;border-bottom:1px solid #eee;text-align:left"},
    ])
    styler = _layout(styler, masked, percent)
    link = takeaway.link(frame, caption or "table", show_pii)
    if caption or link:
        styler = styler.set_caption(html_text(caption or "") + (" " + link if link else ""))
    return styler


LONG_TEXT = 60
"""A text column with a cell longer than this many characters gets room to read (``min-width``)."""
NAME_COLUMNS = ("mentor_name", "Mentor", "mentor")
SHORT_NAME = 30
"""Names of at most this many characters stay on one line ("Mentor D", not "Mentor" over "D")."""


def _short(names: pd.Series) -> bool:
    """Whether every name of a column is at most :data:`SHORT_NAME` characters long (an empty column is not)."""
    lengths = names.astype("string").str.len().dropna()
    return bool(len(lengths)) and int(lengths.max()) <= SHORT_NAME


def _layout(styler: Styler, frame: pd.DataFrame, percent: list[str] | None = None) -> Styler:
    """Cells sized to their content: dates, numbers, flags and IDs on one line (``nowrap``), long texts
    (summaries, feedback) wide enough to read instead of squeezed, in a table the page shows full width."""
    short = [c for c in frame.columns if column_kind(str(c), frame[c], percent) is not None
             or str(c).endswith(("_id", "_date", "month"))
             or (str(c) in NAME_COLUMNS and _short(frame[c]))]
    if short:
        styler = styler.set_properties(subset=short, **{"white-space": "nowrap"})
    lengths = {c: frame[c].astype("string").str.len().max() for c in frame.columns if c not in short}
    long = [c for c, n in lengths.items() if pd.notna(n) and n > LONG_TEXT]
    if long:
        styler = styler.set_properties(subset=long, **{"min-width": "18em", "max-width": "48em"})
        styler = styler.set_table_attributes('class="mt-wide"')  # the page gives it the full width
    return styler


def _linker(targets: dict[str, str]):  # type: ignore[no-untyped-def]
    """A cell formatter for Styler: the cells are escaped before they reach the formatter
    (:func:`mentortrack.reports.escape.html_frame`), so the targets are looked up by their escaped
    text and the URL is escaped here."""
    escaped = {html_text(value): html_text(url) for value, url in targets.items()}
    return lambda v: f'<a href="{escaped[v]}">{v}</a>' if v in escaped else ("–" if pd.isna(v) else v)


def level_table(frame: pd.DataFrame, show_pii: bool | None = None, caption: str | None = None) -> Styler:
    """A session table whose rows are filled by their ``level`` (green/amber/red)."""
    styler = styled(frame, show_pii, caption=caption)
    if "level" not in frame:
        return styler

    def fill(row: pd.Series) -> list[str]:
        colour = LEVEL_FILLS.get(str(row["level"]), "")
        return [f"background-color:{colour}" if colour else ""] * len(row)

    return styler.apply(fill, axis=1).map(
        lambda v: f"color:{LEVEL_TEXT[v]};font-weight:600" if v in LEVEL_TEXT else "", subset=["level"])


def health_band(value: float, threshold: float) -> str:
    """``red`` below ``threshold``, ``amber`` within :data:`~mentortrack.analytics.standing.WATCH_MARGIN`
    points above it (the standing's ``watch`` band), ``green`` above that; the score compared as shown, in
    whole points (as the standing compares it)."""
    value = shown(value)
    return "red" if value < threshold else "amber" if value < threshold + WATCH_MARGIN else "green"


def health_table(frame: pd.DataFrame, threshold: float, caption: str | None = None) -> Styler:
    """Mentor health scores (columns ``score`` or ``health_score``, or months of a trend) coloured by band
    and marked with the band's symbol (▼ red, ◆ amber), which the caption explains.

    A frame with the standing's ``band`` column (``at risk``, ``watch``, ``healthy``) is coloured and marked by
    it, so a mentor watched for red sessions at a score of 77 carries ◆; months of a trend by
    :func:`health_band` of the score."""
    frame = frame.reset_index(drop=True)
    numeric = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c]) and
               (str(c) in ("score", "health_score") or str(c)[:4].isdigit())]
    levels = frame["band"].map(STANDING_LEVELS) if "band" in frame.columns else None

    def level(value: object, row: object) -> str:
        if not isinstance(value, float) or math.isnan(value):
            return ""
        given = levels.get(row) if levels is not None else None
        return given if isinstance(given, str) else health_band(value, threshold)

    def css(column: pd.Series) -> list[str]:
        return [f"background-color:{LEVEL_FILLS[lv]};color:{LEVEL_TEXT[lv]};font-weight:600" if lv else ""
                for lv in (level(v, i) for i, v in column.items())]

    shown = frame.copy()
    for column in numeric:
        shown[column] = [f"{BAND_MARKS[lv]} {v:.0f}".strip() if lv else "–"
                         for lv, v in ((level(v, i), v) for i, v in frame[column].items())]
    key = (f"▼ below {threshold:g} (at risk), ◆ {threshold:g} to below {threshold + WATCH_MARGIN:g}"
           + (" or watched for red sessions" if levels is not None else ""))
    styler = styled(shown, caption=f"{caption} ({key})" if caption else key)
    if not numeric:
        return styler
    colours = pd.DataFrame({c: css(frame[c]) for c in numeric}, index=frame.index)
    return styler.apply(lambda _: colours, axis=None, subset=numeric)


def comparison_table(compared: pd.DataFrame) -> pd.DataFrame:
    """:func:`mentortrack.analytics.comparisons.compare` output as people read it: KPI labels, each value and
    interval in its KPI's unit (rates in %, the rating in points), the verdict."""
    group = compared.columns[0]

    def shown(column: str) -> list[str]:
        return [format_value(k, v) for k, v in zip(compared["kpi"], compared[column])]

    return pd.DataFrame({
        group: compared[group].astype(str), "kpi": compared["kpi"].map(KPI_LABELS).fillna(compared["kpi"]),
        "sessions": compared["sessions"], "n": compared["n"], "value": shown("value"),
        "interval": [f"{lo} – {hi}" if lo != "–" else "–" for lo, hi in zip(shown("low"), shown("high"))],
        "overall": shown("overall"), "verdict": compared["verdict"]})


def side_by_side(parts: list[str], columns: int = 2) -> str:
    """HTML blocks (tables, chart images) in a responsive grid: one column on narrow screens and in print."""
    cells = "".join(f'<div class="mt-cell" style="overflow-x:auto">{part}</div>' for part in parts)
    return (f'<div class="mt-grid" style="display:grid;grid-template-columns:repeat({columns},minmax(0,1fr));'
            f'gap:12px;align-items:start">{cells}</div>')


def escaped_quotes(texts: pd.Series, limit: int = 5) -> str:
    """Feedback quotes as an HTML list, escaped, at most ``limit``."""
    items = "".join(f"<li>{html_text(t)}</li>" for t in texts.dropna().head(limit))
    return f"<ul>{items}</ul>" if items else "<p><em>none</em></p>"


def kpi_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """A KPI table (one row per KPI; columns of values in that KPI's unit, ``delta`` a change) as text
    formatted per row with :func:`format_value` / :func:`format_delta`, under human labels."""
    shown = pd.DataFrame(index=table.index)
    for column in table.columns:
        formatter = format_delta if column == "delta" else format_value
        shown[label(column)] = [formatter(kpi, value) for kpi, value in table[column].items()]
    shown.index = [KPI_LABELS.get(k, k) for k in table.index]
    return shown.rename_axis("KPI").reset_index()


_DATATABLES_LOADED: contextvars.ContextVar[bool] = contextvars.ContextVar("mentortrack_datatables_loaded",
                                                                        default=False)
"""Whether this context's page already embeds the DataTables bundle (it is embedded once per page)."""
INTERACTIVE_PAGE_LENGTH = 25


def new_page() -> None:
    """Start a new page in this context: its first :func:`interactive` table embeds the DataTables bundle."""
    _DATATABLES_LOADED.set(False)


@functools.cache
def _datatables_loader() -> str:
    """A script that loads ITables' offline DataTables bundle once per page (no network)."""
    import base64

    from itables import options

    bundle = Path(options.dt_bundle)
    js = base64.b64encode(bundle.read_bytes()).decode("ascii")
    css = base64.b64encode(bundle.with_suffix(".css").read_bytes()).decode("ascii")
    return ('<script type="module">if (!window.mentortrackDataTables) {'
            f'const css = document.createElement("style"); css.textContent = atob("{css}");'
            'document.head.appendChild(css);'
            f'const url = URL.createObjectURL(new Blob([atob("{js}")], {{type: "application/javascript"}}));'
            'window.mentortrackDataTables = import(url);}</script>')


def interactive(frame: pd.DataFrame, show_pii: bool | None = None, caption: str | None = None,
                levels: bool = False, links: dict[str, dict[str, str]] | None = None) -> str:
    """A long table as HTML: every row, escaped and formatted like :func:`styled` (coloured by level if
    ``levels``), made sortable, searchable and paginated by DataTables (the bundle ITables ships,
    embedded once per page). Without JavaScript it is the plain, complete table."""
    import uuid

    table_id = f"mt{uuid.uuid4().hex[:10]}"
    styler = level_table(frame, show_pii, caption) if levels else styled(frame, show_pii, caption=caption, links=links)
    html_table = styler.set_uuid(table_id).to_html()
    loader = "" if _DATATABLES_LOADED.get() else _datatables_loader()
    _DATATABLES_LOADED.set(True)
    enhance = ('<script type="module">const dt = await window.mentortrackDataTables;'
               f'new dt.default(document.getElementById("T_{table_id}"), {{pageLength: {INTERACTIVE_PAGE_LENGTH}, '
               'order: [], autoWidth: false, lengthMenu: [10, 25, 100, -1]});</script>')
    return loader + f'<div class="mt-interactive">{html_table}</div>' + enhance

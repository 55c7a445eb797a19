"""The report's landing page (``index.html``): the month's headline, then links to every page and file.

The headline has five figures, each with its change against the previous month where
one exists (the rules of :func:`mentortrack.reports.tables.change_text`: none against a
month without data, between months too small to compare, or for counts of a partial month):

==================  ==================================================================
figure              definition
==================  ==================================================================
Sessions            ``total_sessions`` of the month
Completion rate     completed / (completed + no-show + cancelled)
Average rating      ratings of completed sessions / completed sessions with a rating
Red sessions        sessions of the month at the red early-warning level
Mentors at risk     mentors whose health score of the month is below ``health.threshold``; under it, the
                    mentors to watch (band ``watch``: near the threshold, or a quarter of their
                    sessions red), named as on the dashboard (:func:`watch_text`)
==================  ==================================================================
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.analytics.health import scored_mentors
from mentortrack.analytics.kpis import KPI_LABELS, previous_month
from mentortrack.analytics.standing import AT_RISK, watched
from mentortrack.config import ReportSettings
from mentortrack.reports.context import ALL_MONTHS, ReportContext
from mentortrack.reports.notebook_run import page_title
from mentortrack.reports.shared_tables import SharedTables
from mentortrack.reports.tables import LEVEL_TEXT, base_text, change_text, format_value
from mentortrack.wording import plural

HEADLINE_KPIS = ("total_sessions", "completion_rate", "avg_rating")
WATCH_NAMES = 3
"""Mentors to watch the at-risk figure names at most (the others are counted)."""


def watch_text(standing: pd.DataFrame, window_label: str = "") -> str:
    """The mentors to watch under the at-risk figure, lowest score first, as the dashboard lists them:
    "1 to watch: Mentor D", "5 to watch: Mentor D, Mentor B, Mentor K and 2 more", "none to watch".

    With ``window_label`` (the ranking window, given when it spans more than the report month) the list says
    over what it was judged, and a mentor without sessions this month, who has no page in this report, is
    marked: "1 to watch over Sep 2025 – 9 Oct 2025: Mentor D (no sessions this month)"."""
    rows = watched(standing)
    if rows.empty:
        return "none to watch"
    names = [f"{name} (no sessions this month)" if sessions == 0 else str(name)
             for name, sessions in rows["health_sessions"].items()]
    more = f" and {len(names) - WATCH_NAMES:,} more" if len(names) > WATCH_NAMES else ""
    over = f" over {window_label}" if window_label else ""
    return f"{len(names):,} to watch{over}: {', '.join(names[:WATCH_NAMES])}{more}"


def watch_line(ctx: ReportContext, standing: pd.DataFrame) -> str:
    """:func:`watch_text` of the run's ``standing``, naming the ranking window when it reaches before the report
    month: the one wording of "to watch" on the index and in the PM digest."""
    months = ctx.settings.warnings.mentors.window_months
    earlier = ctx.month != ALL_MONTHS and bool((ctx.window(months)["month"] < ctx.month).any())
    return watch_text(standing, ctx.window_label(months) if earlier else "")


def headline(ctx: ReportContext, tables: SharedTables, min_sessions: int) -> list[dict[str, str]]:
    """The five headline figures: ``label``, ``value`` and ``change`` (text) with its ``colour``."""
    kpis = tables.kpis
    rows = kpis.set_index("kpi")
    items = []
    for kpi in HEADLINE_KPIS:
        change, colour = change_text(kpis, kpi, rows.at[kpi, "delta"], min_sessions, ctx.partial_note)
        items.append({"label": "Sessions" if kpi == "total_sessions" else KPI_LABELS[kpi],
                      "value": format_value(kpi, rows.at[kpi, "value"]), "base": base_text(rows.loc[kpi]),
                      "change": change, "colour": colour})
    red_now = int((ctx.scope["level"].astype("string") == "red").sum())
    at_risk_now = int((tables.standing["band"] == AT_RISK).sum())
    if ctx.month == ALL_MONTHS:
        red_before = at_risk_before = math.nan
    else:
        before = previous_month(ctx.month)
        history = ctx.history
        red_before = int(((history["month"] == before) & (history["level"].astype("string") == "red")).sum())
        at_risk_before = int(tables.health.loc[tables.health["month"] == before, "at_risk"].sum())
    count = scored_mentors(tables.health, ctx.until())[0]
    needed = ctx.settings.warnings.health.min_sessions
    scored = (f"of {count:,} with a score" if count else  # never "0 of 0": no score is not "none at risk"
              f"no mentor has a health score yet (a score needs {needed} completed sessions in the month)")
    watch = f"{scored}; {watch_line(ctx, tables.standing)}"
    for label, now, then, base in (("Red sessions", red_now, red_before, f"of {plural(len(ctx.scope), 'session')}"),
                                   ("Mentors at risk", at_risk_now, at_risk_before, watch)):
        change, colour = change_text(kpis, "total_sessions", now - then, min_sessions, ctx.partial_note, count=True)
        compared = change.endswith(f"vs {kpis.attrs.get('previous_month')}")
        if label == "Mentors at risk" and not count:
            items.append({"label": label, "value": "–", "base": base, "colour": "#555",
                          "change": "no score to compare" if compared else change})
            continue
        if compared and now != then:  # fewer is better
            colour = LEVEL_TEXT["red"] if now > then else LEVEL_TEXT["green"]
            change += " (worse)" if now > then else " (better)"
        items.append({"label": label, "value": f"{now:,}", "base": base, "change": change, "colour": colour})
    return items


def write_index(folder: Path, ctx: ReportContext, tables: SharedTables, settings: ReportSettings,
                counts: dict[str, Any]) -> Path:
    """Write ``folder/index.html``: title, headline, reports, mentor pages and files."""
    from mentortrack.reports.mentor_pages import page_links

    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "exports").rglob("*") if p.is_file())
    files += ["quarantine.csv", "data_quality_warnings.csv", "enriched.parquet"]
    page = env.get_template("index.html.j2").render(
        title=page_title(settings.title, ctx.period), notebooks=settings.notebooks, files=files,
        counts=counts, counts_said={k: f"{v:,}" for k, v in counts.items() if isinstance(v, int)},
        data_label=ctx.data_label, generated=time.strftime("%Y-%m-%d %H:%M"),
        mentor_pages=page_links(folder), headline=headline(ctx, tables, settings.compare_min_sessions),
        partial=ctx.partial_note)
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

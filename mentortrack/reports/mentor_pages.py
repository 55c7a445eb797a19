"""A page per mentor for the month, safe to forward to that mentor.

``make report`` writes ``mentors/<name>.html`` in the month's folder for every mentor with
sessions in the month, and ``mentors/pages.json`` (mentor name -> file) that the index and
the ranking table of the early-warnings report link from. A page holds:

- the mentor's KPIs of the month beside the program's, with n and a 95 % interval, and a
  verdict only where the interval lies wholly above or below the program
  (:func:`mentortrack.analytics.comparisons.compare`);
- the health score of the month with its explanation and the trend of the last
  ``health.trend_months`` months, and the rating trend (n per point);
- what learners praise and complain about over the ranking window (``mentors.window_months``):
  the most frequent phrases of positive and of negative feedback, and the latest quotes;
- the month's red sessions with their reasons, and the follow-ups open at the month's last
  day (:mod:`mentortrack.analytics.open_followups`).

Nothing on it names another mentor, and learners appear by ID only: names and e-mails are
left out whatever ``--show-pii`` says. Every text from the data is escaped.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.analytics.comparisons import COMPARED, compare
from mentortrack.analytics.health import health_scores, health_trend, month_scores
from mentortrack.analytics.keywords import themes
from mentortrack.analytics.kpis import KPI_LABELS
from mentortrack.analytics.open_followups import needing_followup
from mentortrack.analytics.pairs import report_pairs
from mentortrack.analytics.safeguarding import withhold_from_mentor
from mentortrack.config import load_parameters
from mentortrack.reports import charts
from mentortrack.reports.context import ALL_MONTHS, ReportContext
from mentortrack.reports.storage import read_enriched
from mentortrack.reports.tables import format_value
from mentortrack.reports.targets import target_lines
from mentortrack.safe_paths import safe_name, writing

PAGES_DIR = "mentors"
CONTENTS = "pages.json"
QUOTES = 3
PAGE_DPI = 110
"""Chart resolution on the pages (pixels per inch; the reports use 160): half the time to draw."""


def page_names(mentors: pd.Series) -> dict[str, str]:
    """Mentor name -> page file name (safe, unique, stable for the same set of names)."""
    used: set[str] = set()
    return {name: f"{safe_name(name, used)}.html" for name in sorted(mentors.dropna().astype(str).unique())}


def write_contents(folder: Path, scope: pd.DataFrame) -> dict[str, str]:
    """Write ``folder/mentors/pages.json``: the pages the month's mentors will get (before they are written,
    so that reports rendered at the same time can link them)."""
    names = page_names(scope["mentor_name"])
    out = folder / PAGES_DIR
    out.mkdir(parents=True, exist_ok=True)
    with writing(out / CONTENTS):
        (out / CONTENTS).write_text(json.dumps(names, indent=1, ensure_ascii=False), encoding="utf-8")
    return names


def page_links(report_folder: str | Path) -> dict[str, str]:
    """Mentor name -> link relative to the report folder, for the pages written there (empty if none)."""
    contents = Path(report_folder) / PAGES_DIR / CONTENTS
    if not contents.exists():
        return {}
    return {name: f"{PAGES_DIR}/{file}" for name, file in json.loads(contents.read_text(encoding="utf-8")).items()}


def mentor_facts(ctx: ReportContext, mentor: str, current: pd.DataFrame, trend: pd.DataFrame,
                 compared: pd.DataFrame, followups: pd.DataFrame, warnings: dict[str, Any]) -> dict[str, Any]:
    """Everything one page says, as plain values and chart images (the template only lays it out).

    ``current`` and ``trend`` are :func:`month_scores` and :func:`health_trend` of the report month,
    ``compared`` is :func:`compare` of the month's sessions by ``mentor``, ``followups`` is
    :func:`needing_followup` at the month's last day: computed once for all pages.
    """
    history = ctx.history[ctx.history["mentor_name"] == mentor]
    scope = ctx.scope[ctx.scope["mentor_name"] == mentor]
    window = ctx.window(warnings["mentors"]["window_months"])
    window = window[window["mentor_name"] == mentor]
    until = ctx.until()
    settings = warnings["health"]
    score = current.loc[mentor] if mentor in current.index else None
    trend = trend.loc[[mentor]] if mentor in trend.index else trend.iloc[0:0]
    mine = compared[compared["mentor"].astype(str) == mentor]
    kpis = [{"label": KPI_LABELS[r.kpi], "value": format_value(r.kpi, r.value), "n": int(r.n),
             "interval": "–" if pd.isna(r.low) else f"{format_value(r.kpi, r.low)} – {format_value(r.kpi, r.high)}",
             "program": format_value(r.kpi, r.overall), "verdict": r.verdict} for r in mine.itertuples()]
    followups = followups[followups["mentor_name"] == mentor]
    red = scope[scope["level"].astype("string") == "red"].sort_values("session_date", ascending=False)
    with_text = window[window["learner_feedback"].fillna("").str.strip() != ""].sort_values("session_date",
                                                                                            ascending=False)
    return {
        "mentor": mentor, "sessions": len(scope), "completed": int((scope["session_status"] == "Completed").sum()),
        "kpis": kpis,
        "score": None if score is None or pd.isna(score["score"]) else float(score["score"]),
        "at_risk": bool(score is not None and score["at_risk"]),
        "explanation": None if score is None else str(score["explanation"]).split(": ", 1)[-1],
        "threshold": float(settings["threshold"]),
        "health_chart": charts.image_html(charts.health_trend(trend, float(settings["threshold"]),
                                                              "Health score by month"), "100%", PAGE_DPI),
        "rating_chart": charts.image_html(charts.rating_trend(history, until, "Average rating by month",
                                                             load_parameters("report")["targets"]["avg_rating"]),
                                          "100%", PAGE_DPI),
        "window_label": ctx.window_label(warnings["mentors"]["window_months"]),
        "praise": _themes(window, "Positive"), "complaints": _themes(window, "Negative"),
        "praise_quotes": _quotes(with_text, "Positive"), "complaint_quotes": _quotes(with_text, "Negative"),
        "red": [_session(r) for r in red.itertuples()],
        "followups": [_session(r) for r in followups.itertuples()],
    }


def _themes(window: pd.DataFrame, sentiment: str) -> list[str]:
    found = themes(window, "mentor_name", sentiment=sentiment)
    return [] if found.empty else str(found["themes"].iloc[0]).split("; ")


def _quotes(with_text: pd.DataFrame, sentiment: str) -> list[str]:
    texts = with_text[with_text["sentiment"].astype("string") == sentiment]["learner_feedback"].str.strip()
    return texts.drop_duplicates().head(QUOTES).tolist()


def _session(row: Any) -> dict[str, str]:
    return {"session_id": str(row.session_id), "date": f"{row.session_date:%Y-%m-%d}", "learner_id": str(row.learner_id),
            "session_type": str(row.session_type), "reasons": str(row.reasons)}


def write_mentor_pages(folder: Path, month: str, data_label: str) -> list[Path]:
    """Write the page of every mentor listed in ``folder/mentors/pages.json`` (:func:`write_contents`)
    from ``folder/enriched.parquet``; returns the pages written."""
    history = withhold_from_mentor(read_enriched(folder / "enriched.parquet")).drop(
        columns=["learner_name", "learner_email"], errors="ignore")
    scope = history if month == ALL_MONTHS else history[history["month"] == month]
    ctx = ReportContext(history=history, scope=scope, month=month, data_label=data_label, output_dir=folder)
    warnings = load_parameters("warnings")
    followups = needing_followup(history, ctx.last_day, load_parameters("lifecycle")["followups"])
    health = health_scores(history, warnings)
    current = month_scores(health, ctx.until())
    trend = health_trend(health, ctx.until(), int(warnings["health"]["trend_months"]))
    compared = compare(scope, "mentor", COMPARED)
    out = folder / PAGES_DIR
    names = json.loads((out / CONTENTS).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    template = env.get_template("mentor_page.html.j2")
    generated, data_through = time.strftime("%Y-%m-%d %H:%M"), f"{history['session_date'].max():%Y-%m-%d}"
    written = []
    pairs = report_pairs(folder, history, ctx.last_day)
    targets = load_parameters("report")["targets"]
    for mentor, file in names.items():
        facts = mentor_facts(ctx, mentor, current, trend, compared, followups, warnings)
        mine = pairs[pairs["mentor_name"] == mentor].assign(last_session=lambda t: t["last_session"].dt.strftime("%Y-%m-%d"))
        facts["pairs"] = mine.astype(object).where(mine.notna(), None).to_dict("records")
        facts["targets"] = target_lines(ctx.scope[ctx.scope["mentor_name"] == mentor], targets)
        page = template.render(**facts, period=ctx.period, generated=generated, data_through=data_through,
                               data_label=data_label, followups_as_of=f"{ctx.last_day:%Y-%m-%d}")
        with writing(out / file):
            (out / file).write_text(page, encoding="utf-8")
        written.append(out / file)
    return written

"""A page per mentor for the month, safe to forward to that mentor.

``make report`` writes ``mentors/<name>.html`` in the month's folder for every mentor with
sessions in the month, and ``mentors/pages.json`` (mentor name -> file) that the index and
the ranking table of the early-warnings report link from. A page holds:

- the mentor's KPIs of the month beside the program's, with n and a 95 % interval on the KPI's
  scale, and a verdict only where the interval lies wholly above or below the program
  (:func:`mentortrack.analytics.comparisons.compare`);
- the mentor's standing (:mod:`mentortrack.analytics.standing`): health score and band of the
  month with its explanation, rank over the window or why there is none, and why rank and band
  differ when they do; the health and rating trends once there are two months to join (a
  sentence before that);
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
from typing import Any, NamedTuple

import jinja2
import pandas as pd

from mentortrack.analytics.health import NOTHING_BELOW
from mentortrack.analytics.kpis import KPI_LABELS, format_rating
from mentortrack.analytics.safeguarding import withhold_from_mentor
from mentortrack.analytics.standing import (
    MIN_RANKED,
    WATCH_LOW_RATING,
    WATCH_MARGIN,
    WATCH_MIN_RATED,
    WATCH_MIN_RED,
    WATCH_MIN_SESSIONS,
    WATCH_RED_SHARE,
)
from mentortrack.analytics.themes import describe, theme_counts
from mentortrack.reports import charts, takeaway
from mentortrack.reports.context import ReportContext
from mentortrack.reports.shared_tables import SharedTables
from mentortrack.reports.tables import HIGHER_IS_BETTER, format_value
from mentortrack.reports.targets import target_lines
from mentortrack.safe_paths import safe_name, writing
from mentortrack.wording import plural

PAGES_DIR = "mentors"
CONTENTS = "pages.json"
QUOTES = 3
THEMES = 5
"""Praise and complaint themes shown per page at most."""
PAGE_CHART = (5.6, 3.4)
"""Chart size on the pages (inches): about the width of a column of the page's grid, so text stays full size."""


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


class MentorRows(NamedTuple):
    """One mentor's sessions: of every month (``history``), of the report month (``scope``) and of the ranking
    window (``window``)."""

    history: pd.DataFrame
    scope: pd.DataFrame
    window: pd.DataFrame


def mentor_rows(ctx: ReportContext) -> dict[str, MentorRows]:
    """:class:`MentorRows` of every mentor of ``ctx.history``, each frame split by mentor once (not filtered again
    for every page)."""
    window = ctx.window(ctx.settings.warnings.mentors.window_months)
    parts = [{str(name): rows for name, rows in frame.groupby("mentor_name", observed=True, sort=False)}
             for frame in (ctx.history, ctx.scope, window)]
    empty = [frame.iloc[0:0] for frame in (ctx.history, ctx.scope, window)]
    return {mentor: MentorRows(*(part.get(mentor, none) for part, none in zip(parts, empty))) for mentor in parts[0]}


def mentor_facts(ctx: ReportContext, mentor: str, tables: SharedTables,
                 themes: dict[str, pd.DataFrame] | None = None, rows: MentorRows | None = None) -> dict[str, Any]:
    """Everything one page says, as plain values and chart images (the template only lays it out).

    The mentor's standing, health trend, comparison with the program and open follow-ups come
    from the run's shared ``tables`` (computed once for all pages and reports); the ranking window,
    health threshold and rating target from ``ctx.settings``; ``themes`` are :func:`window_themes` of
    every mentor (computed here for this mentor when not given); ``rows`` the mentor's :class:`MentorRows`
    (selected here when not given).
    """
    months = ctx.settings.warnings.mentors.window_months
    if rows is None:
        rows = MentorRows(*(frame[frame["mentor_name"] == mentor]
                            for frame in (ctx.history, ctx.scope, ctx.window(months))))
    history, scope, window = rows
    themes = themes if themes is not None else window_themes(window)
    until, through = ctx.until(), ctx.data_through
    settings = ctx.settings.warnings.health
    standing = tables.standing.loc[mentor] if mentor in tables.standing.index else None
    trend = tables.trend.loc[[mentor]] if mentor in tables.trend.index else tables.trend.iloc[0:0]
    compared = tables.compared["mentor"]
    mine = compared[compared["mentor"].astype(str) == mentor]
    kpis = [{"label": KPI_LABELS[r.kpi], "value": format_value(r.kpi, r.value), "n": int(r.n),
             "interval": "–" if pd.isna(r.low) else f"{format_value(r.kpi, r.low)} – {format_value(r.kpi, r.high)}",
             "program": format_value(r.kpi, r.overall), "verdict": r.verdict,
             "tone": _tone(r.kpi, r.verdict)} for r in mine.itertuples()]
    followups = tables.followups[tables.followups["mentor_name"] == mentor]
    red = scope[scope["level"].astype("string") == "red"].sort_values("session_date", ascending=False)
    with_text = window[window["learner_feedback"].fillna("").str.strip() != ""].sort_values("session_date",
                                                                                            ascending=False)
    red_rows = [_session(r) for r in red[SESSION_FIELDS].itertuples()]
    followup_rows = [_session(r) for r in followups[SESSION_FIELDS].itertuples()]
    score = None if standing is None or pd.isna(standing["health_score"]) else float(standing["health_score"])
    scored_months = int(trend.notna().to_numpy().sum())  # months this mentor has a health score in
    rated_months = history.loc[(history["month"] <= until) & history["post_session_rating"].notna(), "month"].nunique()
    return {
        "mentor": mentor, "sessions": len(scope), "sessions_said": plural(len(scope), "session"), "completed": int((scope["session_status"] == "Completed").sum()),
        "kpis": kpis, "score": score,
        "at_risk": bool(standing is not None and standing["health_at_risk"]),
        "missing": _text(standing, "health_missing"),
        "weakest": weakest_sentence(_text(standing, "health_weakest")),
        "band_key": band_key(settings.threshold),
        "band": None if standing is None else str(standing["band"]),
        "watch_reason": "" if standing is None else str(standing["watch_reason"]),
        "rank": "" if standing is None else rank_sentence(standing, ctx.window_label(months)),
        "note": "" if standing is None else str(standing["note"]),
        "threshold": settings.threshold,
        "health_chart": charts.image_html(charts.health_trend(trend, settings.threshold,
                                                              "Health score by month", PAGE_CHART, through), "100%")
        if scored_months > 1 else None,
        "scored_months": scored_months,
        "rating_chart": charts.image_html(charts.rating_trend(history, until, "Average rating by month", PAGE_CHART,
                                                             target=ctx.settings.report.targets.avg_rating,
                                                             through=through),
                                          "100%") if rated_months > 1 else None,
        "window_label": ctx.window_label(months), "partial": ctx.partial_note,
        "praise": _themes(themes["Positive"], mentor), "complaints": _themes(themes["Negative"], mentor),
        "praise_quotes": _quotes(with_text, "Positive", themes["Positive"], mentor),
        "complaint_quotes": _quotes(with_text, "Negative", themes["Negative"], mentor),
        "red": red_rows,
        "followups": followup_rows,
        "kpi_link": takeaway.link(mine.drop(columns=["mentor"]), f"KPIs {mentor}"),
        "red_link": takeaway.link(pd.DataFrame(red_rows), f"Red sessions {mentor}"),
        "followups_link": takeaway.link(pd.DataFrame(followup_rows), f"Open follow-ups {mentor}"),
    }


def band_key(threshold: float) -> str:
    """What the health marks mean, with the standing's rules (:mod:`mentortrack.analytics.standing`):
    "▼ at risk: health below 40; ◆ watch: health 40 to below 60, or, whatever the health, at least 25% of the
    sessions in the ranking window red (from 8 sessions and 3 red on) or an average rating below 3.00 there (from
    5 ratings on)."; ``threshold`` is ``health.threshold`` (0–100)."""
    return (f"▼ at risk: health below {threshold:g}; ◆ watch: health {threshold:g} to below {threshold + WATCH_MARGIN:g}, "
            f"or, whatever the health, at least {WATCH_RED_SHARE:.0%} of the sessions in the ranking window red (from "
            f"{WATCH_MIN_SESSIONS} sessions and {WATCH_MIN_RED} red on) or an average rating below "
            f"{format_rating(WATCH_LOW_RATING)} there (from {WATCH_MIN_RATED} ratings on).")


def rank_sentence(standing: pd.Series, window_label: str) -> str:
    """What a mentor's rank says, from their row of :func:`mentortrack.analytics.standing.mentor_standing`:
    "Rank 2 of 2 ranked mentors over Sep 2025 (1 = lowest share of sessions red, then highest rating). With fewer
    than 5 ranked mentors no bottom is named: the rank only orders these 2.", whether the mentor is in the named
    bottom once :data:`~mentortrack.analytics.standing.MIN_RANKED` are ranked, or why there is no rank."""
    if pd.isna(standing["rank"]):
        return f"Not ranked: {standing['unranked_reason']}."
    rank, ranked = int(standing["rank"]), int(standing["ranked"])
    if ranked == 1:
        return (f"The only mentor ranked over {window_label}: with fewer than {MIN_RANKED} ranked mentors no bottom "
                "is named, and a rank of one compares with no one.")
    text = (f"Rank {rank} of {ranked} ranked mentors over {window_label} (1 = lowest share of sessions red, then "
            "highest rating).")
    if ranked < MIN_RANKED:
        return (f"{text} With fewer than {MIN_RANKED} ranked mentors no bottom is named: the rank only orders "
                f"these {ranked}.")
    return f"{text} {'Among' if standing['bottom'] else 'Not among'} the bottom mentors the dashboard names."


def weakest_sentence(weakest: str) -> str:
    """A score's weakest parts (:func:`mentortrack.analytics.health.health_scores`' ``weakest``: "1 learner no-show",
    "no part below the program") as a sentence ("Furthest below the program: 1 learner no-show.", "No part is below
    the program."); empty without a score."""
    if not weakest:
        return ""
    return "No part is below the program." if weakest == NOTHING_BELOW else f"Furthest below the program: {weakest}."


def _text(standing: pd.Series | None, column: str) -> str:
    """A text column of a mentor's standing row; empty without a row or a value."""
    value = None if standing is None else standing[column]
    return value if isinstance(value, str) else ""


def _tone(kpi: str, verdict: object) -> str:
    """``good`` or ``bad`` for a verdict above/below the program, by the KPI's direction ("" otherwise)."""
    if verdict not in ("above", "below") or HIGHER_IS_BETTER.get(kpi) is None:
        return ""
    return "good" if (verdict == "above") == HIGHER_IS_BETTER[kpi] else "bad"


def window_themes(window: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Praise (``Positive``) and complaint (``Negative``) themes of the sessions ``window`` per mentor
    (:func:`mentortrack.analytics.themes.theme_counts` by mentor): counted once for every page."""
    return {sentiment: theme_counts(window, "mentor_name", sentiment=sentiment) for sentiment in ("Positive", "Negative")}


def _mine(found: pd.DataFrame, mentor: str) -> pd.DataFrame:
    """The :data:`THEMES` themes of ``mentor`` in ``found`` (:func:`window_themes`) the page shows, most first."""
    return (found[found["mentor_name"].astype("string") == mentor] if len(found) else found).head(THEMES)


def _themes(found: pd.DataFrame, mentor: str) -> list[str]:
    """"Punctuality — 2 complaints: '…'" per theme of ``mentor`` the page shows."""
    return [describe(r) for _, r in _mine(found, mentor).iterrows()]


def _quotes(with_text: pd.DataFrame, sentiment: str, found: pd.DataFrame, mentor: str) -> list[str]:
    """Feedback of one label to quote under the themes, leaving out what a theme already quotes."""
    quoted = set(_mine(found, mentor)["quote"].astype(str)) if len(found) else set()
    texts = with_text[with_text["sentiment"].astype("string") == sentiment]["learner_feedback"].str.strip()
    return [t for t in texts.drop_duplicates() if t not in quoted][:QUOTES]


SESSION_FIELDS = ["session_id", "session_date", "learner_id", "session_type", "reasons"]
"""What a page lists of a session (:func:`_session`)."""


def _session(row: Any) -> dict[str, str]:
    return {"session_id": str(row.session_id), "date": f"{row.session_date:%Y-%m-%d}", "learner_id": str(row.learner_id),
            "session_type": str(row.session_type), "reasons": str(row.reasons)}


def write_mentor_pages(folder: Path, ctx: ReportContext, tables: SharedTables,
                       mentors: list[str] | None = None) -> list[Path]:
    """Write the page of every mentor listed in ``folder/mentors/pages.json`` (:func:`write_contents`), or of those
    of them in ``mentors``, from the report's context and shared tables; returns the pages written."""
    hidden = ["learner_name", "learner_email"]
    settings = ctx.settings
    history = withhold_from_mentor(ctx.history, settings.safeguarding).drop(columns=hidden, errors="ignore")
    ctx = ReportContext(history=history, scope=withhold_from_mentor(ctx.scope, settings.safeguarding).drop(
                            columns=hidden, errors="ignore"),
                        month=ctx.month, data_label=ctx.data_label, output_dir=ctx.output_dir, settings=settings,
                        shared=tables)
    out = folder / PAGES_DIR
    takeaway.use_folder(out / "data", "data/")
    names = json.loads((out / CONTENTS).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    template = env.get_template("mentor_page.html.j2")
    generated, data_through = time.strftime("%Y-%m-%d %H:%M"), f"{ctx.data_through:%Y-%m-%d}"
    written = []
    pairs = tables.pairs
    targets = settings.report.targets
    themes = window_themes(ctx.window(settings.warnings.mentors.window_months))
    own = mentor_rows(ctx)
    for mentor, file in names.items():
        if mentors is not None and mentor not in mentors:
            continue
        rows = own[mentor]
        facts = mentor_facts(ctx, mentor, tables, themes, rows)
        mine = pairs[pairs["mentor_name"] == mentor].assign(last_session=lambda t: t["last_session"].dt.strftime("%Y-%m-%d"))
        facts["pairs"] = mine.astype(object).where(mine.notna(), None).to_dict("records")
        facts["targets"] = target_lines(rows.scope, targets)
        page = template.render(**facts, period=ctx.period, generated=generated, data_through=data_through,
                               data_label=ctx.data_label, followups_as_of=f"{ctx.last_day:%Y-%m-%d}",
                               followup_days=settings.lifecycle.followups.window_days)
        with writing(out / file):
            (out / file).write_text(page, encoding="utf-8")
        written.append(out / file)
    return written

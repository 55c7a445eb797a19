"""The program manager's digest: one e-mail per week or month with what needs acting on.

For a period (the Monday-to-Sunday week holding ``--week-of``, or a calendar month) it
gathers: safeguarding alerts of the period's sessions (first), the period's KPIs against the previous
period (not compared when either has fewer than ``compare_min_sessions`` sessions; a period the data ends
inside is called partial, "Data through 9 Oct 2025: partial month"), red sessions, mentors below the health
threshold in the period's last month (linked to their pages when the month's report is built), open
follow-ups, feedback reminders and inactivity nudges due at the period's end, the period's most frequent
complaint themes with one quote each, and the link to the month's report where it is published
(``digest.report_url`` in ``parameters/lifecycle.yaml``; the digest says when there is none, never a
``file://`` path the reader cannot open); a monthly digest attaches the dashboard PDF when the report run
rendered one.
When the month's report was built from the same bytes with the same settings
(:func:`mentortrack.reports.shared_tables.tables_built_from`), the digest reads that report's
``enriched.parquet`` and shared tables (health scores, safeguarding alerts) and enriches nothing, so the
digest and the report say the same (:func:`built_report`); otherwise it enriches only the sessions it reads
enriched (:func:`enrich_period`) and computes health and alerts with the same library functions.
Learners appear by ID only. Sending goes through :func:`mentortrack.lifecycle.mailer.send`;
without ``--send`` it is an ``.eml`` file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd

from mentortrack.analytics.health import health_scores
from mentortrack.analytics.kpis import COUNT_KPIS, KPI_LABELS, add_month, components, finish, share_texts
from mentortrack.analytics.open_followups import needing_followup
from mentortrack.analytics.safeguarding import in_window, reported_pairs, safeguarding_alerts, split_reported
from mentortrack.analytics.themes import describe, theme_counts
from mentortrack.config import EmailSettings, FollowupSettings, Settings
from mentortrack.errors import InputError
from mentortrack.lifecycle.mailer import Mail, records, templates
from mentortrack.lifecycle.reminders import due_nudges, due_reminders
from mentortrack.reports.shared_tables import SharedTables, tables_built_from
from mentortrack.reports.storage import read_enriched
from mentortrack.reports.tables import format_delta, format_value


@dataclass(frozen=True)
class Period:
    """A digest period: first and last day (inclusive), its label and the period before it."""

    first: pd.Timestamp
    last: pd.Timestamp
    label: str
    kind: str
    previous_first: pd.Timestamp
    previous_last: pd.Timestamp

    @classmethod
    def week_of(cls, day: pd.Timestamp) -> Period:
        """The Monday-to-Sunday week holding ``day``."""
        first = day.normalize() - pd.Timedelta(days=day.weekday())
        last = first + pd.Timedelta(days=6)
        return cls(first, last, f"week of {first:%Y-%m-%d}", "week", first - pd.Timedelta(days=7),
                   first - pd.Timedelta(days=1))

    @classmethod
    def month(cls, month: str) -> Period:
        """The calendar month ``YYYY-MM``."""
        period = pd.Period(month, freq="M")
        before = period - 1
        return cls(period.start_time, period.end_time.normalize(), period.strftime("%B %Y"), "month",
                   before.start_time, before.end_time.normalize())

    @property
    def report_month(self) -> str:
        """The month whose report the digest links to (the month of the period's last day)."""
        return f"{self.last:%Y-%m}"


def _between(frame: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["session_date"] >= first) & (frame["session_date"] <= last)]


def built_report(folder: Path, data: Path, settings: Settings) -> tuple[pd.DataFrame, SharedTables] | None:
    """The enriched sessions and the shared tables of the finished report in ``folder`` when it was built from
    the file ``data`` as it is now with ``settings``, read instead of computed again; None otherwise.

    The report's ``enriched.parquet`` masks learner names and e-mails unless it shows them; the digest
    names learners by ID only, so it says the same from either table."""
    tables = tables_built_from(folder, data, settings)
    enriched = folder / "enriched.parquet"
    if tables is None or not enriched.is_file():
        return None
    return read_enriched(enriched), tables


def check_covered(sessions: pd.DataFrame, period: Period) -> None:
    """Raise :class:`mentortrack.errors.InputError` when ``period`` lies wholly before or after the sessions."""
    first, last = sessions["session_date"].min(), sessions["session_date"].max()
    if period.first > last:
        raise InputError(f"the data ends on {last:%Y-%m-%d}, before the {period.label} (export a newer file?)")
    if period.last < first:
        raise InputError(f"the data starts on {first:%Y-%m-%d}, after the {period.label}")


def enriched_days(period: Period, followups: FollowupSettings, ranking_months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of the sessions the digest of ``period`` reads enriched (sentiment, level, themes):
    from the earliest of the period before, the first day of the mentor ranking's window (``ranking_months``
    months ending with the report month: the mentors to watch; it holds the month's health scores), and the
    start of the follow-up window (``followups.window_days`` before the period's first day: the queues are
    made on the period's last day or, in a period the data covers in part, on the data's last day), to the
    report month's last day. Reminders and nudges read only the export's own columns, of any day."""
    month = pd.Period(period.report_month, freq="M")
    ranking = (month - (ranking_months - 1)).start_time
    window = period.first.normalize() - pd.Timedelta(days=followups.window_days)
    return min(period.previous_first, ranking, window), month.end_time.normalize()


def enrich_period(sessions: pd.DataFrame, period: Period, settings: Settings) -> pd.DataFrame:
    """``sessions`` (the canonical sessions of a whole export) with the columns of
    :func:`mentortrack.analytics.enrich.enrich` for the sessions of :func:`enriched_days` only; the others keep
    the export's columns (the enriched ones empty).

    The early-warning context is counted over the whole export, as the report's enrichment counts it (a
    learner's no-shows so far, a mentor's cancellation rate), so every enriched session has the level,
    reasons and summary the report gives it.

    Raises:
        InputError: ``period`` lies wholly outside the sessions (:func:`check_covered`)."""
    from mentortrack.analytics.early_warnings import assess, no_show_counts
    from mentortrack.analytics.enrich import enrich
    from mentortrack.analytics.summaries import summarize_sessions

    check_covered(sessions, period)
    first, last = enriched_days(period, settings.lifecycle.followups, settings.warnings.mentors.window_months)
    whole = add_month(sessions)
    whole = whole.assign(no_show_count=no_show_counts(whole))
    read = (whole["session_date"] >= first) & (whole["session_date"] <= last)
    part = enrich(whole[read], settings)
    levels = assess(whole.join(part[["sentiment", "sentiment_mixed"]]), settings.warnings.rules).loc[part.index]
    part = part.assign(no_show_count=whole.loc[part.index, "no_show_count"], level=levels["level"],
                       rules=levels["rules"], reasons=levels["reasons"])
    part["summary"] = summarize_sessions(part)
    return pd.concat([whole[~read], part]).loc[whole.index]


def gather(enriched: pd.DataFrame, period: Period, settings: Settings, reports_dir: Path,
           tables: SharedTables | None = None) -> dict[str, Any]:
    """Everything the digest says, as plain values (the templates only lay it out); ``settings`` gives the
    dashboard KPIs, the health, follow-up, reminder, nudge and safeguarding settings and the report URL.

    ``tables`` are the shared tables of the period's report when it was built from ``enriched``'s export
    (:func:`mentortrack.reports.shared_tables.tables_built_from`): health and safeguarding alerts are read
    from them instead of computed again."""
    lifecycle, report = settings.lifecycle, settings.report
    now, before = _between(enriched, period.first, period.last), _between(enriched, period.previous_first,
                                                                           period.previous_last)
    sums = components(now).sum()
    current, previous, bases = finish(sums), finish(components(before).sum()), share_texts(sums)
    comparable = min(len(now), len(before)) >= report.compare_min_sessions
    through = pd.Timestamp(enriched["session_date"].max()).normalize()
    partial = (f"Data through {through.day} {through:%b %Y}: partial {period.kind}"
               if period.first <= through < period.last else "")
    kpis = [{"label": KPI_LABELS[k], "kpi": k, "value": current[k], "previous": previous[k], "base": bases.get(k, ""),
             "delta": current[k] - previous[k] if comparable and not (partial and k in COUNT_KPIS) else None}
            for k in report.dashboard_kpis]
    kind, needed = period.kind, report.compare_min_sessions
    if before.empty:
        compare_note = f"The {kind} before has no sessions in the data: no change is shown."
    elif partial:
        compare_note = (f"Counts of a partial {kind} are not compared with a whole one"
                        + ("" if comparable else f"; shares are not either: too few sessions ({len(now)} vs "
                                                 f"{len(before)}; {needed} needed in each)") + ".")
    elif not comparable:
        compare_note = f"Too few sessions to compare with the {kind} before ({len(now)} vs {len(before)}; {needed} needed in each)."
    else:
        compare_note = ""
    red = now[now["level"] == "red"].sort_values("session_date", ascending=False)
    months = add_month(enriched)
    scores = tables.health if tables is not None else health_scores(
        months[months["month"] == period.report_month], settings.warnings.health)
    latest = scores[scores["month"] == period.report_month]
    at_risk = latest[latest["at_risk"].astype(bool)].sort_values("score")
    watch = _watch(months, period.report_month, scores, settings, tables)
    as_of = min(period.last, through)  # queues as of the data's last day in a period it covers in part
    open_followups = needing_followup(enriched, as_of, lifecycle.followups)
    reported = reported_pairs(enriched, settings.safeguarding)  # as `mentortrack reminders` withholds them
    reminders, _ = split_reported(due_reminders(enriched, as_of, lifecycle.reminders), reported)
    nudges, _ = split_reported(due_nudges(enriched, as_of, lifecycle.nudges), reported)
    alerts = tables.safeguarding if tables is not None else safeguarding_alerts(now, settings.safeguarding)
    concerns = in_window(alerts, period.first, period.last)
    folder = reports_dir / period.report_month
    pdf = folder / "dashboard.pdf"
    base = lifecycle.digest.report_url
    built = (folder / "index.html").exists()
    published = f"{base}/{period.report_month}" if base else None
    pages: dict[str, str] = {}
    if published:
        from mentortrack.reports.mentor_pages import page_links  # imported here: the pages' charts load matplotlib

        pages = {name: f"{published}/{quote(link)}" for name, link in page_links(folder).items()}
    return {
        "period": period, "as_of": as_of, "sessions": len(now), "previous_sessions": len(before), "comparable": comparable,
        "partial": partial, "covered_last": as_of, "watch": watch, "compare_note": compare_note,
        "reminders": records(reminders[["session_id", "session_date", "mentor_name", "learner_id", "stage_day"]].head(10)),
        "kpis": kpis, "red": records(red[["session_id", "session_date", "mentor_name", "learner_id",
                                          "session_type", "reasons"]].head(10)), "red_count": len(red),
        "at_risk": [{**m, "page": pages.get(m["mentor_name"])} for m in
                    records(at_risk[["mentor_name", "score", "explanation"]])],
        "threshold": settings.warnings.health.threshold, "scored": int(latest["score"].notna().sum()),
        "followups": records(open_followups[["session_id", "session_date", "mentor_name", "reasons"]].head(10)),
        "complaints": [describe(r) for _, r in theme_counts(now, sentiment="Negative").head(5).iterrows()],
        "followup_count": len(open_followups), "reminder_count": len(reminders), "nudge_count": len(nudges),
        "nudges": records(nudges[["learner_id", "mentor_name", "days_quiet", "stage_day"]].head(10)),
        "safeguarding": records(concerns),
        "report_link": f"{published}/index.html" if published and built else None,
        "report_built": built, "report_folder": str(folder),
        "report_month": period.report_month,
        "attachments": (str(pdf),) if period.kind == "month" and pdf.exists() else (),
    }


def _watch(months: pd.DataFrame, month: str, scores: pd.DataFrame, settings: Settings,
           tables: SharedTables | None) -> str:
    """The mentors to watch in ``month`` as the report's index says it (:func:`mentortrack.reports.landing.watch_line`),
    from the report's standing when ``tables`` are that report's, else from the standing computed the same way."""
    from mentortrack.analytics.standing import mentor_standing
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.landing import watch_line

    ctx = ReportContext(history=months, scope=months[months["month"] == month], month=month, data_label="digest",
                        output_dir=Path("."), settings=settings)
    if tables is not None:
        return watch_line(ctx, tables.standing)
    window = settings.warnings.mentors.window_months
    return watch_line(ctx, mentor_standing(ctx.window(window), scores, month, settings.warnings,
                                           ctx.window_label(window)))


def compose_digest(facts: dict[str, Any], recipient: str, settings: EmailSettings) -> Mail:
    """The digest e-mail to ``recipient`` (plain text and escaped HTML)."""
    env = templates()
    period: Period = facts["period"]
    context = {**facts, "fmt": format_kpi}
    return Mail(key=f"pm-digest:{period.kind}:{period.first:%Y-%m-%d}", recipient=recipient,
                subject=f"{settings.subject_prefix} Program digest, {period.label}",
                text=env.get_template("email_pm_digest.txt.j2").render(context),
                html=env.get_template("email_pm_digest.html.j2").render(context),
                attachments=facts["attachments"])


def format_kpi(kpi: str, value: float | None, delta: bool = False) -> str:
    """A KPI value (or with ``delta``, a change) as the digest shows it; ``–`` when missing."""
    if value is None:
        return "–"
    return format_delta(kpi, value) if delta else format_value(kpi, value)

"""Notebook 07, the dashboard: safeguarding alerts, KPI tiles, rating trend and sentiment, the ranking, mentors at
risk and to watch, learner engagement and the red list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.analytics.engagement import cohort_engagement, nobody_quiet, quiet_after_bad
from mentortrack.analytics.health import none_at_risk_sentence
from mentortrack.analytics.standing import bottom as lower_part_bottom
from mentortrack.analytics.standing import ranking_sentence, to_watch
from mentortrack.reports import charts, tables
from mentortrack.reports.context import record
from mentortrack.reports.escape import html_text
from mentortrack.reports.targets import target_lines
from mentortrack.wording import plural, tenure

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Mentor sessions dashboard"
SMALL = '<p style="font-size:12px;color:#546e7a;margin:2px 0">'
"""A grey side note under a chart."""
RED_COLUMNS = ["session_date", "mentor_name", "learner_id", "session_type", "level", "reasons", "learner_feedback"]
ATTENDANCE = f"{tables.label('attendance_rate')}, of completed or no-show sessions"
BACK = f"{tables.label('repeat_rate')}, of learners who attended"
"""The learner engagement's shares (the columns' labels), each said with its denominator ("91.0% · 61 of 67")."""


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``safeguarding``, ``tiles``, ``ranking``, ``at_risk``, ``engagement`` and ``red_list``."""
    scope, show_pii, settings = ctx.scope, ctx.show_pii, ctx.settings
    out.section("safeguarding")
    concerns = ctx.safeguarding
    if len(concerns):
        out.html(f'<h2 style="color:#b71c1c">Safeguarding alerts: {len(concerns)}</h2>'
                 "<p>Feedback and issue flags suggesting harassment, inappropriate conduct, contact outside the "
                 "platform, self-harm or discrimination, whatever the rating. Act today; not for the mentor "
                 "concerned.</p>")
        out.table(tables.styled(concerns, show_pii, caption=f"{plural(len(concerns), 'text')}, newest first"))
    else:
        scanned = int((scope["learner_feedback"].astype("string").str.strip().fillna("") != "").sum())
        out.html(f"{SMALL}No safeguarding alert in {html_text(ctx.period)} ({scanned:,} feedback texts and every issue "
                 "flag scanned).</p>")
    out.section("tiles")
    kpi_table = ctx.tables.kpis
    out.html(tables.kpi_tiles(kpi_table, settings.report.dashboard_kpis, settings.report.compare_min_sessions,
                              ctx.partial_note))
    window = settings.warnings.mentors.window_months
    standing = ctx.tables.standing
    bottom = lower_part_bottom(standing)
    feedback = scope[(scope["session_status"] == "Completed") & (scope["sentiment"].astype("string") != "No feedback")]
    sentiment = charts.sentiment_split(scope, title=f"Feedback sentiment, {ctx.period}")
    if ctx.months_in_data > 1:
        out.charts([charts.rating_trend(ctx.history, ctx.until(), target=settings.report.targets.avg_rating,
                                         through=ctx.data_through), sentiment])
    else:
        rated = scope[(scope["session_status"] == "Completed") & scope["post_session_rating"].notna()]
        out.markdown(f"*Average rating {rated['post_session_rating'].mean():.2f} over {len(rated)} rated sessions: "
                     f"{ctx.period} is the first month in the data, so a trend needs a second month.*"
                     if len(rated) else f"*No rated session in {ctx.period}.*")
        out.chart(sentiment)
    out.html('<p style="font-size:12px;margin:2px 0">Satisfaction targets: '
             + html_text("; ".join(target_lines(scope, settings.report.targets))) + ".</p>")
    out.section("ranking")
    explained = bottom[bottom["note"] != ""]
    differ = (f" Named though their health is good: {html_text(', '.join(map(str, explained.index)))} — the rank "
              f"counts red sessions over the window, health weighs the month's ratings, feedback and follow-ups "
              f"(details on the early-warnings page)." if len(explained) else "")
    out.html(f"{SMALL}{html_text(ranking_sentence(standing, settings.warnings.mentors.min_sessions, ctx.window_label(window)))}"
             f"{differ}</p>")
    ranked = int(standing["rank"].notna().sum())
    in_red = f"bottom {len(bottom)} in red" if len(bottom) else "no bottom named"
    named = f"{ranked} ranked, each labelled, {in_red}" if ranked <= charts.NAME_ALL_UP_TO else \
        f"bottom {len(bottom)} of {ranked} ranked named"
    out.charts([charts.mentor_scatter(standing, bottom, f"Mentors, {ctx.window_label(window)}: red sessions vs rating "
                                                        f"({named})"),
                charts.warnings_per_mentor(scope, top=10, title=f"Warnings per mentor, {ctx.period}")])
    out.section("at_risk")
    threshold = settings.warnings.health.threshold
    risky = standing[standing["band"] == "at risk"].sort_values("health_score").reset_index()
    at_risk = pd.DataFrame({"mentor_name": risky["mentor_name"], "sessions": risky["health_sessions"],
                            "score": risky["health_score"], "explanation": risky["health_explanation"],
                            "note": risky["note"]})
    if len(at_risk):
        out.table(tables.health_table(at_risk, threshold, caption=f"{plural(len(at_risk), 'mentor')} with a health score below "
                                                                  f"{threshold:g} (0–100), {ctx.period}"))
    else:
        out.markdown(none_at_risk_sentence(ctx.tables.health, ctx.until(), ctx.period, threshold,
                                           settings.warnings.health.min_sessions))
    watch = to_watch(standing, window_named=True)
    if watch:
        window = ctx.window_label(settings.warnings.mentors.window_months)
        out.html(f"<p><b>To watch ({len(watch)}; red sessions and ratings over {html_text(window)}):</b> "
                 f"{html_text('; '.join(watch))}.</p>")
    out.section("engagement")
    as_of, engagement = ctx.last_day, settings.warnings.engagement
    learners = ctx.tables.learners
    cohorts = cohort_engagement(learners)
    quiet = quiet_after_bad(learners)
    quiet_shown = quiet.assign(last_session=quiet["last_session"].dt.strftime("%Y-%m-%d"),
                               cohort=quiet["cohort"].map(tenure, na_action="ignore"))[
        ["learner_id", "cohort", "last_session", "last_mentor", "days_since_last"]]
    shown_quiet, quiet_count = tables.first_rows(quiet_shown, len(cohorts),
                                                 "quiet after a bad session (re-engagement list), longest first")
    quiet_html = tables.styled(shown_quiet, show_pii, caption=quiet_count).to_html() if len(quiet) else \
        f"<p>{html_text(nobody_quiet(learners, as_of, engagement))}</p>"
    shares = pd.DataFrame({
        "cohort": cohorts["cohort"].map(tenure), "learners": cohorts["learners"],
        ATTENDANCE: [tables.share_cell("attendance_rate", r.attendance_rate, r.attended, r.resolved)
                     for r in cohorts.itertuples()],
        BACK: [tables.share_cell("repeat_rate", r.repeat_rate, r.returned, r.came) for r in cohorts.itertuples()],
        "median_days_since_last": cohorts["median_days_since_last"].round().astype("Int64"),  # whole days
        "quiet_after_bad": cohorts["quiet_after_bad"]})
    out.html(tables.side_by_side([
        tables.styled(shares,
                      caption=f"{len(learners):,} learners, all their sessions in the data up to "
                              f"{as_of:%Y-%m-%d} (not {ctx.period} alone)").to_html(), quiet_html]))
    out.section("red_list")
    red = scope[scope["level"] == "red"].sort_values("session_date", ascending=False)
    if len(red):
        shown, count = tables.first_rows(red[RED_COLUMNS], settings.report.red_list_limit, "red sessions, newest first")
        out.table(tables.level_table(shown, show_pii, caption=count))
    else:
        out.markdown(f"No red session in {ctx.period} ({len(scope):,} sessions).")
    record(ctx.output_dir, "07_dashboard", {
        "kpis": dict(zip(kpi_table["kpi"], kpi_table["value"])), "red_sessions": len(red),
        "bottom_mentors": list(bottom.index), "ranked_mentors": ranked, "at_risk": list(at_risk["mentor_name"]),
        "learners": len(learners), "quiet_after_bad": list(quiet["learner_id"]), "feedback_base": len(feedback),
        "partial": ctx.partial_note})

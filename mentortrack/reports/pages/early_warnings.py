"""Notebook 06, early warnings: sessions by level and rule, the mentor ranking, health, pairs and new red flags."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.analytics.early_warnings import rule_said
from mentortrack.analytics.health import none_at_risk_sentence
from mentortrack.analytics.kpis import previous_month
from mentortrack.analytics.pairs import status_counts
from mentortrack.analytics.standing import bottom as lower_part_bottom
from mentortrack.analytics.standing import ranking_sentence
from mentortrack.reports import charts, tables
from mentortrack.reports.context import ALL_MONTHS, record
from mentortrack.reports.escape import html_text
from mentortrack.reports.mentor_pages import band_key, page_links
from mentortrack.wording import percent, plural, verb

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Early warnings"
ATTENTION_COLUMNS = ["session_id", "session_date", "mentor_name", "learner_id", "session_type", "session_status",
                     "level", "reasons"]
RANKING_COLUMNS = ["mentor_name", "rank", "sessions", "warning_rate", "red_count", "red_rate", "completed",
                   "avg_rating", "follow_up_rate", "health_score", "band", "unranked_reason", "note"]
"""The ranking table: each share after its denominator (warning and red rate of the sessions, follow-ups of the
completed sessions)."""
PAIR_COLUMNS = ["status", "reason", "mentor_name", "learner_id", "booked", "attended", "no_shows", "last_session",
                "ratings", "sentiment_trend", "open_followups"]


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``levels``, ``attention``, ``ranking``, ``health``, ``pairs`` and ``new_red``."""
    scope, show_pii, warnings = ctx.scope, ctx.show_pii, ctx.settings.warnings
    out.section("levels")
    levels = scope["level"].astype("string").value_counts().reindex(["green", "amber", "red"], fill_value=0)
    out.markdown(f"**{levels['red']}** red, **{levels['amber']}** amber and **{levels['green']}** green sessions.")
    rule_counts = scope["rules"].str.split("; ").explode().replace("", pd.NA).dropna().value_counts()
    fired = pd.DataFrame({"rule": [rule_said(warnings.rules[r]) if r in warnings.rules else r
                                   for r in rule_counts.index],
                          "level": [warnings.rules[r].level if r in warnings.rules else "" for r in rule_counts.index],
                          "sessions": rule_counts.to_numpy()})
    if len(fired):
        out.table(tables.styled(fired, show_pii, caption=f"How often each rule fired, {plural(len(scope), 'session')} "
                                                         "(a session can fire several)"))
    else:
        out.markdown(f"No rule fired on any of the {plural(len(scope), 'session')} in {ctx.period}.")
    out.section("attention")
    attention = scope[scope["level"] != "green"].sort_values(["level", "session_date"], ascending=[False, False])
    if len(attention):
        out.html(tables.interactive(attention[ATTENTION_COLUMNS], show_pii,
                                    f"{plural(len(attention), 'session')} amber or red: sort, search, page", levels=True))
    else:
        out.markdown(f"No session of {ctx.period} is amber or red: none needs attention.")
    out.section("ranking")
    window, minimum = warnings.mentors.window_months, warnings.mentors.min_sessions
    standing = ctx.tables.standing
    bottom = lower_part_bottom(standing)
    pages = page_links(ctx.output_dir)
    out.html(f"<p>{html_text(ranking_sentence(standing, minimum, ctx.window_label(window)))}</p>")
    said = standing.reset_index()[RANKING_COLUMNS]
    if not (said["note"].astype("string").fillna("") != "").any():  # no rank and band in tension this month
        said = said.drop(columns="note")
    out.html(tables.interactive(said, show_pii,
                                f"{ctx.window_label(window)}; rank 1 = best (lowest share of sessions red, then highest "
                                f"rating); "
                                f"a mentor needs {minimum} sessions to be ranked; health of {ctx.period}"
                                + ("; names link to the mentor's page" if pages else ""),
                                links={"mentor_name": pages}))
    out.chart(charts.warnings_per_mentor(scope, title=f"Warnings per mentor, {ctx.period}"))
    out.section("health")
    threshold = warnings.health.threshold
    month_mentors = standing[standing["health_sessions"] > 0].reset_index()
    current = pd.DataFrame({"mentor_name": month_mentors["mentor_name"], "sessions": month_mentors["health_sessions"],
                            "score": month_mentors["health_score"], "band": month_mentors["band"],
                            "explanation": month_mentors["health_explanation"]}).sort_values("score", na_position="last")
    at_risk = current[current["band"] == "at risk"]
    if len(at_risk):
        out.html(f"<p><b>{plural(len(at_risk), 'mentor')}</b> below {threshold:g} in {html_text(ctx.period)}: "
                 + ", ".join(map(html_text, at_risk["mentor_name"])) + ".</p>")
    else:
        out.markdown(none_at_risk_sentence(ctx.tables.health, ctx.until(), ctx.period, threshold,
                                           warnings.health.min_sessions))
    order = "lowest first" if current["score"].notna().any() else "no mentor has a score this month"
    out.table(tables.health_table(current, threshold, caption=f"Mentor health, {ctx.period}; {order}"))
    out.html(f"<p>{html_text(band_key(threshold))}</p>")
    trend = ctx.tables.trend
    if trend.shape[1] > 1:
        first, last = str(trend.columns[0]), str(trend.columns[-1])
        since = ("since the data starts" if first <= str(ctx.history["month"].min())
                 else f"the last {trend.shape[1]} months")
        last = charts.month_label(last, ctx.data_through)
        named = trend.rename(columns=lambda m: charts.month_label(str(m), ctx.data_through))
        out.table(tables.health_table(named.reset_index(), threshold,
                                      caption=f"Health by month, {first} to {last} ({since}; – : fewer completed "
                                              "sessions than a score needs)"))
        latest = trend.ffill(axis=1).iloc[:, -1].dropna()  # each mentor's latest score
        scored = [m for m in trend.columns if trend[m].notna().any()]
        if len(scored) > 1:
            lowest = latest.sort_values(kind="stable").head(5)
            now = trend.iloc[:, -1].notna().any()
            title = ("Health by month, the five lowest now" if now else
                     f"Health by month: no score in {last} yet; the five lowest by their latest score")
            out.chart(charts.health_trend(trend.loc[lowest.index], threshold, title=title, through=ctx.data_through))
        else:
            lowest = ", ".join(f"{html_text(name)} {score:.0f}" for name, score in
                               latest.sort_values(kind="stable").head(5).items())
            which = (f"Scores exist for {html_text(charts.month_label(str(scored[0]), ctx.data_through))} only"
                     if scored else "No month has a score yet")
            out.html(f"<p><i>{which}: a health trend needs a second scored month"
                     + (f" (lowest: {lowest})" if lowest else "") + ".</i></p>")
    else:
        out.markdown(f"*{ctx.period} is the first month in the data: a health trend needs a second month.*")
    out.section("pairs")
    pairs = ctx.tables.pairs
    counts = status_counts(pairs)
    out.markdown(f"As of {ctx.last_day:%Y-%m-%d}, of **{len(pairs):,}** active pairs: "
                 + ", ".join(f"*{r.status}* **{r.pairs:,}** ({percent(r.share)})" for r in counts.itertuples()) + ".")
    out.html(tables.interactive(pairs[PAIR_COLUMNS], show_pii, f"{len(pairs):,} pairs, check-ins first: sort, search, "
                                                               "page"))
    out.section("new_red")
    red_now = scope[scope["level"] == "red"]
    before_month = previous_month(ctx.month) if ctx.month != ALL_MONTHS else None
    has_before = before_month is not None and bool((ctx.history["month"] == before_month).any())
    new_mentors: list[str] = []
    if has_before:
        before = ctx.history[(ctx.history["month"] == before_month) & (ctx.history["level"] == "red")]
        new_mentors = sorted(set(red_now["mentor_name"]) - set(before["mentor_name"]))
        out.html("<p>" + ", ".join(map(html_text, new_mentors)) + "</p>" if new_mentors
                 else "<p>No mentor is newly red.</p>")
    else:
        out.html(f"<p><em>No month before {html_text(ctx.period)} in the data, so no red flag can be new yet; "
                 f"{plural(red_now['mentor_name'].nunique(), 'mentor')} {verb(red_now['mentor_name'].nunique(), 'has', 'have')} "
                 "red sessions now (listed above).</em></p>")
    record(ctx.output_dir, "06_early_warnings", {
        "levels": levels.to_dict(), "bottom_mentors": list(bottom.index), "new_red_mentors": new_mentors,
        "ranked_mentors": int(standing["rank"].notna().sum()),
        "health": dict(zip(current["mentor_name"], current["score"])), "at_risk": list(at_risk["mentor_name"]),
        "partial": ctx.partial_note})

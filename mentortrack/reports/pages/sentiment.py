"""Notebook 03, feedback sentiment: the split, rating by sentiment, example quotes, borderline and mixed feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mentortrack.analytics.kpis import rating_by_sentiment
from mentortrack.analytics.sentiment import BORDERLINE, MIXED_MIN_PROBABILITY, NO_FEEDBACK
from mentortrack.reports import charts, tables
from mentortrack.reports.context import record

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Feedback sentiment"


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``split``, ``by_rating``, ``examples`` and ``borderline``."""
    scope, show_pii = ctx.scope, ctx.show_pii
    out.section("split")
    out.chart(charts.sentiment_split(scope, "sentiment", f"Feedback sentiment, {ctx.period}"))
    out.section("by_rating")
    by_suite = rating_by_sentiment(scope[scope["session_status"] == "Completed"], "sentiment").reset_index()
    out.table(tables.styled(by_suite, show_pii,
                            caption="Completed sessions by sentiment: sessions, rated sessions, average rating"))
    out.section("examples")
    for label in ["Negative", "Neutral", "Positive"]:
        quotes = scope.loc[scope["sentiment"] == label, "learner_feedback"].drop_duplicates()
        out.html(f"<h3>{label}</h3>" + tables.escaped_quotes(quotes, 6))
    record(ctx.output_dir, "03_sentiment", {
        "sentiment_counts": scope["sentiment"].astype("string").value_counts().to_dict(),
        "published_counts": scope["sentiment_published"].astype("string").value_counts().to_dict(),
        "avg_rating_by_sentiment": by_suite.set_index("sentiment")["avg_rating"].round(3).to_dict()})
    out.section("borderline")
    labelled = scope[scope["sentiment"] != NO_FEEDBACK]
    unsure = labelled[labelled["sentiment_confidence"] < BORDERLINE]
    borderline = unsure.nsmallest(10, "sentiment_confidence")[["session_id", "mentor_name", "sentiment",
                                                               "sentiment_confidence", "learner_feedback"]]
    if len(unsure):
        out.table(tables.styled(borderline, show_pii, percent=["sentiment_confidence"],
                                caption=f"Least confident labels: {len(unsure):,} of {len(labelled):,} sessions with "
                                        f"feedback below {BORDERLINE:.0%} (10 at most shown)"))
    else:
        out.html(f"<p>No label below {BORDERLINE:.0%} confidence among the {len(labelled):,} sessions with feedback.</p>")
    mixed = labelled[labelled["sentiment_mixed"].astype(bool)]
    if len(mixed):
        out.html(f"<h3>Mixed feedback: {len(mixed):,} of {len(labelled):,} sessions with feedback</h3>"
                 "<p>Praise and a complaint in one text, labelled Neutral (8 at most shown).</p>"
                 + tables.escaped_quotes(mixed["learner_feedback"].drop_duplicates(), 8))
    else:
        out.html(f"<p>No feedback found mixed among the {len(labelled):,} sessions with feedback: none has one part "
                 f"the model reads as praise and another as a complaint, each at {MIXED_MIN_PROBABILITY:.0%} or more "
                 "(a milder mix keeps the label of its balance).</p>")

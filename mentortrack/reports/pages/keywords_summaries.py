"""Notebook 04, keywords and summaries: themes, keyword topics, complaints and praise per mentor, summaries, digests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mentortrack.analytics.keywords import top_keywords
from mentortrack.analytics.themes import describe, theme_counts
from mentortrack.reports import tables
from mentortrack.reports.context import record

if TYPE_CHECKING:
    import pandas as pd

    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Keywords and summaries"


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``themes``, ``per_mentor``, ``summaries`` and ``digests``."""
    scope, show_pii = ctx.scope, ctx.show_pii
    out.section("themes")
    with_feedback = int(scope["themes"].notna().sum())
    counts = theme_counts(scope, include_other=True)
    if len(counts):
        counts = counts.assign(line=[describe(r) for _, r in counts.iterrows()])
        shown, count = tables.first_rows(counts[["theme", "role", "sessions", "line"]], 20,
                                         "theme lines (a theme praised and criticised has one each), most sessions first")
        out.table(tables.styled(shown, show_pii, caption=f"Themes of {with_feedback:,} sessions with feedback (a "
                                                         f"session can have several themes). {count}"))
    else:
        out.markdown("No feedback in this period.")
    out.table(tables.styled(top_keywords(scope, "session_type", ctx.settings.nlp.themes.top_n), show_pii,
                            caption="Most frequent keywords per session type (KeyBERT noun phrases; 'mentor', "
                                    "'session' and other generic nouns not counted)"))
    out.section("per_mentor")
    negative = _mentor_themes(out, scope, "Negative", "Complaint", show_pii)
    if not len(negative):
        out.markdown("No negative feedback with a theme in this period.")
    _mentor_themes(out, scope, "Positive", "Praise", show_pii)
    out.section("summaries")
    ordered = scope.sort_values(["level", "session_date"], ascending=[False, True])
    out.html(tables.interactive(ordered[["session_id", "session_date", "mentor_name", "level", "summary"]], show_pii,
                                f"{len(ordered):,} session summaries, red first", levels=True))
    out.section("digests")
    digests = ctx.tables.digests
    out.table(tables.styled(digests[["mentor_name", "sessions", "red", "digest"]], show_pii))
    record(ctx.output_dir, "04_keywords_summaries", {
        "sessions_with_keywords": int(scope["keywords"].notna().sum()), "sessions_with_themes": with_feedback,
        "mentors_with_complaint_themes": int(negative["mentor_name"].nunique()) if len(negative) else 0,
        "digests": len(digests)})


def _mentor_themes(out: Sections, scope: pd.DataFrame, sentiment: str, kind: str, show_pii: bool) -> pd.DataFrame:
    """The table of ``kind`` ("Complaint", "Praise") themes per mentor of the ``sentiment`` feedback, shown when it
    has rows; returns the counts (:func:`mentortrack.analytics.themes.theme_counts` with a ``line`` each)."""
    counts = theme_counts(scope, "mentor_name", sentiment=sentiment)
    if len(counts):
        counts = counts.assign(line=[describe(r) for _, r in counts.iterrows()])
        shown, count = tables.first_rows(counts[["mentor_name", "theme", "sessions", "line"]], 30,
                                         "mentor-theme pairs, by mentor then most sessions")
        out.table(tables.styled(shown, show_pii, caption=f"{kind} themes per mentor. {count}"))
    return counts

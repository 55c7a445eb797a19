"""The one enriched session table: canonical fields + sentiment, keywords, themes, level, summary.

All NLP runs here, once, in one process (``mentortrack analyze``); reports read
the table this writes (Parquet or CSV) and never load the language model.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from mentortrack.analytics.early_warnings import assess, no_show_counts
from mentortrack.analytics.keywords import session_keywords
from mentortrack.analytics.kpis import add_month
from mentortrack.analytics.safeguarding import scan_sessions
from mentortrack.analytics.sentiment import score_feedback
from mentortrack.analytics.summaries import summarize_sessions
from mentortrack.analytics.themes import session_themes, taxonomy
from mentortrack.config import Settings

log = logging.getLogger(__name__)

NLP_TEXT_LIMIT = 2000
"""Characters of a feedback text the NLP reads (sentiment, keywords); longer texts are cut at the last
word boundary before it, with a logged note. The full text stays in the table. 2,000 characters is
about 400 words: ten times the longest feedback of the bundled sample; MiniLM reads 256 tokens anyway."""

ENRICHED_COLUMNS = ["month", "textblob_polarity", "textblob_subjectivity", "sentiment_published", "sentiment",
                    "sentiment_confidence", "sentiment_mixed", "keywords", "points", "themes", "level", "rules", "reasons", "no_show_count", "summary",
                    "safeguarding", "safeguarding_terms"]
"""Columns :func:`enrich` adds to the canonical session table."""


def nlp_text(feedback: pd.Series, limit: int = NLP_TEXT_LIMIT) -> pd.Series:
    """Feedback as the NLP reads it: texts longer than ``limit`` characters cut at the last word boundary
    before it (logged once with their number), so time and memory per text are bounded."""
    text = feedback.astype("string")
    long = text.str.len() > limit
    if not long.fillna(False).any():
        return feedback
    count = int(long.sum())
    log.warning("%d feedback text(s) longer than %d characters: sentiment and keywords read their first %d "
                "(the full text is kept)", count, limit, limit)
    cut = text[long.fillna(False)].str.slice(0, limit).str.replace(r"\s+\S*$", "", regex=True)
    return text.where(~long.fillna(False), cut)


def enrich(sessions: pd.DataFrame, settings: Settings, client: Any = None) -> pd.DataFrame:
    """Add sentiment, keywords, points and themes, early-warning level and reasons, and a summary to every session.

    ``settings`` gives the NLP settings, the theme taxonomy, the warning rules and the safeguarding terms.

    With a Dask ``client``, the NLP of texts not yet cached runs on the cluster first
    (:func:`mentortrack.analytics.distributed.precompute`); the result is the same.
    """
    nlp = settings.nlp
    read = nlp_text(sessions["learner_feedback"])
    if client is not None:
        from mentortrack.analytics.distributed import precompute

        texts = read.astype("string").str.strip().dropna()
        precompute(client, texts[texts != ""].tolist(), nlp.sentiment.model, nlp.keywords)
    frame = add_month(sessions).copy()
    log.info("sentiment for %d sessions", len(frame))
    frame = frame.join(score_feedback(read, nlp.sentiment.model))
    log.info("keywords")
    frame["keywords"] = session_keywords(read, nlp.keywords)
    log.info("themes")
    frame = frame.join(session_themes(read, taxonomy(settings.themes)))
    frame["no_show_count"] = no_show_counts(frame)
    frame = frame.join(assess(frame, settings.warnings.rules))
    frame["summary"] = summarize_sessions(frame)
    return frame.join(scan_sessions(frame, settings.safeguarding))

"""The one enriched session table: canonical fields + sentiment, keywords, level, summary.

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
from mentortrack.config import load_parameters

log = logging.getLogger(__name__)

ENRICHED_COLUMNS = ["month", "textblob_polarity", "textblob_subjectivity", "sentiment_published", "sentiment",
                    "sentiment_confidence", "sentiment_mixed", "keywords", "level", "rules", "reasons", "no_show_count", "summary",
                    "safeguarding", "safeguarding_terms"]
"""Columns :func:`enrich` adds to the canonical session table."""


def enrich(sessions: pd.DataFrame, warning_parameters: dict[str, Any] | None = None,
           nlp_parameters: dict[str, Any] | None = None, client: Any = None) -> pd.DataFrame:
    """Add sentiment, keywords, early-warning level and reasons, and a summary to every session.

    With a Dask ``client``, the NLP of texts not yet cached runs on the cluster first
    (:func:`mentortrack.analytics.distributed.precompute`); the result is the same.
    """
    nlp = nlp_parameters if nlp_parameters is not None else load_parameters("nlp")
    if client is not None:
        from mentortrack.analytics.distributed import precompute

        texts = sessions["learner_feedback"].astype("string").str.strip().dropna()
        precompute(client, texts[texts != ""].tolist(), nlp["sentiment"]["model"], nlp["keywords"])
    frame = add_month(sessions).copy()
    log.info("sentiment for %d sessions", len(frame))
    frame = frame.join(score_feedback(frame["learner_feedback"], nlp["sentiment"]["model"]))
    log.info("keywords")
    frame["keywords"] = session_keywords(frame["learner_feedback"], nlp["keywords"])
    frame["no_show_count"] = no_show_counts(frame)
    frame = frame.join(assess(frame, warning_parameters))
    frame["summary"] = summarize_sessions(frame)
    return frame.join(scan_sessions(frame))

"""Keywords of learner feedback with KeyBERT, and themes per group.

Per session: the top phrases of its feedback (1–2-grams, English stop words,
MMR for diversity; settings in ``parameters/nlp.yaml``). Texts are deduplicated,
run through KeyBERT in batches (one call per batch, with a progress bar), and
results cached on disk keyed by text hash + model name + parameters, so a
monthly re-run only processes new texts.

Themes per mentor, session type or sentiment are the phrases found in the most
sessions of the group (ties broken alphabetically).
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from mentortrack import cache as nlp_cache
from mentortrack.config import load_parameters
from mentortrack.embeddings import MODEL_NAME, embed, model

log = logging.getLogger(__name__)

SEPARATOR = "; "
"""Joins a session's phrases in the ``keywords`` column."""


@cache
def _keybert() -> Any:
    from keybert import KeyBERT

    return KeyBERT(model=model())


def _namespace(settings: dict[str, Any]) -> str:
    params = ",".join(f"{k}={settings[k]}" for k in sorted(settings) if k != "batch_size")
    return f"keybert:{MODEL_NAME}:{params}"


def extract(texts: list[str], settings: dict[str, Any] | None = None) -> list[list[tuple[str, float]]]:
    """Top phrases with scores for each text (in input order; empty text -> no phrases)."""
    settings = settings if settings is not None else load_parameters("nlp")["keywords"]
    unique = [t for t in dict.fromkeys(texts) if t]
    namespace = _namespace(settings)
    found = {t: json.loads(v) for t, v in nlp_cache.get_many(namespace, unique).items()}
    todo = [t for t in unique if t not in found]
    if todo:
        log.info("extracting keywords for %d new texts (%d cached)", len(todo), len(found))
        size = int(settings["batch_size"])
        batches = range(0, len(todo), size)
        for start in tqdm(batches, desc="keywords", unit="batch", disable=len(batches) < 2):
            chunk = todo[start:start + size]
            result = _keybert().extract_keywords(
                chunk, doc_embeddings=embed(chunk, progress=False),
                keyphrase_ngram_range=(settings["ngram_min"], settings["ngram_max"]),
                stop_words=settings["stop_words"], use_mmr=settings["use_mmr"],
                diversity=settings["diversity"], top_n=settings["top_n"])
            if len(chunk) == 1:
                result = [result]
            new = {t: [(p, round(float(s), 4)) for p, s in phrases] for t, phrases in zip(chunk, result)}
            nlp_cache.put_many(namespace, {t: json.dumps(v).encode() for t, v in new.items()})
            found.update(new)
    return [[tuple(p) for p in found[t]] if t else [] for t in texts]


def session_keywords(feedback: pd.Series, settings: dict[str, Any] | None = None) -> pd.Series:
    """The ``keywords`` column: a session's phrases joined with ``; `` (missing without feedback)."""
    text = feedback.astype("string").str.strip().fillna("")
    phrases = extract(text.tolist(), settings)
    joined = [SEPARATOR.join(p for p, _ in found) for found in phrases]
    return pd.Series(joined, index=feedback.index, dtype="string").replace("", pd.NA)


def themes(enriched: pd.DataFrame, by: str, top_n: int | None = None, sentiment: str | None = None) -> pd.DataFrame:
    """The most frequent phrases per group, optionally among one sentiment label only.

    Returns columns ``by``, ``sessions`` (with keywords), ``themes`` (``; ``-joined),
    one row per group with at least one keyword.
    """
    top_n = top_n if top_n is not None else load_parameters("nlp")["themes"]["top_n"]
    frame = enriched
    if sentiment is not None:
        frame = frame[frame["sentiment"].astype("string") == sentiment]
    frame = frame.dropna(subset=["keywords"])
    if frame.empty:
        return pd.DataFrame(columns=[by, "sessions", "themes"])
    exploded = frame[[by, "keywords"]].assign(phrase=frame["keywords"].str.split(SEPARATOR)).explode("phrase")
    counts = exploded.groupby([by, "phrase"], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values([by, "n", "phrase"], ascending=[True, False, True])
    top = counts.groupby(by, observed=True).head(top_n)
    table = top.groupby(by, observed=True).agg(themes=("phrase", SEPARATOR.join)).reset_index()
    sessions = frame.groupby(by, observed=True).size().rename("sessions").reset_index()
    return sessions.merge(table, on=by).sort_values("sessions", ascending=False, ignore_index=True)

"""The labelled text the sentiment classifier is trained and evaluated on, and the leakage check.

Three kinds of labelled text ship in ``mentortrack/data/sentiment/`` (see its
``DATACARD.md`` for sources, licences, sizes and label mapping):

- ``real_feedback.csv``: human-labelled sentences from public, openly licensed
  corpora (reviews, editorials, tweets), one ``source`` per corpus;
- the project's own domain sentences: the synthetic training pool
  (``data/feedback_pool.yaml``) and the separately written domain evaluation
  set (``data/sentiment_eval.csv``); they supplement the real text, never replace it;
- ``dynasent.csv``: DynaSent's crowd-labelled review sentences, whose Neutral is a kind
  of sentence rather than a score near zero; its test split and a quarter of its dev split are never
  trained on (:func:`dynasent_part`);
- ``reserved_fingerprints.txt``: SHA-256 fingerprints of a corpus reserved for
  independent evaluation (course-evaluation comments of Welch & Mihalcea). The
  texts are not in the repository; :func:`leaked` proves none of ours is one of them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from functools import cache

import pandas as pd

from mentortrack.paths import package_data

CORPUS_FILE = "real_feedback.csv"
DYNASENT_FILE = "dynasent.csv"
"""DynaSent sentences (Yelp reviews, labelled by five crowd workers each): test, calibration and training parts."""
FINGERPRINT_FILE = "reserved_fingerprints.txt"
NEUTRAL_BAND = 0.5
"""A mean human rating on the -4..4 scale within ±0.5 is Neutral (VADER corpora)."""

DOMAIN_SOURCE = "mentortrack_domain"
"""``source`` of the project's own (synthetic) domain sentences."""
DOMAIN_NEUTRAL_FILE = "domain_neutral.csv"
DOMAIN_NEUTRAL_SOURCE = "mentortrack_domain_neutral"
"""``source`` of the project's Neutral mentoring sentences (reports of advice, plans, questions)."""
CALIBRATION_SHARE = 4
"""One DynaSent ``dev`` sentence in this many (by :func:`fingerprint`) is kept for calibration, never trained on."""


def label_from_mean_rating(score: float) -> str:
    """Positive (mean >= 0.5), Negative (<= -0.5) or Neutral, for a mean rating on -4..4."""
    if score >= NEUTRAL_BAND:
        return "Positive"
    if score <= -NEUTRAL_BAND:
        return "Negative"
    return "Neutral"


def sentiment_file(name: str) -> str:
    """Path (as text) of a file in ``data/sentiment``."""
    return str(package_data(f"sentiment/{name}"))


@cache
def real_corpus() -> pd.DataFrame:
    """The real labelled sentences: ``source``, ``source_id``, ``text``, ``score``, ``label``."""
    return pd.read_csv(sentiment_file(CORPUS_FILE), dtype={"source_id": "string"}, keep_default_na=False)


@cache
def dynasent() -> pd.DataFrame:
    """DynaSent's dev and test sentences: ``source``, ``source_id``, ``split`` (dev/test), ``text``, ``label``.

    Neutral here is a kind of sentence (the label most of five people chose among positive,
    negative, neutral and mixed), not a score near zero: the closest public definition to how
    people label course feedback. ``test`` is what ``make eval`` scores; ``dev`` is split into
    training and calibration sentences (:func:`dynasent_part`).
    """
    return pd.read_csv(sentiment_file(DYNASENT_FILE), dtype={"source_id": "string"}, keep_default_na=False)


def dynasent_part(crowd: pd.DataFrame) -> pd.Series:
    """Where each DynaSent sentence goes: ``train``, ``calibrate`` or ``test``.

    ``test`` is DynaSent's own test split (scored by ``make eval``, never trained on). Its ``dev``
    split is divided by the text's :func:`fingerprint`: one sentence in :data:`CALIBRATION_SHARE`
    is ``calibrate`` (chooses decision rules), the others are ``train``.
    """
    calibrate = crowd["text"].map(lambda t: int(fingerprint(t)[:8], 16) % CALIBRATION_SHARE == 0)
    return pd.Series(["test" if s == "test" else "calibrate" if c else "train"
                      for s, c in zip(crowd["split"], calibrate)], index=crowd.index)


def domain_training() -> pd.DataFrame:
    """The project's domain sentences to train on, as a ``source``/``text``/``label`` frame.

    The synthetic pool of the sample generator (praise, complaints, plain descriptions) and the
    Neutral mentoring sentences of ``domain_neutral.csv`` (reports of advice, suggestions,
    plans, questions: the kind of Neutral the pool lacked).
    """
    from mentortrack.contract.sample import feedback_pool

    neutral = pd.read_csv(sentiment_file(DOMAIN_NEUTRAL_FILE), keep_default_na=False)
    return pd.concat([feedback_pool().labelled().assign(source=DOMAIN_SOURCE),
                      neutral[["text", "label"]].assign(source=DOMAIN_NEUTRAL_SOURCE)], ignore_index=True)


def domain_evaluation() -> pd.DataFrame:
    """The separately written domain evaluation sentences (never trained on)."""
    return pd.read_csv(package_data("sentiment_eval.csv")).assign(source="mentortrack_domain_eval")


def fingerprint(text: str) -> str:
    """SHA-256 of a text lowercased, with every run of non-alphanumerics made one space."""
    normal = re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


@cache
def reserved_fingerprints() -> frozenset[str]:
    """Fingerprints of the reserved evaluation corpus (566 course-evaluation comments)."""
    lines = package_data(f"sentiment/{FINGERPRINT_FILE}").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def leaked(texts: Iterable[str]) -> list[str]:
    """The texts that are (up to case and punctuation) one of the reserved evaluation comments."""
    reserved = reserved_fingerprints()
    return [t for t in texts if fingerprint(t) in reserved]


FAMILIES: dict[str, str] = {
    "vader_amazon_reviews": "product reviews (Amazon)",
    "uci_amazon": "product reviews (Amazon)",
    "vader_movie_reviews": "movie reviews",
    "uci_imdb": "movie reviews",
    "vader_nyt_editorials": "news editorials",
    "vader_tweets": "tweets",
    "uci_yelp": "restaurant reviews (Yelp)",
}
"""Sources grouped by where the text comes from: a cross-source evaluation holds out a whole family."""

HEADLINE_FAMILY = "product reviews (Amazon)"
"""The held-out family closest to learner feedback (customers judging a service or product)."""

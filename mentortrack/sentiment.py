"""Sentiment of learner feedback: the published TextBlob method and the suite's label.

Columns produced by :func:`score_feedback`:

- ``textblob_polarity`` (-1..1) and ``textblob_subjectivity`` (0..1): TextBlob's
  pattern lexicon, kept because the original analysis used them.
- ``sentiment_published``: the original rule, polarity > 0.1 Positive,
  < -0.1 Negative, otherwise Neutral; empty feedback counts as Neutral.
- ``sentiment``: the suite's label, Positive / Neutral / Negative, or
  ``No feedback`` when the text is empty (never Neutral).

The suite's label is a logistic-regression classifier over the MiniLM sentence
embedding of the text plus the TextBlob polarity and VADER compound scores. It
is trained on the labelled sentence pool in ``data/feedback_pool.yaml`` (label
rule: any complaint or unmet expectation is Negative) and evaluated on
``data/sentiment_eval.csv``, 304 sentences written separately that it never
trains on (``make eval``). Lexicons miss complaints worded without negative
words ("Session felt rushed, didn't get enough time"); the embedding carries them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from textblob import TextBlob
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from mentortrack.embeddings import embed
from mentortrack.paths import package_data
from mentortrack.sample import feedback_pool

LABELS = ("Positive", "Neutral", "Negative")
NO_FEEDBACK = "No feedback"
PUBLISHED_THRESHOLD = 0.1
"""TextBlob polarity beyond ±0.1 is Positive/Negative in the published method."""


def textblob_scores(texts: pd.Series) -> pd.DataFrame:
    """TextBlob polarity and subjectivity per text (computed once per distinct text)."""
    unique = texts.dropna().unique()
    scores = {t: TextBlob(t).sentiment for t in unique}
    return pd.DataFrame({
        "textblob_polarity": texts.map(lambda t: scores[t].polarity if isinstance(t, str) else np.nan),
        "textblob_subjectivity": texts.map(lambda t: scores[t].subjectivity if isinstance(t, str) else np.nan),
    }, index=texts.index).astype("float64")


def published_label(polarity: pd.Series) -> pd.Series:
    """The original analysis' label: > 0.1 Positive, < -0.1 Negative, else (and empty) Neutral."""
    return pd.Series(np.select([polarity > PUBLISHED_THRESHOLD, polarity < -PUBLISHED_THRESHOLD],
                               ["Positive", "Negative"], "Neutral"), index=polarity.index)


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def _features(texts: list[str]) -> np.ndarray:
    polarity = [TextBlob(t).sentiment.polarity for t in texts]
    compound = [_vader().polarity_scores(t)["compound"] for t in texts]
    return np.hstack([embed(texts), np.array([polarity, compound], dtype=np.float32).T])


@dataclass(frozen=True)
class Classifier:
    """The suite's sentiment classifier and what it was trained on."""

    model: LogisticRegression
    trained_on: frozenset[str]

    def predict(self, texts: list[str]) -> list[str]:
        """Labels for non-empty texts (each distinct text is classified once)."""
        unique = list(dict.fromkeys(texts))
        if not unique:
            return []
        labels = dict(zip(unique, self.model.predict(_features(unique))))
        return [labels[t] for t in texts]


def train(training: pd.DataFrame | None = None) -> Classifier:
    """Fit the classifier on labelled sentences (default: the feedback pool)."""
    data = training if training is not None else feedback_pool().labelled()
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    model.fit(_features(data["text"].tolist()), data["label"].to_numpy())
    return Classifier(model, frozenset(data["text"]))


@cache
def default_classifier() -> Classifier:
    """The classifier trained on the packaged pool, built once per process."""
    return train()


def _clean(feedback: pd.Series) -> pd.Series:
    text = feedback.astype("string").str.strip()
    return text.where(text != "")


def published_scores(feedback: pd.Series) -> pd.DataFrame:
    """TextBlob polarity, subjectivity and the published label (empty feedback = Neutral)."""
    text = _clean(feedback)
    scores = textblob_scores(text.astype(object).where(text.notna(), None))
    scores["sentiment_published"] = published_label(scores["textblob_polarity"].fillna(0.0))
    return scores


def score_feedback(feedback: pd.Series) -> pd.DataFrame:
    """All sentiment columns for a feedback column (missing or blank text = ``No feedback``)."""
    scores = published_scores(feedback)
    present = _clean(feedback).dropna()
    labels = pd.Series(default_classifier().predict(present.tolist()), index=present.index, dtype="string")
    scores["sentiment"] = labels.reindex(feedback.index).fillna(NO_FEEDBACK).astype("string")
    return scores


def load_eval_set() -> pd.DataFrame:
    """The labelled evaluation sentences (never used for training)."""
    return pd.read_csv(package_data("sentiment_eval.csv"))


def evaluate() -> pd.DataFrame:
    """Accuracy and macro-F1 of TextBlob, VADER and the suite's method on the evaluation set.

    Raises if any evaluation sentence is in the training data.
    """
    data = load_eval_set()
    texts = data["text"].tolist()
    classifier = default_classifier()
    leaked = set(texts) & classifier.trained_on
    if leaked:
        raise ValueError(f"{len(leaked)} evaluation sentences are in the training data, e.g. {next(iter(leaked))!r}")
    textblob = published_label(textblob_scores(data["text"])["textblob_polarity"])
    compound = pd.Series([_vader().polarity_scores(t)["compound"] for t in texts])
    vader = pd.Series(np.select([compound >= 0.05, compound <= -0.05], ["Positive", "Negative"], "Neutral"))
    methods = {"TextBlob ±0.1 (published)": textblob, "VADER ±0.05": vader,
               "mentortrack (MiniLM + lexicons, logistic regression)": pd.Series(classifier.predict(texts))}
    return pd.DataFrame([{
        "method": name,
        "accuracy": accuracy_score(data["label"], predicted),
        "macro_f1": f1_score(data["label"], predicted, average="macro", labels=list(LABELS)),
        "negative_recall": float(((predicted == "Negative") & (data["label"] == "Negative")).sum()
                                 / (data["label"] == "Negative").sum()),
    } for name, predicted in methods.items()])

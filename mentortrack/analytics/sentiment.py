"""Sentiment of learner feedback: the published TextBlob method and the suite's label.

Columns produced by :func:`score_feedback`:

- ``textblob_polarity`` (-1..1) and ``textblob_subjectivity`` (0..1): TextBlob's
  pattern lexicon, kept because the original analysis used them.
- ``sentiment_published``: the original rule, polarity > 0.1 Positive,
  < -0.1 Negative, otherwise Neutral; empty feedback counts as Neutral.
- ``sentiment``: the suite's label, Positive / Neutral / Negative, or
  ``No feedback`` when the text is empty (never Neutral).
- ``sentiment_confidence`` (0..1): the model's probability of that label; sort
  ascending to review the borderline ones. Empty for ``No feedback``.
- ``sentiment_mixed``: the feedback clearly praises one thing and clearly
  complains about another.

The suite's label comes from one of two models trained on human-labelled real
text and the project's domain sentences (:mod:`mentortrack.analytics.training`; chosen in
``parameters/nlp.yaml``, ``sentiment.model``):

- ``minilm-finetuned`` (default): all-MiniLM-L6-v2 fine-tuned for the three
  labels, run as a static int8 ONNX model with onnxruntime (no torch), texts of equal
  token count batched together (:data:`BATCH_TOKENS`);
- ``static-linear``: a logistic regression over the static embedding plus TextBlob
  polarity and VADER compound: faster, less accurate.

Both were trained with equal class weights; the Neutral probability is then halved
(:data:`NEUTRAL_PRIOR`) because learner feedback is mostly opinionated.

Mixed feedback rule: the label follows the balance of the whole text, as the human
raters of the training corpora judged it. The text is also cut into clauses at
sentence ends and contrast words (but, however, although, though, yet, except,
whereas); when one clause is Positive and another Negative, each with probability
>= 0.9, the feedback is *mixed*: ``sentiment_mixed`` is true and the label is
Neutral ("I thought 583 was boring but useful." -> Neutral, mixed). Early warnings
flag mixed feedback for review (amber). A looser rule (probability >= 0.6) made the
held-out scores worse, so the rule only fires on clear opposites.

Labels are cached on disk per text and model, like keywords.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from mentortrack.analytics import cache as nlp_cache
from mentortrack.analytics import lexicon
from mentortrack.analytics.embeddings import embed, encoder_id
from mentortrack.paths import package_data

LABELS = ("Positive", "Neutral", "Negative")
LABEL_ORDER = ("Negative", "Neutral", "Positive")
"""Column order of every model's probabilities."""

NO_FEEDBACK = "No feedback"
BORDERLINE = 0.6
"""A label whose confidence (the model's probability of it, 0–1) is below this is borderline: worth a
second look by a person (notebook 03 lists them)."""
PUBLISHED_THRESHOLD = 0.1
"""TextBlob polarity beyond ±0.1 is Positive/Negative in the published method."""

SENTIMENT_MODELS = ("minilm-finetuned", "static-linear")
NEUTRAL_PRIOR = 0.5
"""Factor on the Neutral probability before the argmax."""

MIXED_MIN_PROBABILITY = 0.9
"""A clause counts as clearly Positive/Negative for the mixed rule at this probability."""

THREADS_ENV = "MENTORTRACK_ONNX_THREADS"
"""Threads onnxruntime may use per process (0: one per core available to the process). A Dask worker sets
its own thread count, so workers sharing a machine do not oversubscribe its cores."""

BATCH_TOKENS = 4096
"""Tokens per ONNX run (rows × tokens per row). A run holds texts of one token count only, so nothing is
padded, and the model's activation ranges are fixed (static int8 quantisation, calibrated when it was
trained): every operator treats a row on its own, so a text's scores do not depend on the texts it is
batched with (tested bit for bit against the text run alone)."""
MAX_TOKENS = 128

CLAUSE_SPLIT = re.compile(r"(?<=[.!?;])\s+|\s*,?\s+\b(?:but|however|although|though|yet|except|whereas)\b\s*",
                          flags=re.IGNORECASE)
LEADING_CONTRAST = re.compile(r"^\s*(?:but|however|although|though|yet|except|whereas)\b[\s,]*", flags=re.IGNORECASE)


TEXTBLOB_NAMESPACE = "textblob:pattern"
"""Cache namespace of TextBlob (polarity, subjectivity): the pattern lexicon is part of the installed textblob."""


def textblob_pairs(texts: list[str], use_cache: bool = True) -> dict[str, tuple[float, float]]:
    """TextBlob (polarity, subjectivity) per distinct text, through the on-disk cache unless ``use_cache`` is false."""
    unique = list(dict.fromkeys(texts))
    cached = nlp_cache.get_many(TEXTBLOB_NAMESPACE, unique) if use_cache else {}
    found = {t: tuple(json.loads(v)) for t, v in cached.items()}
    todo = [t for t in unique if t not in found]
    if todo:
        new = {t: lexicon.sentiment(t) for t in todo}
        if use_cache:
            nlp_cache.put_many(TEXTBLOB_NAMESPACE, {t: json.dumps(v).encode() for t, v in new.items()})
        found.update(new)
    return found  # type: ignore[return-value]


def textblob_scores(texts: pd.Series) -> pd.DataFrame:
    """TextBlob polarity and subjectivity per text (computed once per distinct text, cached)."""
    scores = textblob_pairs([t for t in texts.dropna().unique() if isinstance(t, str)])
    return pd.DataFrame({
        "textblob_polarity": texts.map(lambda t: scores[t][0] if isinstance(t, str) else np.nan),
        "textblob_subjectivity": texts.map(lambda t: scores[t][1] if isinstance(t, str) else np.nan),
    }, index=texts.index).astype("float64")


def published_label(polarity: pd.Series) -> pd.Series:
    """The original analysis' label: > 0.1 Positive, < -0.1 Negative, else (and empty) Neutral."""
    return pd.Series(np.select([polarity > PUBLISHED_THRESHOLD, polarity < -PUBLISHED_THRESHOLD],
                               ["Positive", "Negative"], "Neutral"), index=polarity.index)


@cache
def _vader():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_compound(texts: list[str]) -> np.ndarray:
    """VADER's compound score (-1..1) per text."""
    analyzer = _vader()
    return np.array([analyzer.polarity_scores(t)["compound"] for t in texts], dtype=np.float32)


def linear_features(texts: list[str], polarity: np.ndarray | None = None) -> np.ndarray:
    """The static-linear model's input: static embedding, TextBlob polarity, VADER compound."""
    if polarity is None:
        polarity = textblob_scores(pd.Series(texts, dtype=object))["textblob_polarity"].to_numpy()
    lexical = np.column_stack([np.asarray(polarity, dtype=np.float32), vader_compound(texts)])
    return np.hstack([embed(texts, "static"), lexical]).astype(np.float32)


def model_path(name: str) -> Path:
    """Where the sentiment model ``name`` ships."""
    suffix = ".onnx" if name == "minilm-finetuned" else ".npz"
    return package_data(f"models/sentiment-{name}{suffix}")


class SentimentModel(Protocol):
    """What the label needs from a model: probabilities in :data:`LABEL_ORDER` and a cache key."""

    key: str

    def probabilities(self, texts: list[str], polarity: np.ndarray | None = None) -> np.ndarray:
        """One row per text, columns Negative, Neutral, Positive, rows summing to 1."""

    def warm_up(self) -> None:
        """Load what the first :meth:`probabilities` call would load."""


def _softmax(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(logits)
    return p / p.sum(axis=1, keepdims=True)


def _with_prior(p: np.ndarray, neutral_prior: float) -> np.ndarray:
    p = p.copy()
    p[:, LABEL_ORDER.index("Neutral")] *= neutral_prior
    return p / p.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class LinearSentiment:
    """The static-linear model: a multinomial logistic regression stored as plain arrays (no pickle).

    Attributes:
        coef: weights, one row per class (``classes`` order).
        intercept: one bias per class.
        classes: class names in row order.
        neutral_prior: factor on the Neutral probability before the argmax.
        encoder_id: the static encoder's name and weights hash when it was trained.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: tuple[str, ...]
    neutral_prior: float
    encoder_id: str

    @property
    def key(self) -> str:
        """Identifies this model in the label cache."""
        digest = hashlib.sha256(self.coef.tobytes() + self.intercept.tobytes()).hexdigest()[:12]
        return f"sentiment:static-linear:{self.encoder_id}:{digest}:prior={self.neutral_prior}"

    def probabilities(self, texts: list[str], polarity: np.ndarray | None = None, x: np.ndarray | None = None
                      ) -> np.ndarray:
        """Probabilities (Negative, Neutral, Positive) after the neutral prior; ``x``: features if known."""
        x = linear_features(texts, polarity) if x is None else x
        p = _softmax(x @ self.coef.T + self.intercept)
        p = p[:, [self.classes.index(c) for c in LABEL_ORDER]]
        return _with_prior(p, self.neutral_prior)

    def warm_up(self) -> None:
        """Nothing to load: the weights are arrays in memory, and the static encoder its features come from is
        loaded by :func:`mentortrack.analytics.keywords.warm_up`."""

    def save(self, path: Path) -> Path:
        """Write the weights as ``.npz``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, coef=self.coef, intercept=self.intercept, classes=np.array(self.classes),
                 neutral_prior=np.float64(self.neutral_prior), encoder_id=np.array(self.encoder_id))
        return path

    @classmethod
    def load(cls, path: Path) -> LinearSentiment:
        """Read weights written by :meth:`save`.

        Raises:
            FileNotFoundError: they were fitted on another build of the static encoder.
        """
        with np.load(path, allow_pickle=False) as data:
            fitted = cls(data["coef"], data["intercept"], tuple(str(c) for c in data["classes"]),
                         float(data["neutral_prior"]), str(data["encoder_id"]))
        if fitted.encoder_id != encoder_id("static"):
            raise FileNotFoundError(f"{path} was trained on {fitted.encoder_id}, but the installed static encoder "
                                    f"is {encoder_id('static')}; run `make train`")
        return fitted


def onnx_threads() -> int:
    """Texts scored at once (:data:`THREADS_ENV`, else the cores this process may run on)."""
    threads = int(os.environ.get(THREADS_ENV, "0"))
    if threads > 0:
        return threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class FinetunedSentiment:
    """The fine-tuned MiniLM classifier, run as an int8 ONNX model (onnxruntime + tokenizers).

    Texts are grouped by token count and each group runs in batches of up to :data:`BATCH_TOKENS`
    tokens; :func:`onnx_threads` batches run at once from a thread pool (onnxruntime releases the GIL
    during a run), each on one onnxruntime thread: on a shared machine, waiting intra-op threads spin
    on cores other processes need, and batches keep every thread busy. The model is quantised with
    fixed activation ranges (:func:`mentortrack.analytics.training.quantize`), so a row's scores depend
    on its text only: the cache, a Dask cluster, a re-run and any grouping agree (tested).
    """

    def __init__(self, path: Path, neutral_prior: float = NEUTRAL_PRIOR) -> None:
        self.path = path
        self.threads = onnx_threads()
        self.neutral_prior = neutral_prior
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        self.key = f"sentiment:minilm-finetuned:{digest}:prior={neutral_prior}"

    @cached_property
    def session(self) -> Any:
        """The onnxruntime session, made on first use: a run whose every label is cached never loads it."""
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def warm_up(self) -> None:
        """Load the session and the tokenizer now (a Dask worker pays this once, before its first partition)."""
        self.session.get_inputs()
        self.tokenizer.get_vocab_size()

    @cached_property
    def tokenizer(self) -> Any:
        """The model's tokenizer (truncating at :data:`MAX_TOKENS`, no padding), loaded on first use."""
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.path.with_suffix(".tokenizer.json")))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        return tokenizer

    def batches(self, texts: list[str]) -> list[np.ndarray]:
        """Token ids of ``texts`` (distinct) in runs: rows of one token count, at most :data:`BATCH_TOKENS`
        tokens a run, longest runs first (so that the last runs of the pool are short). Each array's
        first column is the row's index in ``texts``, the others its token ids."""
        by_length: dict[int, list[list[int]]] = {}
        for i, encoding in enumerate(self.tokenizer.encode_batch(texts)):
            by_length.setdefault(len(encoding.ids), []).append([i, *encoding.ids])
        runs = []
        for length, rows in sorted(by_length.items(), reverse=True):
            size = max(1, BATCH_TOKENS // length)
            runs += [np.array(rows[k:k + size], dtype=np.int64) for k in range(0, len(rows), size)]
        return runs

    def logits(self, texts: list[str]) -> np.ndarray:
        """The model's raw output (one row per text, columns :data:`LABEL_ORDER`), each distinct text run once."""
        unique = list(dict.fromkeys(texts))
        found = np.zeros((len(unique), len(LABEL_ORDER)), dtype=np.float32)

        def run(batch: np.ndarray) -> None:
            ids = np.ascontiguousarray(batch[:, 1:])
            found[batch[:, 0]] = session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]

        runs = self.batches(unique)
        session = self.session  # made here, before the pool's threads share it
        if self.threads > 1 and len(runs) > 1:
            with ThreadPoolExecutor(min(self.threads, len(runs))) as pool:
                list(pool.map(run, runs))
        else:
            for batch in runs:
                run(batch)
        row = {t: i for i, t in enumerate(unique)}
        return found[[row[t] for t in texts]]

    def probabilities(self, texts: list[str], polarity: np.ndarray | None = None) -> np.ndarray:
        """Probabilities (Negative, Neutral, Positive) after the neutral prior."""
        return _with_prior(_softmax(self.logits(texts)), self.neutral_prior)


@cache
def sentiment_model(name: str) -> SentimentModel:
    """The shipped sentiment model ``name`` (see the module docstring).

    Raises:
        FileNotFoundError: the model was not built (``make train``).
    """
    if name not in SENTIMENT_MODELS:
        raise ValueError(f"unknown sentiment model {name!r}; use one of {', '.join(SENTIMENT_MODELS)}")
    path = model_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no sentiment model at {path}; run `make train`")
    return FinetunedSentiment(path) if name == "minilm-finetuned" else LinearSentiment.load(path)


def clauses(text: str) -> list[str]:
    """The text cut at sentence ends and contrast words (pieces of 1–2 characters dropped)."""
    pieces = (LEADING_CONTRAST.sub("", c).strip(" ,;") for c in CLAUSE_SPLIT.split(text) if c)
    return [c for c in pieces if len(c) > 2]


def clause_pieces(texts: list[str]) -> list[tuple[int, str]]:
    """(index of the text, clause) for every clause of the texts cut into more than one clause."""
    cut = [clauses(text) for text in texts]
    return [(i, c) for i, found in enumerate(cut) if len(found) > 1 for c in found]


def mixed_flags(texts: list[str], model: SentimentModel, clause_probabilities: np.ndarray | None = None
                ) -> np.ndarray:
    """True where one clause is clearly Positive and another clearly Negative (see the module docstring).

    ``clause_probabilities``: the model's output for the clauses of :func:`clause_pieces`, if known.
    """
    multi = clause_pieces(texts)
    mixed = np.zeros(len(texts), dtype=bool)
    if not multi:
        return mixed
    q = model.probabilities([c for _, c in multi]) if clause_probabilities is None else clause_probabilities
    clear = pd.DataFrame({"i": [i for i, _ in multi], "label": np.array(LABEL_ORDER)[q.argmax(axis=1)],
                          "clear": q.max(axis=1) >= MIXED_MIN_PROBABILITY})
    for i, found in clear[clear["clear"]].groupby("i")["label"].agg(set).items():
        mixed[int(i)] = {"Positive", "Negative"} <= found
    return mixed


def _with_clauses(texts: list[str], model: SentimentModel, polarity: np.ndarray | None
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    """The model's output for the texts and for their clauses (:func:`clause_pieces`; None without any).

    The fine-tuned model reads the text only, so texts and clauses go through it in one pass (a clause
    that is also a text runs once); the static-linear model takes the texts' known TextBlob polarity.
    """
    pieces = [c for _, c in clause_pieces(texts)]
    if isinstance(model, FinetunedSentiment):
        p = model.probabilities([*texts, *pieces])
        return p[:len(texts)], p[len(texts):] if pieces else None
    return model.probabilities(texts, polarity), model.probabilities(pieces) if pieces else None


def classify(texts: list[str], model: SentimentModel, polarity: np.ndarray | None = None,
             probabilities: np.ndarray | None = None) -> pd.DataFrame:
    """Label, confidence and mixed flag for non-empty texts (no cache; see :func:`labels`).

    ``probabilities`` holds the model's output for ``texts`` when it was computed already.
    """
    if not texts:
        return pd.DataFrame(columns=["sentiment", "sentiment_confidence", "sentiment_mixed"])
    if probabilities is None:
        p, q = _with_clauses(texts, model, polarity)
    else:
        p, q = probabilities, None
    label, confidence = np.array(LABEL_ORDER)[p.argmax(axis=1)], p.max(axis=1)
    mixed = mixed_flags(texts, model, q)
    neutral, positive, negative = (LABEL_ORDER.index(c) for c in ("Neutral", "Positive", "Negative"))
    label = np.where(mixed, "Neutral", label)
    confidence = np.where(mixed, p[:, neutral] + np.minimum(p[:, positive], p[:, negative]), confidence)
    return pd.DataFrame({"sentiment": label, "sentiment_confidence": np.round(confidence, 4),
                         "sentiment_mixed": mixed}, index=texts)


def labels(texts: list[str], model: SentimentModel, polarity: dict[str, float] | None = None) -> pd.DataFrame:
    """:func:`classify` for each distinct text, through the on-disk cache (keyed by text and model)."""
    unique = list(dict.fromkeys(t for t in texts if t))
    found = {t: json.loads(v) for t, v in nlp_cache.get_many(model.key, unique).items()}
    todo = [t for t in unique if t not in found]
    if todo:
        known = np.array([polarity[t] for t in todo]) if polarity is not None else None
        new = classify(todo, model, known)
        records = {t: [r.sentiment, float(r.sentiment_confidence), bool(r.sentiment_mixed)]
                   for t, r in zip(todo, new.itertuples())}
        nlp_cache.put_many(model.key, {t: json.dumps(v).encode() for t, v in records.items()})
        found.update(records)
    rows = [found[t] for t in unique]
    return pd.DataFrame(rows, index=unique, columns=["sentiment", "sentiment_confidence", "sentiment_mixed"])


def _clean(feedback: pd.Series) -> pd.Series:
    text = feedback.astype("string").str.strip()
    return text.where(text != "")


def published_scores(feedback: pd.Series) -> pd.DataFrame:
    """TextBlob polarity, subjectivity and the published label (empty feedback = Neutral)."""
    text = _clean(feedback)
    scores = textblob_scores(text.astype(object).where(text.notna(), None))
    scores["sentiment_published"] = published_label(scores["textblob_polarity"].fillna(0.0))
    return scores


def score_feedback(feedback: pd.Series, model: str) -> pd.DataFrame:
    """All sentiment columns for a feedback column (missing or blank text = ``No feedback``).

    TextBlob runs once per distinct text; its polarity feeds both the published
    label and the classifier.
    """
    scores = published_scores(feedback)
    text = _clean(feedback)
    present = text.dropna()
    polarity = dict(zip(present, scores.loc[present.index, "textblob_polarity"]))
    found = labels(present.tolist(), sentiment_model(model), polarity)
    per_row = found.reindex(present.to_numpy())
    per_row.index = present.index
    scores["sentiment"] = per_row["sentiment"].reindex(feedback.index).fillna(NO_FEEDBACK).astype("string")
    scores["sentiment_confidence"] = per_row["sentiment_confidence"].reindex(feedback.index).astype("float64")
    scores["sentiment_mixed"] = per_row["sentiment_mixed"].reindex(feedback.index).fillna(False).astype(bool)
    return scores

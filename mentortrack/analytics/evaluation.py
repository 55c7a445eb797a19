"""``make eval``: the suite's sentiment label against TextBlob and VADER, on text it never trained on.

Evaluation sets:

- **Held-out real text.** The product-review family
  (:data:`mentortrack.analytics.corpus.HEADLINE_FAMILY`: sentences of Amazon reviews rated by
  people) is left out of every shipped model's training (:mod:`mentortrack.analytics.training`),
  so the shipped model is scored on a source it never saw.
- **Held-out crowd-labelled sentences.** The test split of DynaSent
  (:func:`mentortrack.analytics.corpus.dynasent`: Yelp review sentences, each labelled by
  five people choosing positive, negative, neutral or mixed), never trained on (three quarters
  of the dev split of the same corpus are). Its
  Neutral is a kind of sentence (a description, a question, a plan) rather than a rating
  near zero, which is how people label course feedback; a third of it is Neutral.
- **Domain sentences** written for the project (never trained on), and the
  feedback quoted from the real export (late mentor, rushed session, vague advice,
  praise) as a regression check: the generator's pool repeats those sentences.
- With ``cross_source``: the static-linear model refitted without each other source
  family in turn and scored on it (cheap enough to refit; the fine-tuned model takes
  about 10 minutes per fit).

Scores: accuracy, macro-F1 over the classes present, per-class precision, recall
and F1, a confusion matrix and the misclassified texts. Before scoring, the
evaluation checks that no evaluated text is in the training data and that no text
of the repository's corpora is one of the reserved evaluation comments. The result
is also written next to the model (``sentiment-<model>.evaluation.json``) for the
sentiment report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mentortrack.analytics.corpus import (
    FAMILIES,
    HEADLINE_FAMILY,
    domain_evaluation,
    domain_training,
    dynasent,
    leaked,
    real_corpus,
)
from mentortrack.analytics.sentiment import (
    SentimentModel,
    classify,
    linear_features,
    model_path,
    published_label,
    sentiment_model,
    textblob_scores,
    vader_compound,
)

METHODS = ("TextBlob ±0.1 (published)", "VADER ±0.05", "mentortrack")
HEADLINE_SET = f"held out: {HEADLINE_FAMILY}"
DYNASENT_SET = "held out: crowd-labelled review sentences (DynaSent test)"
DOMAIN_SET = "domain sentences (written for the project)"
EXPORT_SET = "real export examples (regression check)"
EXPORT_EXAMPLES = pd.DataFrame([
    ("Excellent career guidance, very motivating", "Positive"),
    ("Mentor was late, shortened our discussion time", "Negative"),
    ("Session felt rushed, didn't get enough time", "Negative"),
    ("Vague advice, expected more concrete steps", "Negative"),
], columns=["text", "label"])
"""Feedback quoted from the real export, with the label a program manager gives it."""


@dataclass(frozen=True)
class Evaluation:
    """Everything ``make eval`` prints.

    Attributes:
        scores: one row per (evaluation set, method): n, accuracy, macro-F1, and
            precision/recall/F1 per class (see :func:`score_table`).
        predictions: every evaluated text with its gold label and each method's label.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame

    def confusion(self, evaluation_set: str, method: str = "mentortrack") -> pd.DataFrame:
        """Confusion matrix (rows: true label, columns: predicted) of one method on one set."""
        rows = self.predictions[self.predictions["set"] == evaluation_set]
        table = pd.crosstab(rows["label"], rows[method], rownames=["true"], colnames=["predicted"])
        order = [c for c in ("Negative", "Neutral", "Positive") if c in set(table.index) | set(table.columns)]
        return table.reindex(index=[o for o in order if o in table.index], columns=order, fill_value=0)

    def errors(self, evaluation_set: str, limit: int = 10) -> pd.DataFrame:
        """Texts the suite labels wrongly, most confident first (the errors that matter most)."""
        rows = self.predictions[(self.predictions["set"] == evaluation_set)
                                & (self.predictions["label"] != self.predictions["mentortrack"])]
        return rows.sort_values("confidence", ascending=False)[["text", "label", "mentortrack", "confidence"]].head(limit)

    def summary(self, model: str) -> dict[str, Any]:
        """Scores, the headline confusion matrix and errors, as JSON-ready data."""
        return {"model": model, "int8_kernels": int8_kernels(), "scores": self.scores.to_dict("records"),
                "confusion": self.confusion(HEADLINE_SET).to_dict("index"),
                "errors": {name: self.errors(name).to_dict("records") for name in (HEADLINE_SET, DYNASENT_SET, DOMAIN_SET)}}


def int8_kernels() -> str:
    """Which of onnxruntime's int8 matrix kernels this CPU runs: "avx512_vnni", "avx_vnni", "avx2" or the
    machine's name. The static int8 model's logits depend on it (the AVX2 kernels multiply in saturating
    16-bit steps, the VNNI ones in 32 bits), so a few labels differ between such machines; an evaluation
    records it and is reproduced exactly only on a CPU with the same kernels."""
    import platform

    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return platform.machine() or "unknown"
    flags = set(next((line.split(":", 1)[1] for line in text.splitlines() if line.startswith("flags")), "").split())
    return next((kind for kind in ("avx512_vnni", "avx_vnni", "avx2") if kind in flags), platform.machine() or "unknown")


def summary_path(model: str) -> Path:
    """Where the evaluation of a shipped model is kept for the reports."""
    return model_path(model).with_suffix(".evaluation.json")


def load_summary(model: str) -> dict[str, Any] | None:
    """The last evaluation written by ``make eval`` / ``make train`` for ``model`` (None if absent)."""
    path = summary_path(model)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def baseline_labels(texts: list[str]) -> dict[str, list[str]]:
    """TextBlob ±0.1 (the published rule) and VADER ±0.05 labels."""
    polarity = textblob_scores(pd.Series(texts, dtype=object))["textblob_polarity"]
    compound = vader_compound(texts)
    vader = np.select([compound >= 0.05, compound <= -0.05], ["Positive", "Negative"], "Neutral")
    return {METHODS[0]: published_label(polarity).tolist(), METHODS[1]: vader.tolist()}


def score_table(gold: pd.Series, predicted: pd.Series) -> dict[str, float]:
    """n, accuracy, macro-F1 over the gold classes, and per-class precision/recall/F1."""
    from sklearn.metrics import (
        accuracy_score,
        f1_score,
        precision_recall_fscore_support,
    )

    present = [c for c in ("Negative", "Neutral", "Positive") if (gold == c).any()]
    row: dict[str, float] = {"n": len(gold), "accuracy": accuracy_score(gold, predicted),
                             "macro_f1": f1_score(gold, predicted, labels=present, average="macro", zero_division=0)}
    p, r, f, _ = precision_recall_fscore_support(gold, predicted, labels=present, zero_division=0)
    for label, *values in zip(present, p, r, f):
        for name, value in zip(("precision", "recall", "f1"), values):
            row[f"{label.lower()}_{name}"] = value
    return row


def _evaluate_set(name: str, data: pd.DataFrame, model: SentimentModel,
                  probabilities: np.ndarray | None = None) -> pd.DataFrame:
    texts = data["text"].tolist()
    suite = classify(texts, model, probabilities=probabilities)
    frame = data[["text", "label"]].reset_index(drop=True).assign(set=name)
    for method, found in baseline_labels(texts).items():
        frame[method] = found
    frame["mentortrack"] = suite["sentiment"].to_numpy()
    frame["confidence"] = suite["sentiment_confidence"].to_numpy()
    frame["mixed"] = suite["sentiment_mixed"].to_numpy()
    return frame


def check_no_leakage(trained_on: set[str], evaluated: pd.DataFrame) -> None:
    """Raise if an evaluated text was trained on, or any corpus text is a reserved evaluation comment."""
    overlap = trained_on & set(evaluated["text"])
    if overlap:
        raise ValueError(f"{len(overlap)} evaluated texts are in the training data, e.g. {next(iter(overlap))!r}")
    every_text = pd.concat([real_corpus()["text"], dynasent()["text"], domain_training()["text"],
                            domain_evaluation()["text"]])
    reserved = leaked(every_text)
    if reserved:
        raise ValueError(f"{len(reserved)} texts of the repository are reserved evaluation comments")


def _cross_source() -> list[pd.DataFrame]:
    """The static-linear model refitted without each non-headline family and scored on it."""
    from mentortrack.analytics.training import fit_linear, training_frame

    real = real_corpus()
    texts = list(dict.fromkeys([*training_frame()["text"], *real["text"]]))
    x_all = linear_features(texts)
    row = {t: i for i, t in enumerate(texts)}
    frames = []
    for family in dict.fromkeys(FAMILIES.values()):
        if family == HEADLINE_FAMILY:
            continue
        train = training_frame(hold_out=[HEADLINE_FAMILY, family])
        held = real[real["source"].map(FAMILIES) == family]
        check_no_leakage(set(train["text"]), held)
        model = fit_linear(train, x_all[[row[t] for t in train["text"]]])
        p = model.probabilities(held["text"].tolist(), x=x_all[[row[t] for t in held["text"]]])
        frames.append(_evaluate_set(f"static-linear, held out: {family}", held, model, p))
    return frames


def evaluate(model: str, cross_source: bool = False, write: bool = True) -> Evaluation:
    """Score the shipped ``model`` and the baselines; write the summary beside the model if ``write``."""
    from mentortrack.analytics.training import training_frame

    trained_on = set(training_frame()["text"])
    shipped = sentiment_model(model)
    real = real_corpus()
    held = real[real["source"].map(FAMILIES) == HEADLINE_FAMILY]
    crowd = dynasent()[dynasent()["split"] == "test"]
    for evaluated in (held, crowd, domain_evaluation()):
        check_no_leakage(trained_on, evaluated)
    frames = [_evaluate_set(HEADLINE_SET, held, shipped),
              _evaluate_set(DYNASENT_SET, crowd, shipped),
              _evaluate_set(DOMAIN_SET, domain_evaluation(), shipped),
              _evaluate_set(EXPORT_SET, EXPORT_EXAMPLES, shipped)]
    if cross_source:
        frames += _cross_source()
    predictions = pd.concat(frames, ignore_index=True)
    rows = [{"set": name, "method": method, **score_table(group["label"], group[method])}
            for name, group in predictions.groupby("set", sort=False) for method in METHODS]
    result = Evaluation(pd.DataFrame(rows), predictions)
    if write:
        summary_path(model).write_text(json.dumps(result.summary(model), indent=1, default=float), encoding="utf-8")
    return result

"""``make eval-themes``: precision, recall and F1 of the theme assignment per theme, on hand-labelled real text.

The set (``data/themes/theme_eval.csv``, data card beside it) holds real sentences
labelled by hand with the themes of ``parameters/themes.yaml``, in two groups
(:data:`SETS`): students' comments on their teachers (the closest openly licensed
text to learner feedback on a mentor) and customers' review sentences about a
service. Each row is in ``dev`` (what the taxonomy's phrases, thresholds and cues
were tuned on) or ``test`` (only scored), by the parity of the SHA-256 of its text.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mentortrack.analytics.corpus import leaked
from mentortrack.config import ThemeTaxonomy

THEME_EVAL_FILE = "themes/theme_eval.csv"
"""Real sentences hand-labelled with the taxonomy's themes (see ``data/themes/DATACARD.md``)."""

BEFORE_FILE = "themes/themes_before.yaml"
"""The taxonomy before the learner-feedback set was made (examples only, one threshold), scored as "before"."""

SETS: dict[str, tuple[str, ...]] = {
    "learner feedback": ("rmp_he2020",),
    "service reviews": ("vader_amazon_reviews", "uci_yelp", "uci_amazon"),
}
"""Evaluation groups by ``source``: students on their teachers (RateMyProfessors comments) and customers on a
service (Amazon and Yelp review sentences)."""


def theme_gold() -> pd.DataFrame:
    """The hand-labelled set: ``source``, ``source_id``, ``text``, ``themes`` (keys joined by ``;``, or
    ``other``), ``drawn`` (``random``, ``keyword`` or ``unrecorded``: how the row was picked), ``split``."""
    from mentortrack.paths import package_data

    return pd.read_csv(package_data(THEME_EVAL_FILE), dtype=str, keep_default_na=False)


def before_settings() -> ThemeTaxonomy:
    """The validated settings of :data:`BEFORE_FILE`, for :func:`evaluate_themes`."""
    import yaml

    from mentortrack.paths import package_data

    return ThemeTaxonomy.model_validate(yaml.safe_load(package_data(BEFORE_FILE).read_text(encoding="utf-8")))


def _checked(gold: pd.DataFrame, tax: Any) -> list[set[str]]:
    """The gold theme labels per row, after checking the rows may be evaluated at all."""
    reserved = leaked(gold["text"])
    if reserved:
        raise ValueError(f"{len(reserved)} texts of the theme evaluation are reserved evaluation comments, "
                         f"e.g. {reserved[0]!r}")
    examples = {e.lower() for t in tax.themes for e in t.examples}
    shared = [t for t in gold["text"] if t.lower().strip(" .!") in examples]
    if shared:
        raise ValueError(f"{len(shared)} evaluated texts are example phrases of the taxonomy, e.g. {shared[0]!r}")
    label = {t.key: t.label for t in tax.themes}
    unknown = {k for cell in gold["themes"] for k in cell.split(";")} - set(label) - {"other"}
    if unknown:
        raise ValueError(f"the theme evaluation names themes the taxonomy lacks: {', '.join(sorted(unknown))}")
    return [{label[k] for k in cell.split(";") if k in label} for cell in gold["themes"]]


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def per_theme(truth: list[set[str]], pred: list[set[str]], names: list[str], other: str) -> pd.DataFrame:
    """One row per theme: ``support`` (texts labelled with it), ``predicted``, ``right`` (both), ``precision`` =
    right / predicted, ``recall`` = right / support, ``f1`` (each empty when its denominator is 0). ``other``
    scores "no theme" as a class of its own."""
    rows = []
    for name in names:
        g = [name in s for s in truth] if name != other else [not s for s in truth]
        p = [name in s for s in pred] if name != other else [not s for s in pred]
        right = sum(a and b for a, b in zip(g, p))
        precision = right / sum(p) if sum(p) else None
        recall = right / sum(g) if sum(g) else None
        rows.append({"theme": name, "support": sum(g), "predicted": sum(p), "right": right,
                     "precision": precision, "recall": recall, "f1": _f1(precision, recall)})
    return pd.DataFrame(rows)


def micro(truth: list[set[str]], pred: list[set[str]]) -> dict[str, float]:
    """Precision, recall and F1 pooled over every (text, theme) pair (Other is no pair)."""
    right = sum(len(a & b) for a, b in zip(truth, pred))
    n_pred, n_gold = sum(map(len, pred)), sum(map(len, truth))
    p, r = right / max(n_pred, 1), right / max(n_gold, 1)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def macro(table: pd.DataFrame, other: str) -> dict[str, float]:
    """Means over the themes with support (Other excluded); a theme never predicted has precision 0."""
    rows = table[(table["theme"] != other) & (table["support"] > 0)]
    if rows.empty:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0, "themes": 0}
    return {"precision": float(rows["precision"].fillna(0.0).mean()), "recall": float(rows["recall"].mean()),
            "f1": float(rows["f1"].fillna(0.0).mean()), "themes": len(rows)}


def evaluate_themes(settings: ThemeTaxonomy, thresholds: tuple[float, ...] = (),
                    split: str = "test", group: str | None = "learner feedback",
                    drawn: str | None = None) -> dict[str, Any]:
    """Per-theme and pooled scores of the theme assignment on one ``split`` of one ``group`` of :data:`SETS`
    (all rows when None), optionally only the rows ``drawn`` one way (``random`` or ``keyword``).

    A text's predicted themes are those :func:`mentortrack.analytics.themes.assign` gives (none when it says
    Other); gold themes are the hand labels (none for ``other``). Returns ``per_theme`` (:func:`per_theme`),
    ``micro`` (:func:`micro`), ``macro`` (:func:`macro`), ``sweep`` (micro scores with every threshold
    replaced by each of ``thresholds``) and ``errors`` (texts whose themes differ from the labels).

    Raises:
        ValueError: an evaluated text is a reserved evaluation comment or one of the taxonomy's example phrases,
            or the labels name a theme the taxonomy lacks.
    """
    from mentortrack.analytics import themes as th

    tax = th.taxonomy(settings)
    gold = theme_gold()
    gold = gold[gold["split"] == split]
    if group is not None:
        gold = gold[gold["source"].isin(SETS[group])]
    if drawn is not None:
        gold = gold[gold["drawn"] == drawn]
    gold = gold.reset_index(drop=True)
    truth = _checked(gold, tax)
    texts = gold["text"].tolist()
    scores = th.scores(texts, tax)

    def predicted(threshold: float | None) -> list[set[str]]:
        return [{tax.themes[k].label for k in th.choose(row, tax, threshold)} for row in scores]

    shipped = predicted(None)
    table = per_theme(truth, shipped, tax.labels, th.OTHER)
    errors = pd.DataFrame({"text": texts, "gold": ["; ".join(sorted(s)) or th.OTHER for s in truth],
                           "predicted": ["; ".join(sorted(s)) or th.OTHER for s in shipped]})
    return {"split": split, "group": group or "all", "drawn": drawn or "any", "n": len(gold), "per_theme": table,
            "micro": micro(truth, shipped), "macro": macro(table, th.OTHER),
            "sweep": pd.DataFrame([{"threshold": t, **micro(truth, predicted(t))} for t in thresholds]),
            "errors": errors.query("gold != predicted")}

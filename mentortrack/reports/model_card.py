"""The model card: ``model.html`` in every report folder, about the sentiment label the reports use.

What the label is trained on (the data card ``mentortrack/data/sentiment/DATACARD.md``),
how it scores on held-out text beside the untrained baselines (TextBlob, the published
rule, and VADER), its confusion matrix on the headline held-out set and the errors it still
makes. Every figure is read from ``mentortrack/data/models/<model>.evaluation.json``,
written by ``make eval`` / ``make train`` (:func:`mentortrack.analytics.evaluation.load_summary`),
never typed here, so a retrained model's card says what that model does. The sentiment
report (``03_sentiment.html``) shows what learners said and links here.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.paths import package_data
from mentortrack.reports import takeaway
from mentortrack.reports.tables import styled
from mentortrack.safe_paths import writing
from mentortrack.wording import plural

PAGE = "model.html"
MIN_SCORED = 30
"""Sentences a set needs before the card prints its scores (fewer: how many were right)."""
SCORE_COLUMNS = ["set", "method", "n", "accuracy", "macro_f1", "negative_precision", "negative_recall",
                 "neutral_precision", "neutral_recall", "neutral_f1", "positive_f1"]
"""Columns of the scores table, in order (others in the evaluation are left to the CSV)."""
ERROR_COLUMNS = {"text": "text", "label": "true label", "mentortrack": "suite label", "confidence": "confidence"}
"""Column names of the known-errors tables as the card shows them."""
SWEARING = re.compile(r"\b(?:ass(?:hat|hole)s?|arse(?:hole)?s?|bastards?|bitch\w*|bullshit|cunts?|dick(?:head)?s?|"
                      r"fuck\w*|motherfuck\w*|shit\w*|twats?|wank\w*)\b", re.IGNORECASE)
"""Swear words: an error example holding one is not quoted on the card (it is a page people forward);
it stays in the evaluation file and its scores."""


def _errors_table(name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The card's table of one set's most confident errors, without the examples that swear (:data:`SWEARING`)."""
    quoted = [r for r in rows if not SWEARING.search(str(r.get("text", "")))]
    left_out = f"; {plural(len(rows) - len(quoted), 'example')} with a swear word left out" if len(quoted) < len(rows) else ""
    table = styled(pd.DataFrame(quoted).rename(columns=ERROR_COLUMNS),
                   caption=f"Errors it still makes: {name} (most confident first{left_out})")
    return {"set": name, "n": len(quoted), "table": table.to_html()}


def data_card_html() -> str:
    """The data card (Markdown) as HTML; raw HTML in it is escaped."""
    import mistune

    text = package_data("sentiment/DATACARD.md").read_text(encoding="utf-8")
    page = str(mistune.create_markdown(escape=True, plugins=["table"])(text))
    for level in (4, 3, 2, 1):  # under the card's own "Training data" heading (h2)
        page = re.sub(rf"<(/?)h{level}\b", rf"<\1h{level + 2}", page)
    return page


def card_facts(summary: dict[str, Any] | None, model: str) -> dict[str, Any]:
    """What the card shows, from an evaluation summary (None: no evaluation, the card says so)."""
    if summary is None:
        return {"model": model, "evaluated": False}
    scores = pd.DataFrame(summary.get("scores", []))
    shown = scores[[c for c in SCORE_COLUMNS if c in scores]].copy()
    percent = [c for c in shown.columns if c not in ("set", "method", "n")]
    small = shown["n"] < MIN_SCORED if "n" in shown else pd.Series(False, index=shown.index)
    if small.any():  # a regression check of four sentences prints no F1 (there its macro-F1 beat its accuracy)
        right = (shown["accuracy"] * shown["n"]).round()
        shown.loc[small, "method"] = [f"{m} ({int(r)} of {int(n)} right)" for m, r, n in
                                      zip(shown.loc[small, "method"], right[small], shown.loc[small, "n"])]
        shown.loc[small, percent] = float("nan")
    confusion = pd.DataFrame(summary.get("confusion", {})).T
    confusion = confusion.rename_axis("true label").reset_index() if len(confusion) else confusion
    headline = next(iter(summary.get("errors", {})), None)
    suite = scores[scores["method"] == "mentortrack"] if "method" in scores else scores.iloc[0:0]
    best = {r["set"]: r for r in suite.to_dict("records")}
    errors = [_errors_table(name, rows) for name, rows in summary.get("errors", {}).items() if rows]
    return {
        "model": summary.get("model", model), "evaluated": True,
        "scores": styled(shown, percent=percent, caption=f"Held-out scores (n = sentences scored; below {MIN_SCORED} "
                                                         "sentences only how many were right)").to_html(),
        "confusion": styled(confusion, caption=f"Confusion matrix, {headline or 'headline set'}: rows are the "
                                               f"true label, columns the predicted one (counts)").to_html()
        if len(confusion) else "",
        "confusion_n": int(pd.DataFrame(summary.get("confusion", {})).to_numpy().sum()) if summary.get("confusion") else 0,
        "headline": headline, "suite": best, "errors": errors,
    }


def write_model_card(folder: str | Path, model: str, generated: str | None = None) -> Path:
    """Write ``folder/model.html`` for the sentiment ``model`` (``sentiment.model`` of ``parameters/nlp.yaml``);
    its tables' data goes to ``folder/data/`` as CSV."""
    from mentortrack.analytics.evaluation import load_summary

    folder = Path(folder)
    takeaway.use_folder(folder / "data", "data/")
    facts = card_facts(load_summary(model), model)
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    page = env.get_template("model_card.html.j2").render(**facts, data_card=data_card_html(),
                                                         generated=generated or time.strftime("%Y-%m-%d %H:%M"))
    path = folder / PAGE
    with writing(path):
        path.write_text(page, encoding="utf-8")
    return path

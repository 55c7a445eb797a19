"""The fine-tuned sentiment model gives each text the same scores however texts are grouped or threaded."""

from __future__ import annotations

import numpy as np
import pytest

from mentortrack.analytics import sentiment
from mentortrack.analytics.corpus import real_corpus
from mentortrack.analytics.sentiment import FinetunedSentiment, classify, clause_pieces, model_path


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    """130 real human-written sentences of 80–400 characters, with several cut into clauses."""
    corpus = real_corpus()
    pool = corpus[corpus["text"].str.len().between(80, 400)]["text"].drop_duplicates()
    return pool.sample(n=130, random_state=11).tolist()


def _model(monkeypatch: pytest.MonkeyPatch, threads: int) -> FinetunedSentiment:
    monkeypatch.setenv(sentiment.THREADS_ENV, str(threads))
    return FinetunedSentiment(model_path("minilm-finetuned"))


def test_the_shipped_model_has_fixed_activation_ranges() -> None:
    onnx = pytest.importorskip("onnx")
    ops = {node.op_type for node in onnx.load(str(model_path("minilm-finetuned"))).graph.node}
    assert "DynamicQuantizeLinear" not in ops and {"QuantizeLinear", "DequantizeLinear"} <= ops


def test_runs_hold_texts_of_one_token_count_up_to_the_token_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(monkeypatch, 1)
    texts = ["good", "bad", "fine", "great mentor", "late mentor", "so so", "ok"]
    lengths = [len(model.tokenizer.encode(t).ids) for t in texts]
    assert lengths == [3, 3, 3, 4, 4, 4, 3]  # [CLS] word(s) [SEP]; "so so" is two words
    monkeypatch.setattr(sentiment, "BATCH_TOKENS", 9)
    runs = model.batches(texts)
    # 4-token texts: 9 // 4 = 2 a run; 3-token texts: 3 a run; longest first
    assert [r[:, 0].tolist() for r in runs] == [[3, 4], [5], [0, 1, 2], [6]]
    assert all(r.shape[1] - 1 == lengths[r[0, 0]] for r in runs)


def test_scores_are_identical_in_calls_of_1_7_and_64_texts_shuffled_and_threaded(
        real_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    texts = [*real_texts, *(c for _, c in clause_pieces(real_texts))]
    assert len(texts) > len(real_texts) + 20
    alone = _model(monkeypatch, 1)
    assert max(len(r) for r in alone.batches(texts)) > 5
    reference = np.concatenate([alone.probabilities([t]) for t in texts])
    for size in (7, 64):
        grouped = np.concatenate([alone.probabilities(texts[k:k + size]) for k in range(0, len(texts), size)])
        assert np.array_equal(grouped, reference), size
    order = np.random.default_rng(5).permutation(len(texts))
    threaded = _model(monkeypatch, 2)
    shuffled = threaded.probabilities([texts[i] for i in order])
    assert np.array_equal(shuffled, reference[order])
    assert np.array_equal(threaded.probabilities(texts), reference)


def test_labels_do_not_depend_on_the_order_or_company_of_a_text(
        real_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model(monkeypatch, 2)
    together = classify(real_texts, model)
    alone = [classify([t], model) for t in real_texts[:40]]
    for text, row in zip(real_texts, alone):
        assert row.loc[text].tolist() == together.loc[text].tolist(), text
    reversed_ = classify(real_texts[::-1], model)
    assert reversed_.loc[real_texts].equals(together)
    assert together["sentiment_mixed"].any() and together["sentiment"].nunique() == 3

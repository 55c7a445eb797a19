"""The keyphrase ranking is KeyBERT's: same phrases, same scores, same order (checked against KeyBERT itself)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from mentortrack.analytics import keywords
from mentortrack.analytics.corpus import real_corpus
from mentortrack.analytics.embeddings import embed
from mentortrack.config import load_settings

SETTINGS = load_settings().nlp.keywords

DOC = np.array([[1.0, 0.0]], dtype=np.float32)
PHRASES = ["a", "b", "c"]
VECTORS = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], dtype=np.float32)
"""Cosines to the text: a 1, b 0.8, c 0; between phrases: a-b 0.8, a-c 0, b-c 0.6."""


def test_mmr_follows_the_rule_worked_by_hand() -> None:
    # a first (most similar); then b scores (1-d)*0.8 - d*0.8 and c scores (1-d)*0 - d*0.
    assert keywords.mmr(DOC, VECTORS, PHRASES, top_n=2, diversity=0.2) == [("a", 1.0), ("b", 0.8)]
    assert keywords.mmr(DOC, VECTORS, PHRASES, top_n=2, diversity=0.8) == [("a", 1.0), ("c", 0.0)]
    # d = 0.5: b and c both score 0; the earlier candidate wins, as in KeyBERT.
    assert keywords.mmr(DOC, VECTORS, PHRASES, top_n=2, diversity=0.5) == [("a", 1.0), ("b", 0.8)]
    # Lengths do not matter (cosines); top_n beyond the candidates gives them all, most similar first.
    assert keywords.mmr(DOC * 3, VECTORS * 2, PHRASES, top_n=5, diversity=0.8) == [("a", 1.0), ("b", 0.8), ("c", 0.0)]
    assert keywords.top_similar(DOC, VECTORS, PHRASES, top_n=2) == [("a", 1.0), ("b", 0.8)]


def _keybert(texts: list[str], use_mmr: bool, diversity: float, top_n: int) -> dict[str, list[tuple[str, float]]]:
    """What the suite computed before :func:`keywords.mmr`: KeyBERT's ``extract_keywords`` over one vocabulary."""
    from keybert import KeyBERT

    from mentortrack.analytics.embeddings import static_model

    candidates = {t: keywords.noun_phrases(t) for t in texts}
    texts = [t for t in texts if candidates[t]]
    vectorizer = CountVectorizer(analyzer=lambda text: candidates[text], lowercase=False).fit(texts)
    vocabulary = list(vectorizer.get_feature_names_out())
    found = KeyBERT(model=static_model()).extract_keywords(
        texts, vectorizer=vectorizer, doc_embeddings=embed(texts), word_embeddings=embed(vocabulary),
        use_mmr=use_mmr, diversity=diversity, top_n=top_n)
    return dict(zip(texts, found))


@pytest.mark.parametrize(("use_mmr", "diversity", "top_n"), [(True, SETTINGS.diversity, SETTINGS.top_n),
                                                             (True, 0.9, 5), (False, 0.5, 3)])
def test_ranking_gives_keyberts_phrases_and_scores_on_real_text(use_mmr: bool, diversity: float, top_n: int) -> None:
    corpus = real_corpus()
    texts = corpus[corpus["text"].str.len().between(40, 400)]["text"].drop_duplicates().sample(
        n=400, random_state=5).tolist()
    settings = SETTINGS.model_copy(update={"use_mmr": use_mmr, "diversity": diversity, "top_n": top_n})
    expected = _keybert(texts, use_mmr, diversity, top_n)
    ranked = keywords._rank(texts, settings, "static")
    assert len(expected) > 300
    assert {t: ranked[t] for t in expected} == expected
    assert all(ranked[t] == [] for t in texts if t not in expected)

"""Keywords of learner feedback with KeyBERT, and themes per group.

Candidates are noun phrases: maximal runs of adjectives/participles followed by
nouns, found with TextBlob's pattern part-of-speech tagger (its lexicon ships
inside the textblob wheel; :mod:`mentortrack.analytics.lexicon` loads it without NLTK), lower-cased, 1–3 words, without a
stop word at either end and without digits (course numbers such as "583" are not
topics). :func:`acceptable` states the same rule as a check. Each text's
candidates are then ranked by similarity to the text with KeyBERT's method (MMR
for diversity; settings in ``parameters/nlp.yaml``): :func:`mmr` is KeyBERT
0.9.0's selection rule computed on the same float32 arrays in the same order, so
it picks the same phrases with the same scores (``tests/test_keywords_rank.py``
compares it with KeyBERT), without scikit-learn's input checks on each of the two
similarity calls per text, which cost more than the arithmetic (2.2 s of 2.4 s
for 1,560 texts).

Speed: distinct texts only; one candidate vocabulary over all new texts, each
phrase embedded once, the texts' own embeddings from
:mod:`mentortrack.analytics.embeddings`; results cached on disk keyed by text
hash + encoder + settings, so a monthly re-run only processes new texts.

Themes per mentor, session type or sentiment are the phrases found in the most
sessions of the group (ties broken alphabetically).
"""

from __future__ import annotations

import json
import logging
import re
from functools import cache

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from mentortrack.analytics import cache as nlp_cache
from mentortrack.analytics import lexicon
from mentortrack.analytics.embeddings import embed, encoder_id, model, static_model
from mentortrack.config import KeywordSettings

log = logging.getLogger(__name__)

SEPARATOR = "; "
"""Joins a session's phrases in the ``keywords`` column."""

NOUN_TAGS = ("NN", "NNS", "NNP", "NNPS")
MODIFIER_TAGS = ("JJ", "JJR", "JJS", "VBN", "VBG")
MAX_WORDS = 3
EXTRA_STOP_WORDS = frozenset({"lot", "lots", "thing", "things", "bit", "way", "kind", "sort", "stuff", "time",
                              "times", "day", "days", "today", "everything", "anything", "something", "nothing",
                              "everyone", "anyone", "someone", "lol", "yes", "ok", "okay", "thanks", "thank",
                              "hope", "wish", "think", "thought", "feel", "felt", "need", "want", "like", "love",
                              "guess", "please", "know", "got", "get", "make", "made", "use", "try"})
"""Words too vague to be a topic, or verbs the tagger often reads as nouns ("questions hope"):
never alone and never at a phrase's edge."""

DOMAIN_NOUNS = frozenset({"resume", "resumes", "interview", "interviews", "review", "reviews", "plan", "plans",
                          "offer", "offers", "code", "feedback", "referral", "referrals", "schedule"})
"""Nouns of mentoring feedback that the general-purpose tagger reads as verbs ("resume tips")."""


@cache
def _stop_words() -> frozenset[str]:
    return lexicon.english_stop_words() | EXTRA_STOP_WORDS


def _usable(word: str) -> bool:
    return word.isalpha() and len(word) > 1 and not re.search(r"\d", word)


def _tags(text: str) -> list[tuple[str, str]]:
    """Part-of-speech tags of the lower-cased text (no sentence-initial proper nouns), domain nouns fixed."""
    return [(w, "NN" if w in DOMAIN_NOUNS and t.startswith("VB") else t) for w, t in lexicon.tag(text.lower())]


def noun_phrases(text: str) -> list[str]:
    """Candidate phrases of a text, in order of appearance, each once."""
    found: list[str] = []
    run: list[tuple[str, str]] = []
    for word, tag in [*_tags(text), ("", "END")]:
        if tag in NOUN_TAGS + MODIFIER_TAGS and _usable(word):
            run.append((word.lower(), tag))
            continue
        while run and run[-1][1] not in NOUN_TAGS:
            run.pop()
        words = [w for w, _ in run]
        while words and words[0] in _stop_words():
            words.pop(0)
        while words and words[-1] in _stop_words():
            words.pop()
        if words:
            found.append(" ".join(words[-MAX_WORDS:]))
        run = []
    return list(dict.fromkeys(found))


def acceptable(phrase: str) -> bool:
    """Whether a reader would accept ``phrase`` as a topic: a noun phrase of 1–3 words that
    ends in a noun, every word an adjective, participle or noun, no stop word at either end,
    no digits."""
    words = phrase.split()
    if not 1 <= len(words) <= MAX_WORDS or any(not _usable(w) for w in words):
        return False
    if words[0] in _stop_words() or words[-1] in _stop_words():
        return False
    tags = [tag for _, tag in _tags(phrase)]
    return len(tags) == len(words) and tags[-1] in NOUN_TAGS and all(t in NOUN_TAGS + MODIFIER_TAGS for t in tags)


def namespace(settings: KeywordSettings, encoder: str | None = None) -> str:
    """The cache namespace of keywords made with ``settings`` (and ``encoder``, default the settings')."""
    encoder = encoder or settings.encoder
    values = settings.model_dump(exclude={"batch_size", "encoder"})
    params = ",".join(f"{k}={values[k]}" for k in sorted(values))
    return f"keybert-np:{encoder_id(encoder)}:{params}"


def rank_texts(texts: list[str], settings: KeywordSettings, encoder: str | None = None,
               progress: bool = False) -> dict[str, list[tuple[str, float]]]:
    """Top phrases of each distinct non-empty text, ranked in batches of ``settings.batch_size`` (no cache)."""
    encoder = encoder or settings.encoder
    todo = [t for t in dict.fromkeys(texts) if t]
    size = settings.batch_size
    batches = range(0, len(todo), size)
    found: dict[str, list[tuple[str, float]]] = {}
    for start in tqdm(batches, desc="keywords", unit="batch", disable=not progress or len(batches) < 2):
        found.update(_rank(todo[start:start + size], settings, encoder))
    return found


def warm_up(encoder: str) -> None:
    """Load what ranking keyphrases with ``encoder`` needs (the part-of-speech tagger and the encoder's
    model), so that a long-lived process (a Dask worker) pays for it once, before its first texts."""
    lexicon.tag("warm")
    if encoder == "static":
        static_model()
    else:
        model()


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows divided by their Euclidean norm, as scikit-learn's ``normalize`` (inside ``cosine_similarity``)
    does it: the norm is ``sqrt(einsum("ij,ij->i"))`` and a norm below 10 machine epsilons counts as 1."""
    norms = np.sqrt(np.einsum("ij,ij->i", vectors, vectors))
    norms[norms < 10 * np.finfo(norms.dtype).eps] = 1.0
    return vectors / norms[:, None]


def mmr(doc_vector: np.ndarray, phrase_vectors: np.ndarray, phrases: list[str], top_n: int,
        diversity: float) -> list[tuple[str, float]]:
    """Maximal Marginal Relevance exactly as KeyBERT 0.9.0 (``keybert._mmr.mmr``) computes it, without
    scikit-learn's per-call input checks.

    ``doc_vector``: the text's embedding, shape (1, dims); ``phrase_vectors``: its candidates' embeddings in
    the order of ``phrases``. Similarities are cosines (-1..1) of the rows after :func:`_unit_rows`, as
    ``cosine_similarity`` gives them. The first phrase is the one most similar to the text; each next one
    maximises ``(1 - diversity) * similarity to the text - diversity * max similarity to a chosen phrase``
    (ties: the earliest candidate, as ``argmax``). Returns up to ``top_n`` (phrase, similarity to the text
    rounded to 4 decimals), most similar first (ties keep the order of choice).
    """
    unit = _unit_rows(phrase_vectors)
    word_doc_similarity = unit @ _unit_rows(doc_vector).T
    word_similarity = unit @ unit.T
    keywords_idx = [int(np.argmax(word_doc_similarity))]
    candidates_idx = [i for i in range(len(phrases)) if i != keywords_idx[0]]
    for _ in range(min(top_n - 1, len(phrases) - 1)):
        candidate_similarities = word_doc_similarity[candidates_idx, :]
        target_similarities = np.max(word_similarity[candidates_idx][:, keywords_idx], axis=1)
        score = (1 - diversity) * candidate_similarities - diversity * target_similarities.reshape(-1, 1)
        chosen = candidates_idx[int(np.argmax(score))]
        keywords_idx.append(chosen)
        candidates_idx.remove(chosen)
    similarity = word_doc_similarity.reshape(-1)
    ranked = [(phrases[i], round(float(similarity[i]), 4)) for i in keywords_idx]
    return sorted(ranked, key=lambda pair: pair[1], reverse=True)


def top_similar(doc_vector: np.ndarray, phrase_vectors: np.ndarray, phrases: list[str],
                top_n: int) -> list[tuple[str, float]]:
    """The ``top_n`` phrases most similar to the text, as KeyBERT 0.9.0 ranks them without MMR: the last
    ``top_n`` of numpy's default ``argsort`` of the cosines, most similar first (scores rounded to 4 decimals)."""
    distances = _unit_rows(doc_vector) @ _unit_rows(phrase_vectors).T
    return [(phrases[i], round(float(distances[0][i]), 4)) for i in distances.argsort()[0][-top_n:]][::-1]


def _rank(texts: list[str], settings: KeywordSettings, encoder: str) -> dict[str, list[tuple[str, float]]]:
    """KeyBERT's ranking of each text's candidate phrases, over one vocabulary of all the texts' phrases.

    What KeyBERT's ``extract_keywords`` does with a vocabulary and embeddings given: the vocabulary is the
    phrases sorted (as scikit-learn's ``CountVectorizer`` sorts its features), each embedded once; a text's
    candidates are its phrases in vocabulary order; :func:`mmr` (or :func:`top_similar` when
    ``settings.use_mmr`` is false) picks ``settings.top_n``.
    """
    candidates = {t: noun_phrases(t) for t in texts}
    with_phrases = [t for t in texts if candidates[t]]
    ranked: dict[str, list[tuple[str, float]]] = {t: [] for t in texts}
    if not with_phrases:
        return ranked
    vocabulary = sorted({p for t in with_phrases for p in candidates[t]})
    column = {p: i for i, p in enumerate(vocabulary)}
    phrase_vectors = embed(vocabulary, encoder, progress=False)
    doc_vectors = embed(with_phrases, encoder)
    for row, text in enumerate(with_phrases):
        own = sorted(column[p] for p in candidates[text])
        phrases = [vocabulary[i] for i in own]
        doc_vector = doc_vectors[row].reshape(1, -1)
        if settings.use_mmr:
            ranked[text] = mmr(doc_vector, phrase_vectors[own], phrases, settings.top_n, settings.diversity)
        else:
            ranked[text] = top_similar(doc_vector, phrase_vectors[own], phrases, settings.top_n)
    return ranked


def extract(texts: list[str], settings: KeywordSettings,
            encoder: str | None = None) -> list[list[tuple[str, float]]]:
    """Top phrases with scores for each text (in input order; empty text -> no phrases).

    ``settings`` is ``keywords`` of ``parameters/nlp.yaml``; ``encoder`` defaults to ``settings.encoder``.
    """
    encoder = encoder or settings.encoder
    unique = [t for t in dict.fromkeys(texts) if t]
    key = namespace(settings, encoder)
    found = {t: json.loads(v) for t, v in nlp_cache.get_many(key, unique).items()}
    todo = [t for t in unique if t not in found]
    if todo:
        log.info("extracting keywords for %d new texts (%d cached)", len(todo), len(found))
        size = settings.batch_size
        for start in tqdm(range(0, len(todo), size), desc="keywords", unit="batch", disable=len(todo) <= size):
            new = _rank(todo[start:start + size], settings, encoder)
            nlp_cache.put_many(key, {t: json.dumps(v).encode() for t, v in new.items()})
            found.update(new)
    return [[tuple(p) for p in found[t]] if t else [] for t in texts]  # type: ignore[misc]


def session_keywords(feedback: pd.Series, settings: KeywordSettings,
                     encoder: str | None = None) -> pd.Series:
    """The ``keywords`` column: a session's phrases joined with ``; `` (missing without feedback)."""
    text = feedback.astype("string").str.strip().fillna("")
    phrases = extract(text.tolist(), settings, encoder)
    joined = [SEPARATOR.join(p for p, _ in found) for found in phrases]
    return pd.Series(joined, index=feedback.index, dtype="string").replace("", pd.NA)


def top_keywords(enriched: pd.DataFrame, by: str, top_n: int, sentiment: str | None = None) -> pd.DataFrame:
    """The ``top_n`` most frequent keyword phrases per group (``themes.top_n`` of ``parameters/nlp.yaml``),
    optionally among one sentiment label only; a phrase that is one generic noun ("mentor", "session":
    :data:`mentortrack.analytics.themes.GENERIC_NOUNS`) says nothing about a group and is not counted.

    Returns columns ``by``, ``sessions`` (with keywords), ``keywords`` (``; ``-joined),
    one row per group with at least one counted keyword.
    """
    from mentortrack.analytics.themes import GENERIC_NOUNS

    frame = enriched
    if sentiment is not None:
        frame = frame[frame["sentiment"].astype("string") == sentiment]
    frame = frame.dropna(subset=["keywords"])
    if frame.empty:
        return pd.DataFrame(columns=[by, "sessions", "keywords"])
    exploded = frame[[by, "keywords"]].assign(phrase=frame["keywords"].str.split(SEPARATOR)).explode("phrase")
    exploded = exploded[~exploded["phrase"].str.strip().str.lower().isin(GENERIC_NOUNS)]
    counts = exploded.groupby([by, "phrase"], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values([by, "n", "phrase"], ascending=[True, False, True])
    top = counts.groupby(by, observed=True).head(top_n)
    table = top.groupby(by, observed=True).agg(keywords=("phrase", SEPARATOR.join)).reset_index()
    sessions = frame.groupby(by, observed=True).size().rename("sessions").reset_index()
    return sessions.merge(table, on=by).sort_values("sessions", ascending=False, ignore_index=True)

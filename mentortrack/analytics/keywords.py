"""Keywords of learner feedback with KeyBERT, and themes per group.

Candidates are noun phrases: maximal runs of adjectives/participles followed by
nouns, found with TextBlob's pattern part-of-speech tagger (its lexicon ships
inside the textblob wheel; no NLTK download), lower-cased, 1–3 words, without a
stop word at either end and without digits (course numbers such as "583" are not
topics). :func:`acceptable` states the same rule as a check. KeyBERT then ranks
each text's candidates by similarity to the text (MMR for diversity; settings in
``parameters/nlp.yaml``).

Speed: distinct texts only; one candidate vocabulary over all new texts, each
phrase embedded once (KeyBERT's ``extract_embeddings``), the texts' own
embeddings reused from :mod:`mentortrack.analytics.embeddings`; results cached on disk
keyed by text hash + encoder + settings, so a monthly re-run only processes new
texts.

Themes per mentor, session type or sentiment are the phrases found in the most
sessions of the group (ties broken alphabetically).
"""

from __future__ import annotations

import importlib.abc
import json
import logging
import re
import sys
from functools import cache
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from mentortrack.analytics import cache as nlp_cache
from mentortrack.analytics.embeddings import embed, encoder_id, keybert_model
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
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP_WORDS


@cache
def _tagger() -> Any:
    from textblob.en.taggers import PatternTagger

    return PatternTagger()


def _usable(word: str) -> bool:
    return word.isalpha() and len(word) > 1 and not re.search(r"\d", word)


def _tags(text: str) -> list[tuple[str, str]]:
    """Part-of-speech tags of the lower-cased text (no sentence-initial proper nouns), domain nouns fixed."""
    return [(w, "NN" if w in DOMAIN_NOUNS and t.startswith("VB") else t) for w, t in _tagger().tag(text.lower())]


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


LLM_PACKAGES = ("sentence_transformers", "transformers", "huggingface_hub", "openai", "cohere", "langchain",
                "litellm")
"""Optional packages of KeyBERT's LLM helpers (``KeyLLM``), which the suite does not use."""


class _WithoutLLMPackages(importlib.abc.MetaPathFinder):
    """Makes the :data:`LLM_PACKAGES` not yet imported unavailable while KeyBERT's package is first imported."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        top = name.split(".")[0]
        if top in LLM_PACKAGES and top not in sys.modules:
            raise ModuleNotFoundError(name)
        return None


def _import_keybert() -> Any:
    """KeyBERT's class, imported the way KeyBERT supports when its optional LLM packages are absent.

    Its package init imports transformers and sentence-transformers (and with them
    torch: 7 s on 2 cores) only for the LLM helpers; the keyword extraction itself
    needs none of them with the static encoder.
    """
    if "keybert" in sys.modules or any(name in sys.modules for name in LLM_PACKAGES[:2]):
        from keybert import KeyBERT

        return KeyBERT
    blocker = _WithoutLLMPackages()
    sys.meta_path.insert(0, blocker)
    try:
        from keybert import KeyBERT
    finally:
        sys.meta_path.remove(blocker)
    return KeyBERT


@cache
def _keybert(encoder: str) -> Any:
    model = keybert_model(encoder)
    return _import_keybert()(model=model)


def _rank(texts: list[str], settings: KeywordSettings, encoder: str) -> dict[str, list[tuple[str, float]]]:
    """KeyBERT over one vocabulary of all the texts' candidate phrases."""
    from sklearn.feature_extraction.text import CountVectorizer

    candidates = {t: noun_phrases(t) for t in texts}
    with_phrases = [t for t in texts if candidates[t]]
    ranked: dict[str, list[tuple[str, float]]] = {t: [] for t in texts}
    if not with_phrases:
        return ranked
    vectorizer = CountVectorizer(analyzer=lambda text: candidates[text], lowercase=False)
    model = _keybert(encoder)
    word_embeddings = None
    if len({p for t in with_phrases for p in candidates[t]}) > 0:
        vectorizer.fit(with_phrases)
        vocabulary = list(vectorizer.get_feature_names_out())
        word_embeddings = embed(vocabulary, encoder, progress=False)
    from sklearn import config_context

    with config_context(assume_finite=True, skip_parameter_validation=True):  # per-text checks cost more than the maths
        result = model.extract_keywords(with_phrases, vectorizer=vectorizer, doc_embeddings=embed(with_phrases, encoder),
                                        word_embeddings=word_embeddings, use_mmr=settings.use_mmr,
                                        diversity=settings.diversity, top_n=settings.top_n)
    if len(with_phrases) == 1:
        result = [result]
    for text, phrases in zip(with_phrases, result):
        ranked[text] = [(p, round(float(s), 4)) for p, s in phrases]
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


def themes(enriched: pd.DataFrame, by: str, top_n: int, sentiment: str | None = None) -> pd.DataFrame:
    """The ``top_n`` most frequent phrases per group (``themes.top_n`` of ``parameters/nlp.yaml``),
    optionally among one sentiment label only.

    Returns columns ``by``, ``sessions`` (with keywords), ``themes`` (``; ``-joined),
    one row per group with at least one keyword.
    """
    frame = enriched
    if sentiment is not None:
        frame = frame[frame["sentiment"].astype("string") == sentiment]
    frame = frame.dropna(subset=["keywords"])
    if frame.empty:
        return pd.DataFrame(columns=[by, "sessions", "themes"])
    exploded = frame[[by, "keywords"]].assign(phrase=frame["keywords"].str.split(SEPARATOR)).explode("phrase")
    counts = exploded.groupby([by, "phrase"], observed=True).size().rename("n").reset_index()
    counts = counts.sort_values([by, "n", "phrase"], ascending=[True, False, True])
    top = counts.groupby(by, observed=True).head(top_n)
    table = top.groupby(by, observed=True).agg(themes=("phrase", SEPARATOR.join)).reset_index()
    sessions = frame.groupby(by, observed=True).size().rename("sessions").reset_index()
    return sessions.merge(table, on=by).sort_values("sessions", ascending=False, ignore_index=True)

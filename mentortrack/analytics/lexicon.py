"""TextBlob's pattern tagger and sentiment lexicon, and scikit-learn's English stop words, without
the packages around them.

``TextBlob(text).sentiment`` and ``PatternTagger().tag(text)`` are thin wrappers over
``textblob.en.sentiment`` and ``textblob.en.tag``: the pattern library's code and lexicons that
ship inside the textblob wheel. :func:`pattern_en` imports ``textblob.en`` without the ``textblob``
package's ``__init__`` (which imports NLTK), and :func:`english_stop_words` reads scikit-learn's list
without importing scikit-learn (:mod:`mentortrack.analytics.light_import`). :func:`tag` and
:func:`sentiment` call the functions TextBlob calls, so the tags and the (polarity, subjectivity)
pairs are TextBlob's (``tests/test_lexicon.py`` compares them on real text).
"""

from __future__ import annotations

import types
from functools import cache

from mentortrack.analytics.light_import import submodule


@cache
def pattern_en() -> types.ModuleType:
    """The module ``textblob.en`` (its lexicons are read on first use)."""
    return submodule("textblob.en")


def tag(text: str) -> list[tuple[str, str]]:
    """Penn Treebank part-of-speech tags of the tokens of ``text``: what TextBlob's ``PatternTagger().tag``
    returns.

    That is ``textblob.en.tag``: the parser's tokenizer and tagger, whose output it writes as one
    slash-separated string ("late/JJ", a "/" in a word written "&slash;") and then reads back, which
    turns an "&slash;" in a word into "/". This calls the same tokenizer and tagger and makes the same
    change to the words, without the round trip (a third of the time). Empty sentences are skipped;
    textblob's round trip fails on one (``IndexError``).
    """
    parser = pattern_en().parser
    return [(word.replace("&slash;", "/"), pos) for sentence in parser.find_tokens(text) if sentence
            for word, pos in parser.find_tags(sentence.split(" "))]


def sentiment(text: str) -> tuple[float, float]:
    """TextBlob's pattern polarity (-1..1) and subjectivity (0..1) of ``text``: ``TextBlob(text).sentiment``."""
    polarity, subjectivity = pattern_en().sentiment(text)
    return polarity, subjectivity


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's ``ENGLISH_STOP_WORDS`` (318 words), imported without scikit-learn's package."""
    return frozenset(submodule("sklearn.feature_extraction._stop_words").ENGLISH_STOP_WORDS)

"""TextBlob's pattern part-of-speech tagger and sentiment lexicon, without importing NLTK.

``TextBlob(text).sentiment`` and ``PatternTagger().tag(text)`` are thin wrappers over
``textblob.en.sentiment`` and ``textblob.en.tag``: the pattern library's code and lexicons that
ship inside the textblob wheel, which import only the standard library. The ``textblob``
package's own ``__init__`` imports NLTK, and NLTK imports SciPy's statistics: 1.9 s of a
process start on 2 cores, for classes the suite does not use. :func:`pattern_en` imports
``textblob.en`` without running that ``__init__``; :func:`tag` and :func:`sentiment` call the
same functions TextBlob calls, so the tags and the (polarity, subjectivity) pairs are the same
(``tests/test_pattern.py`` compares them with TextBlob's on real text).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from functools import cache

PACKAGE = "textblob"

_loading = threading.Lock()


@cache
def pattern_en() -> types.ModuleType:
    """The module ``textblob.en``, imported without ``textblob/__init__.py`` (and so without NLTK).

    While it is imported, an empty package object stands for ``textblob`` in ``sys.modules``
    (under a lock, so that two threads do not both do it); afterwards that object and the
    modules imported under it are taken out again, so a later ``import textblob`` gets the real
    package. When the real package is already imported, its ``textblob.en`` is returned.
    """
    with _loading:
        if PACKAGE in sys.modules:
            return importlib.import_module(f"{PACKAGE}.en")
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or spec.submodule_search_locations is None:
            raise ModuleNotFoundError(f"No module named {PACKAGE!r}", name=PACKAGE)
        stand_in = types.ModuleType(PACKAGE)
        stand_in.__path__ = list(spec.submodule_search_locations)
        before = set(sys.modules)
        sys.modules[PACKAGE] = stand_in
        try:
            return importlib.import_module(f"{PACKAGE}.en")
        finally:
            for name in set(sys.modules) - before:
                if name == PACKAGE or name.startswith(f"{PACKAGE}."):
                    del sys.modules[name]


def tag(text: str) -> list[tuple[str, str]]:
    """Penn Treebank part-of-speech tags of the tokens of ``text``: what TextBlob's ``PatternTagger().tag``
    returns (the lexicon is read on the first call)."""
    return pattern_en().tag(text)  # type: ignore[no-any-return]


def sentiment(text: str) -> tuple[float, float]:
    """TextBlob's pattern polarity (-1..1) and subjectivity (0..1) of ``text``: ``TextBlob(text).sentiment``."""
    polarity, subjectivity = pattern_en().sentiment(text)
    return polarity, subjectivity

"""TextBlob's tagger and sentiment loaded without NLTK give TextBlob's own tags and scores."""

from __future__ import annotations

import subprocess
import sys

from mentortrack.analytics import pattern
from mentortrack.analytics.corpus import real_corpus

EXAMPLE = "The mentor was late, but the resume/CV tips were really great!"


def test_tags_and_scores_are_textblobs_on_real_text() -> None:
    from textblob import TextBlob
    from textblob.en.taggers import PatternTagger

    corpus = real_corpus()
    texts = [EXAMPLE, *corpus["text"].drop_duplicates().sample(n=300, random_state=11)]
    tagger = PatternTagger()
    assert [pattern.tag(t) for t in texts] == [tagger.tag(t) for t in texts]
    assert [pattern.sentiment(t) for t in texts] == [tuple(TextBlob(t).sentiment) for t in texts]


def test_worked_example() -> None:
    # The lexicon (en-sentiment.xml) has one sense of "late": polarity -0.3, subjectivity 0.6; no other word scores.
    assert pattern.sentiment("The mentor was late") == (-0.3, 0.6)
    assert pattern.tag("The mentor was late.") == [("The", "DT"), ("mentor", "NN"), ("was", "VBD"), ("late", "JJ"),
                                                   (".", ".")]


def test_loading_imports_neither_nltk_nor_the_textblob_package() -> None:
    code = ("import sys\n"
            "from mentortrack.analytics import pattern\n"
            "print(pattern.sentiment('good advice'), pattern.tag('good advice'))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nltk', 'textblob')))\n"
            "from textblob import TextBlob\n"
            "print(tuple(TextBlob('good advice').sentiment))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["(0.7, 0.6000000000000001) [('good', 'JJ'), ('advice', 'NN')]", "[]", "(0.7, 0.6000000000000001)"]

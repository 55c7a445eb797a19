"""TextBlob's tagger and sentiment loaded without NLTK give TextBlob's own tags and scores; the stop words are
scikit-learn's."""

from __future__ import annotations

import subprocess
import sys

from mentortrack.analytics import lexicon
from mentortrack.analytics.corpus import real_corpus

EXAMPLE = "The mentor was late, but the resume/CV tips were really great!"


def test_tags_and_scores_are_textblobs_on_real_text() -> None:
    from textblob import TextBlob
    from textblob.en.taggers import PatternTagger

    corpus = real_corpus()
    odd = ["", "...", "\n\n\n", "a/b c", "x &slash; y", "Hi.\n\nThere", "  two  spaces ", "5/10 would", "don't"]
    texts = [EXAMPLE, *odd, *corpus["text"].drop_duplicates().sample(n=300, random_state=11)]
    tagger = PatternTagger()
    assert [lexicon.tag(t) for t in texts] == [tagger.tag(t) for t in texts]
    assert lexicon.tag("a/b c") == [("a/b", "NN"), ("c", "NN")]  # a "/" in a word survives, as in TextBlob
    assert [lexicon.sentiment(t) for t in texts] == [tuple(TextBlob(t).sentiment) for t in texts]


def test_worked_example() -> None:
    # The lexicon (en-sentiment.xml) has one sense of "late": polarity -0.3, subjectivity 0.6; no other word scores.
    assert lexicon.sentiment("The mentor was late") == (-0.3, 0.6)
    assert lexicon.tag("The mentor was late.") == [("The", "DT"), ("mentor", "NN"), ("was", "VBD"), ("late", "JJ"),
                                                   (".", ".")]


def test_stop_words_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert lexicon.english_stop_words() == ENGLISH_STOP_WORDS and len(ENGLISH_STOP_WORDS) == 318


def test_loading_imports_neither_nltk_nor_the_packages_and_leaves_them_importable() -> None:
    code = ("import sys\n"
            "from mentortrack.analytics import lexicon\n"
            "print(lexicon.sentiment('good advice'), lexicon.tag('good advice'), len(lexicon.english_stop_words()))\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nltk', 'textblob', 'sklearn', 'scipy')))\n"
            "from textblob import TextBlob\n"
            "from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS\n"
            "print(tuple(TextBlob('good advice').sentiment), len(ENGLISH_STOP_WORDS), 'nltk' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["(0.7, 0.6000000000000001) [('good', 'JJ'), ('advice', 'NN')] 318", "[]",
                   "(0.7, 0.6000000000000001) 318 True"]

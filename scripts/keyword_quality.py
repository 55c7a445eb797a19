"""How many keyword phrases a reader would accept, before and after noun-phrase candidates.

    python scripts/keyword_quality.py [--sample 300]

Takes a random sample of real human-written sentences of 60–400 characters from
the labelled corpus (``mentortrack/data/sentiment``) and extracts 3 phrases per
text with:

- before: KeyBERT's default candidates, 1–2-word n-grams without English stop
  words, ranked with MiniLM (the suite's former setting);
- after: the suite's noun-phrase candidates (:func:`mentortrack.analytics.keywords.noun_phrases`),
  ranked with the configured encoder.

A phrase is accepted when :func:`mentortrack.analytics.keywords.acceptable` says so: a noun
phrase of 1–3 words ending in a noun, no stop word at either end, no digits.
Prints the share accepted and examples of rejected phrases.
"""

from __future__ import annotations

import argparse

from mentortrack.analytics.corpus import real_corpus
from mentortrack.analytics.keywords import acceptable, extract
from mentortrack.config import load_settings


def before(texts: list[str]) -> list[list[str]]:
    """Phrases of the former setting: KeyBERT n-gram candidates on MiniLM."""
    from keybert import KeyBERT

    from mentortrack.analytics.embeddings import model

    found = KeyBERT(model=model()).extract_keywords(texts, keyphrase_ngram_range=(1, 2), stop_words="english",
                                                    use_mmr=True, diversity=0.5, top_n=3)
    return [[p for p, _ in phrases] for phrases in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    corpus = real_corpus()
    texts = corpus[corpus["text"].str.len().between(60, 400)]["text"].sample(args.sample, random_state=11).tolist()
    results = {"before (KeyBERT 1–2-grams, MiniLM)": before(texts),
               "after (noun phrases, configured encoder)": [[p for p, _ in found] for found in extract(texts, load_settings().nlp.keywords)]}
    print(f"{len(texts)} real sentences, 3 phrases each at most")
    for name, phrases in results.items():
        flat = [p for found in phrases for p in found]
        rejected = [p for p in flat if not acceptable(p)]
        print(f"{name:<44} {len(flat):4d} phrases, {1 - len(rejected) / max(len(flat), 1):6.1%} accepted; "
              f"rejected e.g. {', '.join(repr(p) for p in rejected[:6]) or 'none'}")


if __name__ == "__main__":
    main()

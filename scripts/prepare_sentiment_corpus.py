"""Build ``mentortrack/data/sentiment/real_feedback.csv`` (and ``dynasent.csv``) from the public sources
named in the data card.

Run once by a maintainer (the CSVs are committed); ``make train`` and ``make eval`` only read them.

    python scripts/prepare_sentiment_corpus.py VADER_TAR_GZ UCI_DIR [DYNASENT_DIR]

``VADER_TAR_GZ`` is ``additional_resources/hutto_ICWSM_2014.tar.gz`` of
github.com/cjhutto/vaderSentiment (MIT licence); ``UCI_DIR`` is the folder
``sentiment labelled sentences`` of the UCI "Sentiment Labelled Sentences" data
set (Kotzias et al. 2015, CC BY 4.0); ``DYNASENT_DIR`` is the folder ``dynasent-v1.1``
of github.com/cgpotts/dynasent (Potts et al. 2021, CC BY 4.0), of which the dev and test
files of both rounds are read (their sentences with a majority label). A DynaSent
sentence that is also in ``real_feedback.csv`` is left out, so it can stay held out.
"""

from __future__ import annotations

import json
import sys
import tarfile
from pathlib import Path

import pandas as pd

from mentortrack.analytics.corpus import CORPUS_FILE, DYNASENT_FILE, label_from_mean_rating

VADER_SOURCES = {
    "amazonReviewSnippets": "vader_amazon_reviews",
    "movieReviewSnippets": "vader_movie_reviews",
    "nytEditorialSnippets": "vader_nyt_editorials",
    "tweets": "vader_tweets",
}
UCI_SOURCES = {"amazon_cells_labelled.txt": "uci_amazon", "imdb_labelled.txt": "uci_imdb",
               "yelp_labelled.txt": "uci_yelp"}
DYNASENT_SOURCES = {"round01-yelp": "dynasent_r1_yelp", "round02-dynabench": "dynasent_r2_dynabench"}
DYNASENT_SPLITS = ("dev", "test")


def vader_rows(archive: Path) -> list[dict[str, object]]:
    """Sentences with the mean of 20 human ratings (-4..4) from the VADER ground-truth files."""
    rows: list[dict[str, object]] = []
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            stem = Path(member.name).name.removesuffix("_GroundTruth.txt")
            if stem not in VADER_SOURCES or not member.name.endswith("_GroundTruth.txt"):
                continue
            text = tar.extractfile(member).read().decode("utf-8", errors="replace")  # type: ignore[union-attr]
            for line in text.splitlines():
                parts = line.split("\t")
                if len(parts) >= 3 and parts[2].strip():
                    score = float(parts[1])
                    rows.append({"source": VADER_SOURCES[stem], "source_id": parts[0].lstrip("\ufeff"),
                                 "text": parts[2].strip(), "score": score, "label": label_from_mean_rating(score)})
    return rows


def uci_rows(folder: Path) -> list[dict[str, object]]:
    """Review sentences labelled 1 (positive) or 0 (negative) by Kotzias et al."""
    rows: list[dict[str, object]] = []
    for name, source in UCI_SOURCES.items():
        for i, line in enumerate((folder / name).read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            text, _, score = line.rpartition("\t")
            if text.strip() and score.strip() in {"0", "1"}:
                rows.append({"source": source, "source_id": str(i), "text": text.strip(), "score": float(score),
                             "label": "Positive" if score.strip() == "1" else "Negative"})
    return rows


def dynasent_rows(folder: Path) -> list[dict[str, object]]:
    """DynaSent dev and test sentences with their majority label (at least 3 of 5 workers; no "mixed")."""
    rows: list[dict[str, object]] = []
    for stem, source in DYNASENT_SOURCES.items():
        for split in DYNASENT_SPLITS:
            for line in (folder / f"dynasent-v1.1-{stem}-{split}.jsonl").read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                gold, text = record["gold_label"], record["sentence"].strip()
                if gold in ("positive", "negative", "neutral") and text:
                    rows.append({"source": source, "source_id": record["text_id"], "split": split, "text": text,
                                 "label": gold.capitalize()})
    return rows


def main(vader_archive: str, uci_folder: str, dynasent_folder: str | None = None) -> None:
    frame = pd.DataFrame(vader_rows(Path(vader_archive)) + uci_rows(Path(uci_folder)))
    conflicting = frame.groupby("text")["label"].transform("nunique") > 1
    frame = frame[~conflicting].drop_duplicates("text", ignore_index=True)
    folder = Path(__file__).resolve().parent.parent / "mentortrack" / "data" / "sentiment"
    frame.to_csv(folder / CORPUS_FILE, index=False)
    print(f"{len(frame)} sentences ({int(conflicting.sum())} with conflicting labels dropped) -> {folder / CORPUS_FILE}")
    print(frame.groupby(["source", "label"]).size().unstack(fill_value=0).to_string())
    if dynasent_folder:
        held = pd.DataFrame(dynasent_rows(Path(dynasent_folder))).drop_duplicates("text", keep=False)
        shared = held["text"].isin(set(frame["text"]))
        held = held[~shared].reset_index(drop=True)
        held.to_csv(folder / DYNASENT_FILE, index=False)
        print(f"{len(held)} DynaSent sentences ({int(shared.sum())} also in {CORPUS_FILE} dropped) -> "
              f"{folder / DYNASENT_FILE}")
        print(held.groupby(["source", "split", "label"]).size().unstack(fill_value=0).to_string())


if __name__ == "__main__":
    main(*sys.argv[1:4])

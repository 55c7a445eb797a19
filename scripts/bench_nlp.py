"""``make bench-nlp``: NLP throughput on real-variety feedback, in one run, printed as ratios.

    python scripts/bench_nlp.py [--rows 4000] [--distinct 1565] [--skip-per-row]

1. Builds an export of ROWS generated sessions whose feedback is real human-written
   text: DISTINCT sentences of 80–400 characters (mean about 150) drawn from the
   labelled real corpus (reviews, editorials, tweets; ``mentortrack/data/sentiment``),
   one per session, repeated across sessions with a Zipf-like skew as real exports
   repeat feedback.
2. Times, each in a fresh process where it matters:
   - the original per-row pipeline: TextBlob and one KeyBERT call (MiniLM) per row;
   - a bare forward pass of each encoder over the distinct texts (model already loaded);
   - ``mentortrack analyze`` cold (empty NLP cache) and warm (same cache again), with
     wall time and peak memory (max RSS of the process).
3. Prints the machine's load average (1 minute) before and after each timed step: the
   ratios are only fair when the load was alike for the per-row pipeline and ``analyze``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def real_variety_export(rows: int, distinct: int, out: Path, seed: int = 3) -> Path:
    """A generated export whose feedback texts are real sentences (see the module docstring)."""
    from mentortrack.analytics.corpus import real_corpus
    from mentortrack.contract.sample import generate

    rng = np.random.default_rng(seed)
    frame = generate(rows=rows, seed=seed)
    corpus = real_corpus()
    pool = corpus[corpus["text"].str.len().between(80, 400)]["text"].drop_duplicates()
    texts = pool.sample(n=min(distinct, len(pool)), random_state=seed).to_numpy()
    has_feedback = pd.Series(True, index=frame.index)
    n = len(frame)
    weights = 1.0 / np.arange(1, len(texts) + 1) ** 0.6
    picks = np.concatenate([np.arange(min(len(texts), n)),
                            rng.choice(len(texts), size=max(0, n - len(texts)), p=weights / weights.sum())])
    rng.shuffle(picks)
    frame.loc[has_feedback, "Learner_Feedback"] = texts[picks[:n]]
    frame.to_csv(out, index=False)
    return out


def per_row_original(feedback: list[str]) -> float:
    """Seconds for the original analysis' loop: TextBlob and KeyBERT once per row (model load included)."""
    start = time.perf_counter()
    from keybert import KeyBERT
    from textblob import TextBlob

    from mentortrack.analytics.embeddings import model

    keybert = KeyBERT(model=model())
    for text in feedback:
        TextBlob(text).sentiment  # noqa: B018
        keybert.extract_keywords(text, keyphrase_ngram_range=(1, 2), stop_words="english", top_n=3)
    return time.perf_counter() - start


def forward_pass(texts: list[str], encoder: str) -> float:
    """Seconds for one encoding pass over ``texts`` with the model already loaded."""
    from mentortrack.analytics.embeddings import minilm_path, static_model

    if encoder == "minilm":
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(minilm_path()), device="cpu")
        start = time.perf_counter()
        st.encode(texts, batch_size=128)
    else:
        static = static_model()
        start = time.perf_counter()
        static.encode(texts)
    return time.perf_counter() - start


def analyze_run(data: Path, cache_dir: Path, out: Path) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of ``mentortrack analyze`` in a new process."""
    env = {**os.environ, "MENTORTRACK_CACHE_DIR": str(cache_dir)}
    command = [sys.executable, "-c",
               "import resource, sys; from mentortrack.cli import app\n"
               "try:\n    app(['analyze', sys.argv[1], '--out', sys.argv[2]])\n"
               "except SystemExit as e:\n    assert not e.code, e.code\n"
               "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)",
               str(data), str(out)]
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    rss = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("MAXRSS"))
    return seconds, rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--distinct", type=int, default=1565)
    parser.add_argument("--skip-per-row", action="store_true", help="skip the slow original per-row pipeline")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mentortrack-bench-"))
    try:
        data = real_variety_export(args.rows, args.distinct, work / "real_variety.csv")
        feedback = pd.read_csv(data, dtype=str)["Learner_Feedback"].dropna()
        feedback = feedback[feedback.str.strip() != ""].tolist()
        distinct = list(dict.fromkeys(feedback))
        print(f"export: {args.rows:,} sessions, {len(feedback):,} with feedback, {len(distinct):,} distinct texts, "
              f"mean {np.mean([len(t) for t in distinct]):.0f} characters")
        results: dict[str, float] = {}
        loads: dict[str, tuple[float, float]] = {}

        def timed(name: str, step: Callable[[], float]) -> None:
            before = os.getloadavg()[0]
            results[name] = step()
            loads[name] = (before, os.getloadavg()[0])

        for encoder in ("static", "minilm"):
            timed(f"forward pass, {encoder} encoder (distinct texts)", lambda e=encoder: forward_pass(distinct, e))
        cache_dir = work / "cache"
        memory: dict[str, float] = {}

        def analyze(kind: str) -> float:
            seconds, memory[kind] = analyze_run(data, cache_dir, work / "enriched.parquet")
            return seconds

        timed("analyze, cold cache", lambda: analyze("cold"))
        timed("analyze, warm cache", lambda: analyze("warm"))
        cold_mb, warm_mb = memory["cold"], memory["warm"]
        if not args.skip_per_row:
            timed("original per-row pipeline (TextBlob + KeyBERT per row)", lambda: per_row_original(feedback))
        base = results.get("original per-row pipeline (TextBlob + KeyBERT per row)")
        print(f"{'step':<58} {'seconds':>8} {'vs per-row':>11} {'load before/after':>18}")
        for name, seconds in results.items():
            ratio = f"{base / seconds:.1f}x" if base else "–"
            load = f"{loads[name][0]:.1f} / {loads[name][1]:.1f}"
            print(f"{name:<58} {seconds:8.1f} {ratio:>11} {load:>18}")
        print(f"peak memory: analyze cold {cold_mb:,.0f} MB, warm {warm_mb:,.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

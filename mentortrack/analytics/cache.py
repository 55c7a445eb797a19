"""On-disk cache of NLP results, keyed by text hash + model name + parameters.

One SQLite file (``nlp-cache.sqlite`` in :func:`mentortrack.paths.cache_dir`).
Each entry lives in a *namespace* that names what was computed, with which
model and parameters (``"keybert:static-...:top_n=3,..."``), under the SHA-256
of the text. A monthly re-run therefore only computes new texts.

The cache only saves time, so it never stops an analysis:

- a damaged file (truncated or overwritten, as a killed process or a full disk
  leaves it) is moved aside to ``nlp-cache.sqlite.damaged-<time>`` with a warning,
  and a new cache is started;
- when the cache cannot be opened, read or written (full disk, read-only folder,
  locked by another process for over a minute), the analysis goes on without it and
  says so once per process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from mentortrack.paths import cache_dir

log = logging.getLogger(__name__)

CACHE_FILE = "nlp-cache.sqlite"
DISABLE_ENV = "MENTORTRACK_NO_CACHE"
"""Set (to anything) in processes that must not touch the cache: Dask workers, whose results the
client stores."""
LOCK_TIMEOUT = 60
"""Seconds to wait for another process's write lock before working without the cache."""

_disabled: set[str] = set()
"""Cache files this process stopped using (after saying why once)."""


def text_key(text: str) -> str:
    """SHA-256 hex digest of a text (the cache key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _path(path: Path | None) -> Path:
    if path is not None:
        return path
    try:
        return cache_dir() / CACHE_FILE
    except OSError as err:
        raise sqlite3.OperationalError(f"cache folder unavailable: {err}") from err


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=LOCK_TIMEOUT)
    conn.execute("CREATE TABLE IF NOT EXISTS entries (namespace TEXT, key TEXT, value BLOB, PRIMARY KEY (namespace, key))")
    return conn


def _move_aside(path: Path, err: Exception) -> None:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")
    n = 2
    while aside.exists():
        aside, n = aside.with_name(f"{aside.name.rsplit('~', 1)[0]}~{n}"), n + 1
    try:
        path.rename(aside)
    except OSError:
        _disable(path, f"it is damaged ({err}) and could not be moved aside")
        return
    log.warning("NLP cache %s is damaged (%s); moved it to %s and started a new one", path, err, aside)


def _disable(path: Path, why: str) -> None:
    if str(path) not in _disabled:
        _disabled.add(str(path))
        log.warning("working without the NLP cache %s: %s (results are computed, not reused)", path, why)


def _run(path: Path | None, work):  # type: ignore[no-untyped-def]
    """``work(conn)`` on the cache, recovering from a damaged file once; None when the cache is unusable."""
    if os.environ.get(DISABLE_ENV):
        return None
    try:
        file = _path(path)
    except sqlite3.OperationalError as err:
        _disable(Path(str(path or CACHE_FILE)), str(err))
        return None
    if str(file) in _disabled:
        return None
    for attempt in (1, 2):
        try:
            with closing(_connect(file)) as conn:
                return work(conn)
        except sqlite3.DatabaseError as err:
            damaged = not isinstance(err, sqlite3.OperationalError) or "malformed" in str(err)
            if damaged and attempt == 1 and file.exists():
                _move_aside(file, err)
                continue
            _disable(file, str(err))
            return None
    return None


def get_many(namespace: str, texts: Iterable[str], path: Path | None = None) -> dict[str, bytes]:
    """Cached values for the texts that have one, as ``{text: value}`` (empty if the cache is unusable)."""
    by_key = {text_key(t): t for t in texts}
    keys = list(by_key)

    def read(conn: sqlite3.Connection) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT key, value FROM entries WHERE namespace = ? AND key IN ({marks})",
                                [namespace, *chunk])
            found.update({by_key[k]: v for k, v in rows})
        return found

    return _run(path, read) or {}


def put_many(namespace: str, values: dict[str, bytes], path: Path | None = None) -> None:
    """Store ``{text: value}`` under the namespace (replacing older entries); skipped if the cache is unusable."""
    def write(conn: sqlite3.Connection) -> None:
        with conn:
            conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?)",
                             [(namespace, text_key(t), v) for t, v in values.items()])

    _run(path, write)

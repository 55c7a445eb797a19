"""File names built from data, and writes that stay inside the folder the user named.

Session and learner IDs become file names (agendas, notes, invites, e-mails).
Every such name goes through :func:`safe_name`, and every path through
:func:`inside`, so no value in an export can point outside ``--out``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mentortrack.errors import MentortrackError

MAX_NAME_LENGTH = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))})
"""Names Windows refuses whatever the extension."""


class UnsafePathError(MentortrackError, ValueError):
    """A path built from data would land outside its output folder."""


def safe_name(value: object, used: set[str] | None = None) -> str:
    """A file-name stem from ``value``: letters, digits, ``.``, ``_`` and ``-`` only, no leading dot,
    at most 80 characters, never a Windows device name, and unique within ``used`` (which it updates;
    compared case-insensitively, as on macOS and Windows).

    >>> safe_name("../../etc/passwd"), safe_name("SS/1002"), safe_name("")
    ('etc_passwd', 'SS_1002', 'item')
    """
    stem = _UNSAFE.sub("_", str(value)).strip("._-")[:MAX_NAME_LENGTH] or "item"
    if stem.lower().split(".")[0] in _RESERVED:
        stem = f"_{stem}"
    if used is not None:
        candidate, n = stem, 2
        while candidate.lower() in used:
            candidate = f"{stem[:MAX_NAME_LENGTH - 6]}-{n}"
            n += 1
        used.add(candidate.lower())
        stem = candidate
    return stem


def inside(root: Path, path: Path) -> Path:
    """``path`` if it resolves to a place inside ``root``.

    Raises:
        UnsafePathError: it would not.
    """
    resolved, base = path.resolve(), root.resolve()
    if resolved != base and base not in resolved.parents:
        raise UnsafePathError(f"refusing to write {path}: it is outside {root}")
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Name ``path`` in a write error that does not name its file (a full disk shows up at write or
    close, and Python's error then carries no file name)."""
    try:
        yield
    except OSError as err:
        if err.filename or err.errno is None:
            raise
        raise OSError(err.errno, err.strerror or str(err), str(path)) from err

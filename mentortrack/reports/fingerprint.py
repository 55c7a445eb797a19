"""What a report depends on, as one SHA-256, and loading an export together with the digest of its bytes.

The stored fingerprint must describe the rows the report shows: :func:`load_fingerprinted`
hashes the file and loads it, and loads again when the file changed in between (a run
that waited for another run's lock may find a newer export than the one it looked at).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from mentortrack.config import Settings
from mentortrack.errors import ReportError
from mentortrack.paths import notebook_path

FINGERPRINT_FILE = "fingerprint.txt"
LOAD_ATTEMPTS = 3
"""Loads tried while an export keeps changing under the reader."""


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _state(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def load_fingerprinted(path: Path, timezone: str, sheet: str | None = None) -> tuple[Any, str]:
    """The export loaded (:func:`mentortrack.contract.load.load_sessions`, timestamps with a zone converted to the
    program's ``timezone``; ``sheet``: the Excel sheet, else the first with session columns) and the digest of
    the bytes loaded.

    Raises:
        ReportError: the export cannot be used, or it kept changing while being read.
    """
    from mentortrack.contract.load import LoadError, load_sessions

    for _ in range(LOAD_ATTEMPTS):
        before = _state(path)
        digest = file_digest(path)
        try:
            loaded = load_sessions(path, sheet, timezone=timezone)
        except LoadError as err:
            raise ReportError(str(err)) from err
        if _state(path) == before:
            return loaded, digest
    raise ReportError(f"{path}: the file kept changing while it was read; run again once it is written.")


def fingerprint(data_digest: str, data: Path, month: str, show_pii: bool, settings: Settings,
                sheet: str | None = None) -> str:
    """SHA-256 over everything a report depends on: the data's bytes (``data_digest``, of the bytes
    loaded), its path and the Excel sheet read (when one is named), month, PII setting, the settings
    (their JSON dump), the notebooks that run, the library code, templates and models."""
    digest = hashlib.sha256(f"{month}|{show_pii}|{data.resolve()}|{data_digest}".encode())
    if sheet is not None:
        digest.update(f"|sheet {sheet}".encode())
    digest.update(settings.model_dump_json().encode())
    package = Path(__file__).resolve().parent.parent
    notebooks = [notebook_path(nb.name) for nb in settings.report.notebooks]
    sources = [*notebooks, *sorted(package.rglob("*.py")), *sorted(package.glob("templates/*")),
               *sorted(package.glob("data/models/*.*"))]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def stored_fingerprint(folder: Path) -> str | None:
    """The fingerprint a finished report in ``folder`` was built with (None when there is none)."""
    try:
        return (folder / FINGERPRINT_FILE).read_text()
    except OSError:
        return None

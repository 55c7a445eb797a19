"""The report's output folder, written atomically, and only ever touching what the suite made.

A run builds into a hidden work folder beside the final one, named
``.<MONTH>.mentortrack-<random>`` and holding a :data:`MARKER` file the run wrote (host and
process id); only when every step succeeded is it moved to ``<MONTH>/``. The suite removes
only folders it can recognise as its own:

- a work folder: that name pattern *and* the marker, whose process is gone (or, from
  another host, older than a day);
- a previous report being replaced or a failed run's ``<MONTH>.failed``: a folder holding
  the suite's :data:`~mentortrack.reports.fingerprint.FINGERPRINT_FILE` or marker.

Anything else in ``--out`` (``.config.d/``, ``.backup.2024/``, ``.emacs.d/``, a ``2025-09/``
the user made) is never removed; a ``<MONTH>/`` that is not a report stops the run.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mentortrack.errors import ReportError
from mentortrack.reports.fingerprint import FINGERPRINT_FILE

log = logging.getLogger(__name__)

MARKER = ".mentortrack-work"
"""File in a work folder naming its owner: a first line saying what the folder is, then host and process id."""
MARKER_HEADER = "mentortrack report work folder"
WORK_NAME = re.compile(r"\.(\d{4}-\d{2}|all)\.mentortrack-[A-Za-z0-9_]+")
"""Names the suite gives its work folders (``tempfile.mkdtemp`` suffixes)."""
LEFTOVER_AGE = 24 * 3600
"""Seconds after which a marked work folder of another host counts as left over."""

DISK_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}
"""Write errors that mean "this folder cannot take the report", not a bug."""


def disk_problem(err: OSError, root: Path, final: Path) -> str:
    """One line naming the folder that could not be written and why."""
    where = Path(err.filename).parent if err.filename else root
    unchanged = f"{final} is unchanged" if final.exists() else "nothing was written"
    return f"cannot write to {where}: {err.strerror or err} ({unchanged}; free space or choose another --out)"


def output_root(root: Path) -> Path:
    """``root``, created if missing.

    Raises:
        ReportError: ``root`` (or a folder above it) is a file, or cannot be created.
    """
    if root.exists() and not root.is_dir():
        raise ReportError(f"--out {root}: is a file, not a folder; choose a folder for the reports.")
    try:
        root.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as err:
        raise ReportError(f"--out {root}: a part of the path is a file, not a folder; choose a folder.") from err
    except OSError as err:
        raise ReportError(f"--out {root}: cannot create the folder: {err.strerror or err}.") from err
    return root


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_suites(folder: Path) -> bool:
    """Whether ``folder`` is a report or a work folder the suite made (it holds the fingerprint or the marker)."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    if (folder / FINGERPRINT_FILE).is_file():
        return True
    try:
        return (folder / MARKER).read_text(encoding="utf-8").startswith(MARKER_HEADER)
    except OSError:
        return False


def remove_leftovers(root: Path) -> list[Path]:
    """Remove the work folders of report runs that were killed (see the module docstring); returns them."""
    removed = []
    for folder in root.iterdir():
        if not WORK_NAME.fullmatch(folder.name) or not folder.is_dir() or folder.is_symlink():
            continue
        try:
            header, host, pid = (folder / MARKER).read_text(encoding="utf-8").split("\n")[:3]
            if header != MARKER_HEADER:
                continue
            here = host == socket.gethostname()
            dead = not _alive(int(pid)) if here else time.time() - folder.stat().st_mtime > LEFTOVER_AGE
        except (OSError, ValueError):
            continue
        if dead:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.warning("removed %d work folder(s) left by killed report runs: %s", len(removed),
                    ", ".join(p.name for p in removed))
    return removed


def _remove_if_suites(folder: Path) -> None:
    if is_suites(folder):
        shutil.rmtree(folder, ignore_errors=True)


def _readable_like_other_files(folder: Path) -> None:
    """Give the report folder the permissions the user's umask gives any new folder (``mkdtemp`` makes it
    owner-only), so a colleague or a web server on a shared machine can read the reports."""
    mask = os.umask(0)
    os.umask(mask)
    folder.chmod(0o777 & ~mask)


@contextmanager
def work_folder(root: Path, month: str) -> Iterator[Path]:
    """A fresh marked work folder for ``root/month``, moved into place when the block succeeds.

    On an error the folder is kept as ``<month>.failed`` (a disk error removes it instead and
    becomes one :class:`ReportError` line); the previous report stays untouched either way.

    Raises:
        ReportError: ``root/month`` exists and is not a report of the suite, or the disk is full
            or read-only.
    """
    final = root / month
    if final.exists() and not is_suites(final):
        raise ReportError(f"{final} exists and is not a mentortrack report; move it or choose another --out.")
    work = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{month}.mentortrack-", dir=root))
        (work / MARKER).write_text(f"{MARKER_HEADER}\n{socket.gethostname()}\n{os.getpid()}\n", encoding="utf-8")
    except OSError as err:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise ReportError(disk_problem(err, root, final)) from err
    failed = root / f"{month}.failed"
    try:
        yield work
        (work / MARKER).unlink()
        _readable_like_other_files(work)
    except BaseException as err:
        if isinstance(err, OSError) and err.errno in DISK_ERRORS:
            shutil.rmtree(work, ignore_errors=True)
            raise ReportError(disk_problem(err, root, final)) from err
        if not (work / "enriched.parquet").exists():
            shutil.rmtree(work, ignore_errors=True)
            raise
        _remove_if_suites(failed)
        if failed.exists():
            shutil.rmtree(work, ignore_errors=True)
            raise
        work.rename(failed)
        if isinstance(err, ReportError):
            raise ReportError(f"{err} (this run is kept in {failed}; {final} is unchanged)") from err
        raise
    old = Path(tempfile.mkdtemp(prefix=f".{month}.mentortrack-old", dir=root))
    old.rmdir()
    if final.exists():
        final.rename(old)
    work.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    _remove_if_suites(failed)

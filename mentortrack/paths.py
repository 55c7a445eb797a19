"""Every path the suite uses, built in one place.

Nothing here touches the disk at import time; functions resolve paths when called.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

SAMPLE_FILE = "sample_sessions.csv"


def package_data(name: str) -> Path:
    """Path of a file shipped in ``mentortrack/data``."""
    return Path(str(resources.files("mentortrack") / "data" / name))


def default_sample_path() -> Path:
    """The bundled sample export used when no file is given (about 2,000 sessions)."""
    return package_data(SAMPLE_FILE)


def project_root() -> Path:
    """The source checkout holding ``parameters/`` and ``notebooks/`` (``MENTORTRACK_ROOT`` overrides)."""
    if "MENTORTRACK_ROOT" in os.environ:
        return Path(os.environ["MENTORTRACK_ROOT"])
    return Path(__file__).resolve().parent.parent


def parameters_dir() -> Path:
    """Folder of the YAML parameter files."""
    return project_root() / "parameters"


def notebooks_dir() -> Path:
    """Folder of the report notebooks."""
    return project_root() / "notebooks"


def outputs_dir() -> Path:
    """Folder the rendered reports go to (git-ignored)."""
    return project_root() / "outputs"


def cache_dir() -> Path:
    """On-disk NLP cache: ``MENTORTRACK_CACHE_DIR`` or the user's cache directory."""
    if "MENTORTRACK_CACHE_DIR" in os.environ:
        path = Path(os.environ["MENTORTRACK_CACHE_DIR"])
    else:
        path = Path(platformdirs.user_cache_dir("mentortrack"))
    path.mkdir(parents=True, exist_ok=True)
    return path

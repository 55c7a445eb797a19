"""Every path the suite uses, built in one place.

The suite runs from any folder, installed or from a source checkout:

- the *project folder* is the working folder (``MENTORTRACK_ROOT`` overrides it);
- parameters are the defaults shipped in the package, overridden key by key by the
  YAML files of the project's ``parameters/`` folder, or of the folder the CLI's
  ``--parameters DIR`` names (passed as an argument, see :mod:`mentortrack.config`);
- a report notebook is the project's ``notebooks/<name>.ipynb`` when there is one
  (``mentortrack init`` writes editable copies), else the one shipped in the package;
- reports go to the project's ``outputs/`` unless ``--out`` says otherwise.

In a source checkout the shipped defaults *are* the checkout's ``parameters/`` and
``notebooks/`` folders (the wheel packs them as ``mentortrack.resources``), so
``make report`` there works as before. Nothing here touches the disk at import time.
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


def project_dir() -> Path:
    """The folder the user works in: ``MENTORTRACK_ROOT``, else the current working folder."""
    return Path(os.environ.get("MENTORTRACK_ROOT") or Path.cwd())


def _shipped(folder: str, marker: str) -> Path:
    """A folder shipped as ``mentortrack/resources/<folder>`` in the wheel, or the checkout's top-level one."""
    checkout = Path(__file__).resolve().parent.parent / folder
    if (checkout / marker).is_file():
        return checkout
    return Path(str(resources.files("mentortrack") / "resources" / folder))


def default_parameters_dir() -> Path:
    """The parameter files shipped with the package (the checkout's ``parameters/`` in a source checkout)."""
    return _shipped("parameters", "report.yaml")


def user_parameters_dir() -> Path | None:
    """The folder whose YAML files override the defaults when no other is given: the project's
    ``parameters/`` when it exists, else None."""
    local = project_dir() / "parameters"
    return local if local.is_dir() else None


def default_notebooks_dir() -> Path:
    """The report notebooks shipped with the package (the checkout's ``notebooks/`` in a source checkout)."""
    return _shipped("notebooks", "07_dashboard.ipynb")


def notebook_path(name: str) -> Path:
    """The notebook ``name`` to run: the project's copy if it has one, else the shipped one."""
    local = project_dir() / "notebooks" / f"{name}.ipynb"
    return local if local.is_file() else default_notebooks_dir() / f"{name}.ipynb"


def outputs_dir() -> Path:
    """Folder the rendered reports go to by default: ``outputs/`` of the project folder."""
    return project_dir() / "outputs"


def cache_dir() -> Path:
    """On-disk NLP cache: ``MENTORTRACK_CACHE_DIR`` or the user's cache directory."""
    if "MENTORTRACK_CACHE_DIR" in os.environ:
        path = Path(os.environ["MENTORTRACK_CACHE_DIR"])
    else:
        path = Path(platformdirs.user_cache_dir("mentortrack"))
    path.mkdir(parents=True, exist_ok=True)
    return path

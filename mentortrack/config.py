"""Read the YAML parameter files in ``parameters/`` (thresholds, rules, report settings).

Files are read when a function asks for them, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mentortrack.paths import parameters_dir


def load_parameters(name: str, path: str | Path | None = None) -> dict[str, Any]:
    """The parsed YAML ``parameters/<name>.yaml``, or the file at ``path`` if given."""
    file = Path(path) if path is not None else parameters_dir() / f"{name}.yaml"
    if not file.exists():
        raise FileNotFoundError(f"parameter file {file} not found (set MENTORTRACK_ROOT to the mentortrack checkout)")
    return yaml.safe_load(file.read_text(encoding="utf-8")) or {}

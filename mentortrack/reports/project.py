"""``mentortrack init``: an editable report project a program team keeps under version control.

Writes the shipped parameter files and report notebooks, a small Makefile
(validate, analyze, report, lab) and a ``.gitignore`` for ``outputs/``, as
cookiecutter and quarto do. Run inside that folder, the suite reads the project's
``parameters/`` (overriding the defaults key by key) and its notebooks.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from mentortrack.errors import MentortrackError
from mentortrack.paths import default_notebooks_dir, default_parameters_dir

GITIGNORE = "outputs/\n.ipynb_checkpoints/\n"


class ProjectExistsError(MentortrackError, FileExistsError):
    """``init`` would overwrite files; the message lists them."""


def project_files(folder: Path) -> dict[Path, Path | str]:
    """Every file ``init`` writes: destination -> shipped file or text."""
    files: dict[Path, Path | str] = {}
    for source in sorted(default_parameters_dir().glob("*.yaml")):
        files[folder / "parameters" / source.name] = source
    for source in sorted(default_notebooks_dir().glob("*.ipynb")):
        files[folder / "notebooks" / source.name] = source
    files[folder / "Makefile"] = Path(str(resources.files("mentortrack") / "templates" / "project.mk"))
    files[folder / ".gitignore"] = GITIGNORE
    return files


def init_project(folder: str | Path, force: bool = False) -> list[Path]:
    """Write the project files into ``folder`` (created if needed); returns what was written.

    Raises:
        ProjectExistsError: some of the files exist and ``force`` is false.
    """
    folder = Path(folder)
    files = project_files(folder)
    existing = [path for path in files if path.exists()]
    if existing and not force:
        shown = ", ".join(str(p.relative_to(folder)) for p in existing[:5])
        raise ProjectExistsError(f"{folder} already has {shown}{' and more' if len(existing) > 5 else ''}; "
                                 "use --force to overwrite them")
    for path, source in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, path)
        else:
            path.write_text(source, encoding="utf-8")
    (folder / "outputs").mkdir(exist_ok=True)
    return list(files)

"""The suite installs anywhere: a built wheel in a fresh virtual environment, run from an empty folder."""

from __future__ import annotations

import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``bin/`` of a fresh venv holding the wheel, with this environment's packages as its dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", str(REPO),
                    "-w", str(root / "dist")], check=True, capture_output=True)
    wheel = next((root / "dist").glob("mentortrack-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    fresh_site = next((root / "venv" / "lib").glob("python3*/site-packages"))
    (fresh_site / "reuse-test-dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(root / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True)
    return root / "venv" / "bin"


def _run(bin_dir: Path, folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MENTORTRACK_ROOT"}
    # the reused dependencies keep their data files (nbconvert's templates) under this environment's prefix
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    return subprocess.run([str(bin_dir / "mentortrack"), *args], cwd=folder, capture_output=True, text=True,
                          env={**env, "PATH": f"{bin_dir}:{env['PATH']}"}, timeout=600)


def test_the_wheel_carries_its_defaults_and_runs_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run([str(installed / "python"), "-c", "import mentortrack, mentortrack.paths as p; "
                            "print(mentortrack.__file__); print(p.default_parameters_dir())"],
                           cwd=empty, capture_output=True, text=True, check=True).stdout.split()
    assert str(installed.parent) in where[0] and "site-packages/mentortrack/resources/parameters" in where[1]

    validate = _run(installed, empty, "validate", "--json", "--quarantine", "q.csv")
    assert validate.returncode == 0, validate.stderr
    report = _run(installed, empty, "report", "--month", "2025-09")
    assert report.returncode == 0, report.stderr
    assert (empty / "outputs" / "2025-09" / "07_dashboard.html").stat().st_size > 10_000
    assert not list(installed.parent.rglob("outputs")), "nothing may be written into the installation"


def test_init_writes_an_editable_project_that_overrides_the_defaults(installed: Path, tmp_path: Path) -> None:
    project = tmp_path / "team-reports"
    result = _run(installed, tmp_path, "init", str(project))
    assert result.returncode == 0, result.stderr
    for name in ("parameters/report.yaml", "parameters/warnings.yaml", "notebooks/07_dashboard.ipynb", "Makefile",
                 ".gitignore"):
        assert (project / name).is_file(), name
    again = _run(installed, tmp_path, "init", str(project))
    assert again.returncode == 2 and "--force" in again.stderr
    (project / "parameters" / "report.yaml").write_text("workers: four\n")
    bad = _run(installed, project, "validate")
    assert bad.returncode == 2 and "report.yaml: workers: expected a whole number, got 'four'" in bad.stderr
    (project / "parameters" / "report.yaml").write_text("title: Team sessions\n")
    kpis = _run(installed, project, "kpis", "--month", "2025-09", "--json")
    assert kpis.returncode == 0, kpis.stderr

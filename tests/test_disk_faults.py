"""Full and read-only disks, and runs that overlap: one line, nothing lost, nothing half-written."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.reports import report

CLI = [sys.executable, "-c", "from mentortrack.cli import run; run()"]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=600)


def small_file_system(mount: Path, options: str) -> None:
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")


@pytest.fixture()
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB file system, filled up (skipped where the test cannot mount one)."""
    mount = tmp_path / "small"
    small_file_system(mount, "size=1m")
    try:
        (mount / "filler").write_bytes(b"\0" * (1 << 20))
    except OSError as err:
        assert err.errno == errno.ENOSPC
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.fixture()
def read_only_disk(tmp_path: Path) -> Iterator[Path]:
    """A real read-only file system (skipped where the test cannot mount one)."""
    mount = tmp_path / "read-only"
    small_file_system(mount, "size=1m,ro")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_during_a_report_keeps_the_last_good_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "outputs"
    last_good = root / "2025-09"
    last_good.mkdir(parents=True)
    (last_good / "index.html").write_text("last good report")
    (last_good / "fingerprint.txt").write_text("of the last good report")

    def disk_full(loaded: object, data_label: str, month: str, work: Path, *args: object) -> None:
        (work / "enriched.parquet").write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device", str(work / "enriched.parquet"))

    monkeypatch.setattr(report, "prepare", disk_full)
    result = CliRunner().invoke(app, ["report", "--month", "2025-09", "--out", str(root), "--force"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot write to {root}/.2025-09.")
    assert "No space left on device" in lines[0] and f"{last_good} is unchanged" in lines[0]
    assert (last_good / "index.html").read_text() == "last good report"
    assert sorted(p.name for p in root.iterdir() if p.name != ".2025-09.lock") == ["2025-09"]


def test_a_report_onto_a_full_file_system_is_one_line_and_leaves_nothing(full_disk: Path) -> None:
    done = cli("report", "--month", "2025-09", "--out", str(full_disk / "outputs"))
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    assert "No space left on device" in done.stderr and str(full_disk) in done.stderr
    left = [p.name for p in (full_disk / "outputs").iterdir()] if (full_disk / "outputs").exists() else []
    assert [name for name in left if not name.endswith(".lock")] == []


def test_a_quarantine_file_onto_a_full_disk_is_one_line(full_disk: Path) -> None:
    done = cli("validate", "--quarantine", str(full_disk / "quarantine.csv"))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: cannot write {full_disk / 'quarantine.csv'}: No space left on device "
                                   "(free space or choose another folder)")


def test_a_read_only_output_folder_is_one_line(read_only_disk: Path) -> None:
    done = cli("followups", "--as-of", "2025-10-31", "--out", str(read_only_disk / "queue"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    *notes, error = done.stderr.strip().splitlines()
    assert all(line.startswith("note: ") for line in notes)  # the mentors the directory lacks
    assert error == f"error: cannot write {read_only_disk / 'queue'}: Read-only file system (choose another folder)"


def test_the_nlp_cache_on_a_full_disk_only_costs_time(full_disk: Path, tmp_path: Path) -> None:
    out = tmp_path / "enriched.parquet"
    done = cli("analyze", "--out", str(out), env={"MENTORTRACK_CACHE_DIR": str(full_disk / "cache")})
    assert done.returncode == 0, done.stderr
    assert out.exists() and done.stderr.count("working without the NLP cache") == 1
    assert "disk is full" in done.stderr or "No space left" in done.stderr


def test_two_reports_of_one_month_at_once_take_turns(tmp_path: Path) -> None:
    root = tmp_path / "outputs"
    command = [*CLI, "report", "--month", "2025-09", "--out", str(root)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    last_lines = sorted(out.strip().splitlines()[-1].split(": ", 1)[1].split(" in ")[0] for out, _ in outputs)
    assert last_lines == ["built", "up to date (inputs unchanged; --force rebuilds)"]
    assert (root / "2025-09" / "index.html").exists()
    assert sorted(p.name for p in root.iterdir() if not p.name.endswith(".lock")) == ["2025-09"]


def test_a_folder_given_for_a_file_and_a_file_for_a_folder_are_one_line(tmp_path: Path) -> None:
    done = cli("validate", "--quarantine", str(tmp_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith(": Is a directory (give a file name, not a folder)")
    in_the_way = tmp_path / "queue"
    in_the_way.write_text("")
    done = cli("alerts", "--out", str(in_the_way))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (f"error: cannot write {in_the_way}: File exists "
                                                    "(a file is in the way: give a folder name)")

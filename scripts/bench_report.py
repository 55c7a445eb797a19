"""Benchmark ``make report`` for one month, and its overhead over the bare notebook machinery.

For each export — the first-months fixture of the tests (``tests/conftest.py``: 89 sessions, 1 September to
9 October 2025, 15 mentors with 2–10 sessions, the shape of a program's first months), the bundled sample,
and ``--data`` when given — in one process, one after another:

- cold: empty NLP cache, no previous output;
- forced rebuild: NLP cache warm, everything re-run (``--force``);
- re-run: unchanged inputs (fingerprint hit);
- bare machinery: 7 trivial notebooks (a parameters cell and one output line each), executed
  with papermill in the same number of kernels and rendered to HTML exactly as the report's
  notebooks are (:func:`mentortrack.reports.notebook_run.execute`).

The ratio forced rebuild / bare machinery is what the suite adds on top of running and
rendering notebooks at all (goal: at most 1.5x). On a shared machine either can take twice as long from
one minute to the next, so forced rebuild and bare machinery alternate ``--rounds`` times (default 3)
and the median of the rounds' ratios is reported, beside the ratio of the CPU seconds both used (this
process and its kernels and renderers; less sensitive to the load of other jobs); the first forced rebuild's
steps are printed as they finish.

Usage: ``python scripts/bench_report.py [--month 2025-09] [--data export.csv] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mentortrack.config import Settings

TRIVIAL = {
    "cells": [
        {"cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]}, "outputs": [],
         "source": ["month = ''\n", "enriched_path = ''\n", "load_report_path = ''\n", "output_dir = ''\n",
                    "data_label = ''\n", "show_pii = False\n", "parameters_dir = ''"]},
        {"cell_type": "code", "execution_count": None, "id": "o", "metadata": {}, "outputs": [],
         "source": ["print(month)"]},
    ],
    "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended (kernels, renderers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(step: str, action) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Run ``action``; print and return its wall seconds and the CPU seconds it used (see :func:`_cpu`)."""
    start, cpu = time.perf_counter(), _cpu()
    action()
    seconds, used = time.perf_counter() - start, _cpu() - cpu
    print(f"{step:<44} {seconds:6.1f} s  (CPU {used:5.1f} s, load {os.getloadavg()[0]:.1f})", flush=True)
    return seconds, used


def machinery(names: list[str], workers: int, kernel: str) -> None:
    """Execute and render ``names`` as trivial notebooks, ``workers`` at a time."""
    from mentortrack.reports.notebook_run import execute

    with tempfile.TemporaryDirectory(prefix="mentortrack-bench-") as project:
        (Path(project) / "notebooks").mkdir()
        for name in names:
            (Path(project) / "notebooks" / f"{name}.ipynb").write_text(json.dumps(TRIVIAL), encoding="utf-8")
        folder = Path(project) / "out"
        folder.mkdir()
        previous = os.environ.get("MENTORTRACK_ROOT")
        os.environ["MENTORTRACK_ROOT"] = project
        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for future in [pool.submit(execute, name, folder, "2025-09", "bench", False, kernel, name, "", "")
                               for name in names]:
                    future.result()
        finally:
            if previous is None:
                os.environ.pop("MENTORTRACK_ROOT", None)
            else:
                os.environ["MENTORTRACK_ROOT"] = previous


def first_months_export(folder: Path) -> Path:
    """The tests' first-months fixture written as an export CSV in ``folder``."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from conftest import first_months_rows, write_csv

    return write_csv(folder / "first_months.csv", first_months_rows())


def bench(data: Path | None, label: str, month: str, settings: Settings, names: list[str], workers: int,
          kernel: str, rounds: int) -> tuple[float, float]:
    """Cold, forced and unchanged runs of ``data`` (None: the bundled sample), then ``rounds`` of forced
    rebuild and bare machinery one after the other; returns the median of the rounds' ratios of wall time
    and of CPU time."""
    from mentortrack.reports.report import build_report

    def steps(step: str, seconds: float) -> None:
        print(f"    {seconds:6.1f} s  {step}", flush=True)

    with tempfile.TemporaryDirectory(prefix="mentortrack-bench-out-") as root:
        print(f"\nmake report MONTH={month} on {label}, {os.cpu_count()} cores, {len(names)} notebooks in "
              f"{workers} kernels", flush=True)
        _timed("cold", lambda: build_report(data, month, root, settings=settings))
        _timed("re-run, inputs unchanged", lambda: build_report(data, month, root, settings=settings))
        ratios, cpu_ratios = [], []
        for round_ in range(1, rounds + 1):
            shown = steps if round_ == 1 else None
            rebuild, rebuild_cpu = _timed(
                f"{round_}: forced rebuild (warm NLP cache)",
                lambda shown=shown: build_report(data, month, root, settings=settings, force=True, progress=shown))
            bare, bare_cpu = _timed(f"{round_}: bare machinery ({len(names)} trivial notebooks)",
                                    lambda: machinery(names, workers, kernel))
            ratios.append(rebuild / bare)
            cpu_ratios.append(rebuild_cpu / bare_cpu)
            print(f"{round_}: forced rebuild / bare machinery {ratios[-1]:6.2f}x (CPU {cpu_ratios[-1]:.2f}x)", flush=True)
    print(f"median of {rounds}: forced rebuild / bare machinery {statistics.median(ratios):6.2f}x (goal <= 1.5x); "
          f"CPU {statistics.median(cpu_ratios):.2f}x", flush=True)
    return statistics.median(ratios), statistics.median(cpu_ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2025-09")
    parser.add_argument("--data", default=None, help="another export to report on (besides the two bundled ones)")
    parser.add_argument("--rounds", type=int, default=3, help="forced rebuild / bare machinery pairs per export")
    args = parser.parse_args()
    os.environ["MENTORTRACK_CACHE_DIR"] = tempfile.mkdtemp(prefix="mentortrack-bench-cache-")

    from mentortrack.config import load_settings
    from mentortrack.reports.notebook_run import resolve_kernel

    loaded = load_settings()
    settings = loaded.report
    names = [nb.name for nb in settings.notebooks]
    workers, kernel = settings.workers, resolve_kernel(settings.kernel)
    with tempfile.TemporaryDirectory(prefix="mentortrack-bench-data-") as folder:
        exports: list[tuple[Path | None, str]] = [(first_months_export(Path(folder)), "the first-months fixture"),
                                                  (None, "the bundled sample")]
        if args.data:
            exports.append((Path(args.data), Path(args.data).name))
        ratios = {label: bench(data, label, args.month, loaded, names, workers, kernel, args.rounds) for data, label in exports}
    print(f"\nforced rebuild / bare machinery, median of {args.rounds} rounds ({len(names)} notebooks in {workers} "
          "kernels, goal <= 1.5x):")
    for label, (ratio, cpu_ratio) in ratios.items():
        print(f"  {label:<34} {ratio:6.2f}x   (CPU seconds {cpu_ratio:.2f}x)")


if __name__ == "__main__":
    main()

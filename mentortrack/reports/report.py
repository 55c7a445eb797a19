"""``make report``: export -> enriched table and shared tables -> notebooks (papermill, in parallel) -> HTML.

Steps, all into a marked work folder beside ``outputs/<MONTH>/``
(:func:`mentortrack.reports.work_folder.work_folder`):

1. load the export together with the digest of the bytes loaded
   (:func:`mentortrack.reports.fingerprint.load_fingerprinted`), run all NLP once, compute
   the shared tables once and write them (:func:`mentortrack.reports.prepare.prepare`);
2. render what every notebook of ``parameters/report.yaml`` shows, the mentor pages and the exports in
   :data:`RENDER_PROCESSES` processes forked from this one, which already holds the tables
   (:mod:`mentortrack.reports.renderers`; notebooks longest first, by the previous run's durations), and
   execute each notebook with papermill as soon as its sections are written, ``workers`` at once (one
   kernel each; the kernel only displays them, :mod:`mentortrack.reports.products`; they are removed
   once displayed);
3. render each notebook to HTML with nbconvert, code hidden, images embedded
   (:mod:`mentortrack.reports.notebook_run`);
4. write ``index.html``, the landing page with the headline (:mod:`mentortrack.reports.landing`), and the
   model card ``model.html`` (:mod:`mentortrack.reports.model_card`).

Only when everything succeeded is the folder moved to ``outputs/<MONTH>/``; a failing
notebook stops the run with its name, cell and error, and the previous output stays
untouched (the failed run is kept in ``outputs/<MONTH>.failed/``). A fingerprint of the
inputs (the data's bytes, parameters, notebooks, library source, month, PII setting) lets
an unchanged re-run return at once.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mentortrack.config import Settings
from mentortrack.errors import ReportError
from mentortrack.paths import default_sample_path, outputs_dir
from mentortrack.reports.context import ALL_MONTHS
from mentortrack.reports.fingerprint import (
    FINGERPRINT_FILE,
    file_digest,
    fingerprint,
    load_fingerprinted,
    stored_fingerprint,
)
from mentortrack.reports.landing import write_index
from mentortrack.reports.mentor_pages import page_links
from mentortrack.reports.model_card import write_model_card
from mentortrack.reports.month_choice import check_month, latest_complete_month
from mentortrack.reports.notebook_run import execute, longest_first, notebook_parameters, page_title, resolve_kernel
from mentortrack.reports.pages import renders
from mentortrack.reports.prepare import prepare
from mentortrack.reports.products import PRODUCTS_DIR
from mentortrack.reports.renderers import Renderers
from mentortrack.reports.work_folder import output_root, remove_leftovers, work_folder

__all__ = ["ReportError", "ReportRun", "build_report", "check_month", "latest_complete_month", "print_pdf"]

log = logging.getLogger(__name__)

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_NAME = "dashboard.pdf"
RENDER_PROCESSES: int | None = None
"""Processes forked after step 1 to render the pages beside the kernels (:mod:`mentortrack.reports.renderers`);
None: as many as the notebooks' kernels (``workers``), the parallelism the pages had when each kernel drew its own
(on a machine other jobs share, fewer processes get a smaller share of the cores)."""
MENTOR_PAGES_PER_TASK = 6
"""Mentor pages a renderer writes at a time (the pages of a large program are shared out between the renderers)."""


@dataclass(frozen=True)
class ReportRun:
    """Where a finished report is, whether it was rebuilt, and how its month was chosen."""

    folder: Path
    rebuilt: bool
    seconds: float
    note: str = ""


def chromium() -> str:
    """Path of a Chromium/Chrome binary, for printing the dashboard to PDF.

    Raises:
        ReportError: none is installed.
    """
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError("a PDF needs Chromium or Chrome (e.g. `apt-get install chromium`); none was found on PATH.")


def print_pdf(page: Path, out: Path, timeout: float = 120) -> Path:
    """Print an HTML page to PDF with headless Chromium (A4 landscape, the page's print CSS)."""
    with tempfile.TemporaryDirectory(prefix="mentortrack-chromium-") as profile:
        command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={out}",
                   page.resolve().as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not out.exists():
        raise ReportError(f"Chromium could not print {page.name} to PDF: {done.stderr.strip()[-300:]}")
    return out


def build_report(data: str | Path | None = None, month: str | None = None, out_root: str | Path | None = None, *,
                 settings: Settings, parameters_dir: Path | None = None, show_pii: bool = False, force: bool = False,
                 workers: int | None = None, progress: Callable[[str, float], None] | None = None, pdf: bool = False,
                 scheduler: str | None = None, sheet: str | None = None) -> ReportRun:
    """Build ``<out_root>/<month>/`` (see the module docstring) with ``settings``; returns where it is.

    ``parameters_dir`` is the folder ``settings`` were loaded from (:func:`mentortrack.config.load_settings`;
    None: the shipped defaults and the project's ``parameters/``): the notebooks load theirs from it.

    Runs of the same month and output folder take turns (a file lock, released when
    a process dies); a run that waited finds the report up to date and returns.
    ``progress(step, seconds since start)`` is called as each step finishes. With ``pdf``
    the dashboard is also printed to ``dashboard.pdf`` (needs Chromium). With ``scheduler``
    the NLP runs on a Dask cluster (:mod:`mentortrack.analytics.distributed`). ``sheet`` names the Excel
    sheet to read (default: the first that holds the session columns).
    """
    from filelock import FileLock

    from mentortrack.contract.load import LoadError, check_file, load_summary

    start = time.perf_counter()
    if month is not None:
        check_month(month)
    if pdf:
        chromium()
    data_path = Path(data) if data else default_sample_path()
    try:
        check_file(data_path)
    except LoadError as err:
        raise ReportError(str(err)) from err
    root = output_root(Path(out_root) if out_root else outputs_dir())
    loaded, note = None, ""
    if month is None:
        loaded = load_fingerprinted(data_path, settings.lifecycle.timezone, sheet)
        if loaded[0].sessions.empty:
            raise ReportError(f"{data_path}: no usable session rows ({load_summary(loaded[0].counts)}; "
                              f"`mentortrack validate {data_path}` lists the rows and why).")
        month, note = latest_complete_month(loaded[0].sessions["session_date"])
        if progress:
            progress(note, time.perf_counter() - start)
    with FileLock(str(root / f".{month}.lock")):
        remove_leftovers(root)
        run = _build_locked(_Inputs(data_path, "bundled sample" if not data else data_path.name, month, show_pii,
                                    settings, parameters_dir, sheet), root, force, workers, start, progress, loaded, scheduler)
        run = ReportRun(run.folder, run.rebuilt, run.seconds, note)
        if pdf and (run.rebuilt or not (run.folder / PDF_NAME).exists()):
            print_pdf(run.folder / "07_dashboard.html", run.folder / PDF_NAME)
            if progress:
                progress(PDF_NAME, time.perf_counter() - start)
        return run


def _when_rendered(rendered: Future[Path] | None, run: Callable[..., Path], *args: Any) -> Path:
    """``run(*args)`` once ``rendered`` (the notebook's sections being rendered, if any) is done."""
    if rendered is not None:
        rendered.result()
    return run(*args)


@dataclass(frozen=True)
class _Inputs:
    """What one report depends on besides the code: the export, its name in headings, the month, the PII
    setting, the settings and the folder they came from, and the Excel sheet read (None: the first with
    session columns)."""

    data_path: Path
    data_label: str
    month: str
    show_pii: bool
    settings: Settings
    parameters_dir: Path | None
    sheet: str | None


def _build_locked(inputs: _Inputs, root: Path, force: bool, workers: int | None, start: float,
                  progress: Callable[[str, float], None] | None, loaded: tuple[Any, str] | None = None,
                  scheduler: str | None = None) -> ReportRun:
    """Steps 1–4 under the month's lock. ``loaded`` is a load made before the lock (to choose the month);
    it is used only if the file still has the bytes it was loaded from."""
    data_path, data_label, month, show_pii = inputs.data_path, inputs.data_label, inputs.month, inputs.show_pii
    final = root / month
    settings = inputs.settings.report
    current = file_digest(data_path)
    expected = fingerprint(current, data_path, month, show_pii, inputs.settings, inputs.sheet)
    if not force and stored_fingerprint(final) == expected:
        log.info("%s is up to date", final)
        return ReportRun(final, False, time.perf_counter() - start)
    if loaded is None or loaded[1] != current:
        loaded = load_fingerprinted(data_path, inputs.settings.lifecycle.timezone, inputs.sheet)
    result, digest = loaded
    stamp = expected if digest == current else fingerprint(digest, data_path, month, show_pii, inputs.settings,
                                                           inputs.sheet)
    from mentortrack.contract.load import load_summary

    with work_folder(root, month) as work:
        prepared = prepare(result, data_label, month, work, show_pii, inputs.settings, scheduler)
        if progress:
            progress(f"loaded and analysed {data_label}: {load_summary(prepared.counts)}", time.perf_counter() - start)
        ctx = prepared.ctx
        period = ctx.period if month == ALL_MONTHS else pd.Period(month, freq="M").strftime("%B %Y")
        data_through = prepared.counts["last_session"]
        notebooks = {nb.name: nb for nb in settings.notebooks}
        kernel = resolve_kernel(settings.kernel)
        kernels = workers or settings.workers
        with Renderers(prepared, RENDER_PROCESSES or kernels) as renderers, \
                ThreadPoolExecutor(max_workers=kernels) as pool:
            futures: dict[Future[Any], str] = {}
            for name in longest_first(list(notebooks), final):
                parameters = notebook_parameters(work, month, data_label, show_pii, inputs.parameters_dir)
                rendered = renderers.sections(name, parameters) if renders(name) else None
                futures[pool.submit(_when_rendered, rendered, execute, name, work, month, data_label, show_pii, kernel,
                                    page_title(notebooks[name].title, period), data_through, ctx.partial_note,
                                    inputs.parameters_dir)] = f"{name}.html"
            mentors = list(page_links(work))
            parts = range(0, len(mentors), MENTOR_PAGES_PER_TASK)
            for part, first in enumerate(parts, start=1):
                futures[renderers.mentor_pages(work, mentors[first:first + MENTOR_PAGES_PER_TASK])] = \
                    f"mentors/ (a page per mentor, part {part} of {len(parts)})"
            futures[renderers.exports(work)] = "exports/ (Excel, Power BI, summaries)"
            for future in as_completed(futures):
                future.result()
                if progress:
                    progress(futures[future], time.perf_counter() - start)
        if (work / PRODUCTS_DIR).is_dir():  # displayed: the executed notebooks hold them now
            shutil.rmtree(work / PRODUCTS_DIR)
        write_index(work, ctx, prepared.tables, settings, prepared.counts)
        write_model_card(work, inputs.settings.nlp.sentiment.model)
        (work / FINGERPRINT_FILE).write_text(stamp)
    return ReportRun(final, True, time.perf_counter() - start)

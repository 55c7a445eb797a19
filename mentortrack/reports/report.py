"""``make report``: export -> enriched table -> notebooks (papermill, in parallel) -> HTML (nbconvert).

Steps, all into a temporary folder beside ``outputs/<MONTH>/``:

1. load the export and run all NLP once (:func:`mentortrack.analytics.enrich.enrich`),
   writing ``enriched.parquet``, the quarantine and data-quality files, the
   Excel workbook, the Power BI CSVs, session summaries and mentor digests;
2. execute every notebook of ``parameters/report.yaml`` with papermill, several
   at once (one kernel each), keeping the executed ``.ipynb``;
3. render each to HTML with nbconvert, code hidden, images embedded;
4. write ``index.html`` linking every report and file.

Only when everything succeeded is the folder moved to ``outputs/<MONTH>/``; a
failing notebook stops the run with its name, cell and error, and the previous
output stays untouched (the failed run is kept in ``outputs/<MONTH>.failed/``).
A fingerprint of the inputs (data, parameters, notebooks, library source,
month, PII setting) lets an unchanged re-run return at once.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.paths import default_sample_path, notebook_path, outputs_dir, user_parameters_dir
from mentortrack.reports.context import ALL_MONTHS, ReportContext, report_settings

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "fingerprint.txt"
OWNER_FILE = ".owner"
LEFTOVER_AGE = 24 * 3600
"""Seconds after which a work folder without an owner file counts as left over."""


class ReportError(RuntimeError):
    """A report run failed; the message names the step (and notebook and cell)."""


@dataclass(frozen=True)
class ReportRun:
    """Where a finished report is, whether it was rebuilt, and how its month was chosen."""

    folder: Path
    rebuilt: bool
    seconds: float
    note: str = ""


def latest_complete_month(dates: pd.Series) -> tuple[str, str]:
    """The latest month the data covers to its last day, and a sentence saying so.

    The month of the last session counts as complete when that session is on the month's
    last day; otherwise the month before it is taken (if the data reaches back that far).
    """
    last = pd.Timestamp(dates.max())
    month = last.to_period("M")
    if last.normalize() != month.end_time.normalize() and (dates < month.start_time).any():
        month -= 1
        return month.strftime("%Y-%m"), (f"no --month given: reporting {month.strftime('%Y-%m')}, the latest "
                                         f"complete month (sessions run to {last:%Y-%m-%d})")
    return month.strftime("%Y-%m"), (f"no --month given: reporting {month.strftime('%Y-%m')}, the latest month "
                                     f"in the data (sessions run to {last:%Y-%m-%d})")


def fingerprint(data: Path, month: str, show_pii: bool) -> str:
    """SHA-256 over everything a report depends on: data, month, PII setting, the effective
    parameters, the notebooks that run, the library code, templates and models."""
    from mentortrack.config import PARAMETER_FILES, load_parameters

    digest = hashlib.sha256(f"{month}|{show_pii}|{data.resolve()}".encode())
    digest.update(json.dumps({name: load_parameters(name) for name in PARAMETER_FILES}, sort_keys=True,
                             default=str).encode())
    package = Path(__file__).resolve().parent.parent
    notebooks = [notebook_path(nb["name"]) for nb in report_settings()["notebooks"]]
    sources = [data, *notebooks, *sorted(package.rglob("*.py")), *sorted(package.glob("templates/*")),
               *sorted(package.glob("data/models/*.*"))]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _load(data: Path) -> Any:
    from mentortrack.contract.load import LoadError, load_sessions

    try:
        return load_sessions(data)
    except LoadError as err:
        raise ReportError(str(err)) from err


def prepare(data: Path, month: str, folder: Path, show_pii: bool, loaded: Any = None,
            scheduler: str | None = None) -> dict[str, Any]:
    """Step 1: load (unless ``loaded`` is given), enrich, and write the tables and exports.

    The Excel and Power BI exports hold the month's sessions, its KPIs with deltas, and
    the mentor ranking over the same window the reports use (``mentors.window_months``).
    """
    from mentortrack.analytics.early_warnings import mentor_table
    from mentortrack.analytics.enrich import enrich
    from mentortrack.analytics.health import health_scores, with_health
    from mentortrack.analytics.kpis import add_month
    from mentortrack.analytics.pairs import PAIRS_FILE, pair_status
    from mentortrack.analytics.summaries import mentor_digest
    from mentortrack.config import load_parameters
    from mentortrack.reports.exports import write_excel, write_pairs, write_powerbi
    from mentortrack.reports.mentor_pages import write_contents
    from mentortrack.reports.privacy import mask_pii, neutralize_formulas
    from mentortrack.reports.storage import write_table

    loaded = loaded if loaded is not None else _load(data)
    sessions = add_month(loaded.sessions)
    if month != ALL_MONTHS and not (sessions["month"] == month).any():
        raise ReportError(f"{data}: no sessions in {month}; the data covers "
                          f"{sessions['month'].min()} to {sessions['month'].max()}.")
    if scheduler:
        from mentortrack.analytics.distributed import SchedulerError, cluster_client

        try:
            with cluster_client(scheduler) as client:
                enriched = enrich(sessions, client=client)
        except SchedulerError as err:
            raise ReportError(str(err)) from err
    else:
        enriched = enrich(sessions)
    write_table(mask_pii(enriched, show_pii), folder / "enriched.parquet")
    neutralize_formulas(mask_pii(loaded.quarantine, show_pii)).to_csv(folder / "quarantine.csv", index=False)
    neutralize_formulas(loaded.warnings).to_csv(folder / "data_quality_warnings.csv", index=False)
    counts = {**loaded.counts, "last_session": f"{sessions['session_date'].max():%Y-%m-%d}"}
    (folder / "load.json").write_text(json.dumps(counts, indent=2), encoding="utf-8")

    scope = enriched if month == ALL_MONTHS else enriched[enriched["month"] == month]
    ctx = ReportContext(history=enriched, scope=scope, month=month, data_label=str(data), output_dir=folder)
    warning_params = load_parameters("warnings")
    health = health_scores(enriched, warning_params)
    mentors = with_health(mentor_table(ctx.window(warning_params["mentors"]["window_months"]), warning_params),
                          health, month)
    write_contents(folder, scope)
    exports = folder / "exports"
    write_excel(scope, mentors, ctx.kpi_table(), exports / f"mentortrack_{month}.xlsx", show_pii, health,
                warning_params["health"]["threshold"])
    write_powerbi(scope, mentors, exports / "powerbi", show_pii, health)
    pairs = pair_status(enriched, ctx.last_day)
    write_table(pairs, folder / PAIRS_FILE)
    write_pairs(pairs, exports / f"mentortrack_{month}.xlsx", exports / "powerbi")
    _summaries_csv(scope, show_pii).to_csv(exports / "session_summaries.csv", index=False)
    neutralize_formulas(mentor_digest(scope, month)).to_csv(exports / "mentor_digests.csv", index=False)
    return counts


def _summaries_csv(scope: pd.DataFrame, show_pii: bool) -> pd.DataFrame:
    from mentortrack.reports.privacy import mask_pii, neutralize_formulas

    columns = ["session_id", "session_date", "mentor_name", "learner_id", "learner_name", "session_type",
               "session_status", "level", "reasons", "summary"]
    table = scope[columns].assign(session_date=scope["session_date"].dt.strftime("%Y-%m-%d"))
    return neutralize_formulas(mask_pii(table, show_pii))


def _ipc_kernel_manager(socket_dir: str) -> type:
    """A kernel manager that talks to its kernel over IPC sockets in ``socket_dir`` instead of unencrypted TCP."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return str(Path(socket_dir) / "kernel")

    return IPCKernelManager


def _chrome(page_title: str, generated: str, data_through: str, data_label: str) -> str:
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    return env.get_template("page_chrome.html.j2").render(title=page_title, generated=generated,
                                                          data_through=data_through, data_label=data_label)


def resolve_kernel(name: str) -> str:
    """``name`` if that Jupyter kernel is installed, else ``python3``: the interpreter running the suite
    (a pip-installed suite has no ``mentortrack`` kernel until ``python -m ipykernel install``)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        log.info("Jupyter kernel %r is not installed; running the notebooks on python3 (%s)", name, sys.executable)
        return "python3"
    return name


def _execute(name: str, folder: Path, month: str, data_label: str, show_pii: bool, kernel: str,
             page_title: str = "", data_through: str = "") -> Path:
    """Step 2 and 3 for one notebook: papermill, then nbconvert to HTML without code.

    The page is titled with the report and month, and starts with a line linking back to
    the index with the generation time and the date of the last session in the data.
    """
    import nbformat
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from nbconvert import HTMLExporter

    source = notebook_path(name)
    executed = folder / "notebooks" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"enriched_path": str(folder / "enriched.parquet"), "load_report_path": str(folder / "load.json"),
                  "month": month, "output_dir": str(folder), "data_label": data_label, "show_pii": show_pii,
                  "parameters_dir": str(user_parameters_dir() or "")}
    try:
        with tempfile.TemporaryDirectory(prefix="mentortrack-kernel-") as sockets:
            # no ``cwd``: papermill would chdir the whole process, and notebooks run in parallel threads
            pm.execute_notebook(str(source), str(executed), parameters=parameters, kernel_name=kernel,
                                progress_bar=False, kernel_manager_class=_ipc_kernel_manager(sockets))
    except pm.PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[0][:80] if (err.source or "").strip() else ""
        raise ReportError(f"notebook {name}.ipynb failed in cell In [{err.exec_count}] ({first_line}): "
                          f"{err.ename}: {err.evalue}") from err
    except NoSuchKernel as err:
        raise ReportError(f"Jupyter kernel {kernel!r} is not installed; run `make setup`.") from err
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["title"] = page_title or name
    body, _ = exporter.from_notebook_node(notebook)
    chrome = _chrome(page_title or name, time.strftime("%Y-%m-%d %H:%M"), data_through, data_label)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + chrome, body, count=1)
    body = EXTERNAL_SCRIPT.sub("", body)
    html_path = folder / f"{name}.html"
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _index(folder: Path, month: str, settings: dict[str, Any], counts: dict[str, Any], data_label: str) -> Path:
    from mentortrack.reports.mentor_pages import page_links

    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "exports").rglob("*") if p.is_file())
    files += ["quarantine.csv", "data_quality_warnings.csv", "enriched.parquet"]
    page = env.get_template("index.html.j2").render(
        title=settings["title"], month=month, notebooks=settings["notebooks"], files=files, counts=counts,
        data_label=data_label, generated=time.strftime("%Y-%m-%d %H:%M"), mentor_pages=page_links(folder))
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


DISK_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM}
"""Write errors that mean "this folder cannot take the report", not a bug."""


def disk_problem(err: OSError, root: Path, final: Path) -> str:
    """One line naming the folder that could not be written and why."""
    where = Path(err.filename).parent if err.filename else root
    unchanged = f"{final} is unchanged" if final.exists() else "nothing was written"
    return f"cannot write to {where}: {err.strerror or err} ({unchanged}; free space or choose another --out)"


EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)
"""nbconvert's page template loads require.js and MathJax from a CDN; the reports need neither, and a
page people forward should not fetch third-party code, so those tags are removed."""

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_NAME = "dashboard.pdf"


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


def _readable_like_other_files(folder: Path) -> None:
    """Give the report folder the permissions the user's umask gives any new folder (``mkdtemp`` makes it
    owner-only), so a colleague or a web server on a shared machine can read the reports."""
    mask = os.umask(0)
    os.umask(mask)
    folder.chmod(0o777 & ~mask)


def check_month(month: str) -> str:
    """``month`` if it is ``YYYY-MM`` (a real month) or ``all``.

    Raises:
        ReportError: it is neither (checked before anything is loaded or written).
    """
    if month == ALL_MONTHS:
        return month
    if not re.fullmatch(r"\d{4}-\d{2}", month) or not 1 <= int(month[5:]) <= 12:
        raise ReportError(f"--month {month!r} is not a month; use YYYY-MM (e.g. 2025-09) or 'all'.")
    return month


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(root: Path) -> list[Path]:
    """Remove the hidden work folders of report runs that were killed (their process is gone).

    A work folder names its owner in ``.owner`` (host and process id); one without
    that file is removed once it is a day old.
    """
    removed = []
    for folder in root.glob(".*.*"):
        if not folder.is_dir():
            continue
        owner = folder / OWNER_FILE
        try:
            host, pid = owner.read_text(encoding="utf-8").split()[:2]
            dead = host == socket.gethostname() and not _alive(int(pid))
        except (OSError, ValueError):
            dead = time.time() - folder.stat().st_mtime > LEFTOVER_AGE
        if dead:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        log.warning("removed %d work folder(s) left by killed report runs: %s", len(removed),
                    ", ".join(p.name for p in removed))
    return removed


def build_report(data: str | Path | None = None, month: str | None = None, out_root: str | Path | None = None,
                 show_pii: bool = False, force: bool = False, workers: int | None = None,
                 progress: Callable[[str, float], None] | None = None, pdf: bool = False,
                 scheduler: str | None = None) -> ReportRun:
    """Build ``<out_root>/<month>/`` (see the module docstring); returns where it is.

    Runs of the same month and output folder take turns (a file lock, released when
    a process dies); a run that waited finds the report up to date and returns.
    ``progress(step, seconds since start)`` is called as each step finishes. With ``pdf``
    the dashboard is also printed to ``dashboard.pdf`` (needs Chromium). With ``scheduler``
    the NLP runs on a Dask cluster (:mod:`mentortrack.analytics.distributed`).
    """
    from filelock import FileLock

    start = time.perf_counter()
    if month is not None:
        check_month(month)
    if pdf:
        chromium()
    data_path = Path(data) if data else default_sample_path()
    if not data_path.is_file():
        raise ReportError(f"{data_path}: no such file." if not data_path.exists() else f"{data_path}: is not a file.")
    loaded, note = None, ""
    if month is None:
        loaded = _load(data_path)
        if loaded.sessions.empty:
            raise ReportError(f"{data_path}: no usable session rows.")
        month, note = latest_complete_month(loaded.sessions["session_date"])
        if progress:
            progress(note, time.perf_counter() - start)
    root = Path(out_root) if out_root else outputs_dir()
    root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(root / f".{month}.lock")):
        remove_leftovers(root)
        run = _build_locked(data_path, "bundled sample" if not data else data_path.name, month, root, show_pii,
                            force, workers, start, progress, loaded, scheduler)
        run = ReportRun(run.folder, run.rebuilt, run.seconds, note)
        if pdf and (run.rebuilt or not (run.folder / PDF_NAME).exists()):
            print_pdf(run.folder / "07_dashboard.html", run.folder / PDF_NAME)
            if progress:
                progress(PDF_NAME, time.perf_counter() - start)
        return run


def _build_locked(data_path: Path, data_label: str, month: str, root: Path, show_pii: bool, force: bool,
                  workers: int | None, start: float, progress: Callable[[str, float], None] | None,
                  loaded: Any = None, scheduler: str | None = None) -> ReportRun:
    final = root / month
    settings = report_settings()
    stamp = fingerprint(data_path, month, show_pii)
    if not force and (final / FINGERPRINT_FILE).exists() and (final / FINGERPRINT_FILE).read_text() == stamp:
        log.info("%s is up to date", final)
        return ReportRun(final, False, time.perf_counter() - start)

    work = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f".{month}.", dir=root))
        (work / OWNER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    except OSError as err:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        raise ReportError(disk_problem(err, root, final)) from err
    try:
        counts = prepare(data_path, month, work, show_pii, loaded, scheduler)
        if progress:
            progress(f"loaded and analysed {data_label}: {counts['valid']:,} sessions", time.perf_counter() - start)
    except BaseException as err:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(err, OSError) and err.errno in DISK_ERRORS:
            raise ReportError(disk_problem(err, root, final)) from err
        raise
    from mentortrack.reports.mentor_pages import write_mentor_pages

    try:
        period = month if month == ALL_MONTHS else pd.Period(month, freq="M").strftime("%B %Y")
        data_through = json.loads((work / "load.json").read_text(encoding="utf-8")).get("last_session", "")
        with ThreadPoolExecutor(max_workers=workers or int(settings["workers"])) as pool:
            kernel = resolve_kernel(settings["kernel"])
            futures = {pool.submit(write_mentor_pages, work, month, data_label): "mentors/ (a page per mentor)"}
            futures.update({pool.submit(_execute, nb["name"], work, month, data_label, show_pii, kernel,
                                        f"{nb['title']} — {period}", data_through): f"{nb['name']}.html"
                            for nb in settings["notebooks"]})
            for future in as_completed(futures):
                future.result()
                if progress:
                    progress(futures[future], time.perf_counter() - start)
        _index(work, month, settings, counts, data_label)
        (work / FINGERPRINT_FILE).write_text(stamp)
        (work / OWNER_FILE).unlink()
        _readable_like_other_files(work)
    except BaseException as err:
        if isinstance(err, OSError) and err.errno in DISK_ERRORS:
            shutil.rmtree(work, ignore_errors=True)
            raise ReportError(disk_problem(err, root, final)) from err
        failed = root / f"{month}.failed"
        shutil.rmtree(failed, ignore_errors=True)
        work.rename(failed)
        if isinstance(err, ReportError):
            raise ReportError(f"{err} (this run is kept in {failed}; {final} is unchanged)") from err
        raise
    old = root / f".{month}.old"
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    work.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(root / f"{month}.failed", ignore_errors=True)
    return ReportRun(final, True, time.perf_counter() - start)

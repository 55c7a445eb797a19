"""``make report``: export -> enriched table -> notebooks (papermill, in parallel) -> HTML (nbconvert).

Steps, all into a temporary folder beside ``outputs/<MONTH>/``:

1. load the export and run all NLP once (:func:`mentortrack.enrich.enrich`),
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

import hashlib
import json
import logging
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.context import ALL_MONTHS, ReportContext, report_settings
from mentortrack.paths import default_sample_path, notebooks_dir, outputs_dir, parameters_dir

log = logging.getLogger(__name__)

FINGERPRINT_FILE = "fingerprint.txt"


class ReportError(RuntimeError):
    """A report run failed; the message names the step (and notebook and cell)."""


@dataclass(frozen=True)
class ReportRun:
    """Where a finished report is and whether it was rebuilt."""

    folder: Path
    rebuilt: bool
    seconds: float


def fingerprint(data: Path, month: str, show_pii: bool) -> str:
    """SHA-256 over everything a report depends on."""
    digest = hashlib.sha256(f"{month}|{show_pii}|{data.resolve()}".encode())
    package = Path(__file__).parent
    sources = [data, *sorted(parameters_dir().glob("*.yaml")), *sorted(notebooks_dir().glob("*.ipynb")),
               *sorted(package.glob("*.py")), *sorted(package.glob("templates/*"))]
    for path in sources:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare(data: Path, month: str, folder: Path, show_pii: bool) -> dict[str, Any]:
    """Step 1: load, enrich, and write the tables and exports the notebooks and readers use.

    The Excel and Power BI exports hold the month's sessions, its KPIs with deltas, and
    the mentor ranking over the same window the reports use (``mentors.window_months``).
    """
    from mentortrack.config import load_parameters
    from mentortrack.early_warnings import mentor_table
    from mentortrack.enrich import enrich
    from mentortrack.exports import write_excel, write_powerbi
    from mentortrack.kpis import add_month
    from mentortrack.load import LoadError, load_sessions
    from mentortrack.privacy import mask_pii, neutralize_formulas
    from mentortrack.storage import write_table
    from mentortrack.summaries import mentor_digest

    try:
        loaded = load_sessions(data)
    except LoadError as err:
        raise ReportError(str(err)) from err
    sessions = add_month(loaded.sessions)
    if month != ALL_MONTHS and not (sessions["month"] == month).any():
        raise ReportError(f"{data}: no sessions in {month}; the data covers "
                          f"{sessions['month'].min()} to {sessions['month'].max()}.")
    enriched = enrich(sessions)
    write_table(mask_pii(enriched, show_pii), folder / "enriched.parquet")
    neutralize_formulas(mask_pii(loaded.quarantine, show_pii)).to_csv(folder / "quarantine.csv", index=False)
    neutralize_formulas(loaded.warnings).to_csv(folder / "data_quality_warnings.csv", index=False)
    (folder / "load.json").write_text(json.dumps(loaded.counts, indent=2), encoding="utf-8")

    scope = enriched if month == ALL_MONTHS else enriched[enriched["month"] == month]
    ctx = ReportContext(history=enriched, scope=scope, month=month, data_label=str(data), output_dir=folder)
    warning_params = load_parameters("warnings")
    mentors = mentor_table(ctx.window(warning_params["mentors"]["window_months"]), warning_params)
    exports = folder / "exports"
    write_excel(scope, mentors, ctx.kpi_table(), exports / f"mentortrack_{month}.xlsx", show_pii)
    write_powerbi(scope, mentors, exports / "powerbi", show_pii)
    _summaries_csv(scope, show_pii).to_csv(exports / "session_summaries.csv", index=False)
    neutralize_formulas(mentor_digest(scope, month)).to_csv(exports / "mentor_digests.csv", index=False)
    return loaded.counts


def _summaries_csv(scope: pd.DataFrame, show_pii: bool) -> pd.DataFrame:
    from mentortrack.privacy import mask_pii, neutralize_formulas

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


def _execute(name: str, folder: Path, month: str, data_label: str, show_pii: bool, kernel: str) -> Path:
    """Step 2 and 3 for one notebook: papermill, then nbconvert to HTML without code."""
    import nbformat
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from nbconvert import HTMLExporter

    source = notebooks_dir() / f"{name}.ipynb"
    executed = folder / "notebooks" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"enriched_path": str(folder / "enriched.parquet"), "load_report_path": str(folder / "load.json"),
                  "month": month, "output_dir": str(folder), "data_label": data_label, "show_pii": show_pii,
                  "parameters_dir": str(parameters_dir())}
    try:
        with tempfile.TemporaryDirectory(prefix="mentortrack-kernel-") as sockets:
            pm.execute_notebook(str(source), str(executed), parameters=parameters, kernel_name=kernel,
                                progress_bar=False, cwd=str(folder), kernel_manager_class=_ipc_kernel_manager(sockets))
    except pm.PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[0][:80] if (err.source or "").strip() else ""
        raise ReportError(f"notebook {name}.ipynb failed in cell In [{err.exec_count}] ({first_line}): "
                          f"{err.ename}: {err.evalue}") from err
    except NoSuchKernel as err:
        raise ReportError(f"Jupyter kernel {kernel!r} is not installed; run `make setup`.") from err
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html_path = folder / f"{name}.html"
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _index(folder: Path, month: str, settings: dict[str, Any], counts: dict[str, Any], data_label: str) -> Path:
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    files = sorted(p.relative_to(folder).as_posix() for p in (folder / "exports").rglob("*") if p.is_file())
    files += ["quarantine.csv", "data_quality_warnings.csv", "enriched.parquet"]
    page = env.get_template("index.html.j2").render(
        title=settings["title"], month=month, notebooks=settings["notebooks"], files=files, counts=counts,
        data_label=data_label, generated=time.strftime("%Y-%m-%d %H:%M"))
    path = folder / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def build_report(data: str | Path | None = None, month: str = "2025-09", out_root: str | Path | None = None,
                 show_pii: bool = False, force: bool = False, workers: int | None = None) -> ReportRun:
    """Build ``<out_root>/<month>/`` (see the module docstring); returns where it is."""
    start = time.perf_counter()
    data_path = Path(data) if data else default_sample_path()
    data_label = "bundled sample" if not data else data_path.name
    root = Path(out_root) if out_root else outputs_dir()
    final = root / month
    settings = report_settings()
    stamp = fingerprint(data_path, month, show_pii) if data_path.exists() else ""
    if not force and stamp and (final / FINGERPRINT_FILE).exists() and (final / FINGERPRINT_FILE).read_text() == stamp:
        log.info("%s is up to date", final)
        return ReportRun(final, False, time.perf_counter() - start)

    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{month}.", dir=root))
    try:
        counts = prepare(data_path, month, work, show_pii)
        names = [n["name"] for n in settings["notebooks"]]
        with ThreadPoolExecutor(max_workers=workers or int(settings["workers"])) as pool:
            futures = [pool.submit(_execute, name, work, month, data_label, show_pii, settings["kernel"])
                       for name in names]
            for future in futures:
                future.result()
        _index(work, month, settings, counts, data_label)
        (work / FINGERPRINT_FILE).write_text(stamp)
    except BaseException as err:
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

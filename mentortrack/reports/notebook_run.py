"""Steps 2 and 3 of a report run for one notebook: papermill in its own kernel, then nbconvert to HTML.

Kernels talk over IPC sockets in a private temporary folder (not unencrypted TCP); the page
gets the suite's banner (title, generation time, data through, partial month) and loses
nbconvert's CDN scripts.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import time
from pathlib import Path

import jinja2

from mentortrack.errors import ReportError
from mentortrack.paths import notebook_path

log = logging.getLogger(__name__)

EXTERNAL_SCRIPT = re.compile(r"<script[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)
"""nbconvert's page template loads require.js and MathJax from a CDN; the reports need neither, and a
page people forward should not fetch third-party code, so those tags are removed."""


def _ipc_kernel_manager(socket_dir: str) -> type:
    """A kernel manager that talks to its kernel over IPC sockets in ``socket_dir`` instead of unencrypted TCP,
    and shuts a kernel down without first interrupting it: jupyter_client sends SIGINT before every shutdown,
    and a kernel that is handling a message then logs "KeyboardInterrupt caught in kernel" on the run's
    terminal after a notebook that succeeded. A kernel that does not stop on the shutdown request is still
    killed (``finish_shutdown``); an interrupt asked for while the kernel runs (a cell's timeout) is sent."""
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return str(Path(socket_dir) / "kernel")

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return IPCKernelManager


def page_title(report: str, period: str) -> str:
    """The one title format of every page of a report: "<report> — <period>"."""
    return f"{report} — {period}"


def chrome(title: str, generated: str, data_through: str, data_label: str, partial: str = "") -> str:
    """The banner at the top of every notebook page (links back to the index)."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"), autoescape=True)
    return env.get_template("page_chrome.html.j2").render(title=title, generated=generated, data_through=data_through,
                                                          data_label=data_label, partial=partial)


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


def longest_first(names: list[str], previous: Path) -> list[str]:
    """``names`` in the order to start them on the workers: longest first, by the seconds each took in the
    report in ``previous`` (papermill writes them into the executed notebook); names that report did not
    run (or a first run) come first, in their given order. Longest first keeps the last notebook to start
    from finishing long after the others."""
    def seconds(name: str) -> float:
        try:
            executed = json.loads((previous / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
            return float(executed["metadata"]["papermill"]["duration"])
        except (OSError, ValueError, KeyError, TypeError):
            return float("inf")

    durations = {name: seconds(name) for name in names}
    return sorted(names, key=lambda name: -durations[name])


def notebook_parameters(folder: Path, month: str, data_label: str, show_pii: bool,
                        parameters_dir: Path | None = None) -> dict[str, str | bool]:
    """The papermill parameters of a report notebook run on the report in ``folder`` (what
    :mod:`mentortrack.reports.products` keys the rendered sections by)."""
    return {"enriched_path": str(folder / "enriched.parquet"), "load_report_path": str(folder / "load.json"),
            "month": month, "output_dir": str(folder), "data_label": data_label, "show_pii": show_pii,
            "parameters_dir": str(parameters_dir or "")}


def execute(name: str, folder: Path, month: str, data_label: str, show_pii: bool, kernel: str,
            title: str = "", data_through: str = "", partial: str = "", parameters_dir: Path | None = None) -> Path:
    """Run notebook ``name`` on the report in ``folder`` and write ``folder/<name>.html``.

    The notebook gets :func:`notebook_parameters`; it displays the sections the report run rendered for them
    (:mod:`mentortrack.reports.products`), or renders them itself with the settings of ``parameters_dir`` (the
    folder the run's settings came from; empty: the project's ``parameters/`` or the shipped defaults).

    The page is titled ``title`` and starts with a line linking back to the index with the
    generation time, the date of the last session in the data and, for a partial month, ``partial``.
    """
    import nbformat
    import papermill as pm
    from jupyter_client.kernelspec import NoSuchKernel
    from nbconvert import HTMLExporter

    source = notebook_path(name)
    executed = folder / "notebooks" / f"{name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    parameters = notebook_parameters(folder, month, data_label, show_pii, parameters_dir)
    try:
        with tempfile.TemporaryDirectory(prefix="mentortrack-kernel-") as sockets:
            # no ``cwd``: papermill would chdir the whole process, and notebooks run in parallel threads
            # written once when done (or failed), not after every cell: a page's outputs are large
            pm.execute_notebook(str(source), str(executed), parameters=parameters, kernel_name=kernel,
                                progress_bar=False, request_save_on_cell_execute=False,
                                kernel_manager_class=_ipc_kernel_manager(sockets))
    except pm.PapermillExecutionError as err:
        first_line = (err.source or "").strip().splitlines()[0][:80] if (err.source or "").strip() else ""
        raise ReportError(f"notebook {name}.ipynb failed in cell In [{err.exec_count}] ({first_line}): "
                          f"{err.ename}: {err.evalue}") from err
    except NoSuchKernel as err:
        raise ReportError(f"Jupyter kernel {kernel!r} is not installed; run `make setup`.") from err
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["title"] = title or name
    body, _ = exporter.from_notebook_node(notebook)
    banner = chrome(title or name, time.strftime("%Y-%m-%d %H:%M"), data_through, data_label, partial)
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + banner, body, count=1)
    body = EXTERNAL_SCRIPT.sub("", body)
    html_path = folder / f"{name}.html"
    html_path.write_text(body, encoding="utf-8")
    return html_path

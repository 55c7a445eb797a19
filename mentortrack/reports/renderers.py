"""The processes that render a report's pages beside its notebook kernels (step 2 of a report run).

After step 1 the run's process holds everything the pages need: pandas, matplotlib, the enriched
table and the shared tables (:class:`mentortrack.reports.prepare.Prepared`). :class:`Renderers` forks
that process into ``processes`` workers (where the platform can fork), so each starts with all of it
and imports nothing: they render the notebooks' sections
(:func:`mentortrack.reports.pages.render_products`), the mentor pages and the exports while the parent
runs the kernels that display them. Without ``fork`` (or with one process) the same work runs in one
thread of the parent.

Workers only read the tables; every file they write goes into the run's work folder.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

from mentortrack.reports.prepare import Prepared

_PREPARED: Prepared | None = None
"""The run the forked workers render (set before they are forked; they inherit it)."""


def _prepared() -> Prepared:
    if _PREPARED is None:
        raise RuntimeError("no report run to render: use Renderers")
    return _PREPARED


def _sections(name: str, parameters: dict[str, Any]) -> Path:
    from mentortrack.reports.pages import render_products

    return render_products(name, _prepared().ctx, parameters)


def _mentor_pages(folder: Path, mentors: list[str]) -> Path:
    from mentortrack.reports.mentor_pages import PAGES_DIR, write_mentor_pages

    prepared = _prepared()
    write_mentor_pages(folder, prepared.ctx, prepared.tables, mentors)
    return folder / PAGES_DIR


def _exports(folder: Path) -> Path:
    from mentortrack.reports.prepare import write_exports

    return write_exports(_prepared(), folder)


class Renderers:
    """Workers forked from this process after step 1 (see the module docstring); use as a context manager,
    before any other thread of the run starts (a fork copies only the forking thread)."""

    def __init__(self, prepared: Prepared, processes: int) -> None:
        self._prepared = prepared
        self._processes = processes
        self._pool: Any = None
        self._thread: ThreadPoolExecutor | None = None

    def __enter__(self) -> Renderers:
        global _PREPARED
        _PREPARED = self._prepared
        if self._processes > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(self._processes)
        else:
            self._thread = ThreadPoolExecutor(max_workers=1)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        global _PREPARED
        if self._pool is not None:
            if kind is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=kind is not None)
        _PREPARED = None

    def _submit(self, task: Any, *args: Any) -> Future[Path]:
        if self._thread is not None:
            return self._thread.submit(task, *args)
        future: Future[Path] = Future()
        self._pool.apply_async(task, args, callback=future.set_result, error_callback=future.set_exception)
        return future

    def sections(self, name: str, parameters: dict[str, Any]) -> Future[Path]:
        """Render notebook ``name``'s sections for its papermill ``parameters``; the future gives the products file."""
        return self._submit(_sections, name, parameters)

    def mentor_pages(self, folder: Path, mentors: list[str]) -> Future[Path]:
        """Write the pages of ``mentors`` into ``folder`` (:func:`mentortrack.reports.mentor_pages.write_mentor_pages`);
        the future gives the pages' folder."""
        return self._submit(_mentor_pages, folder, mentors)

    def exports(self, folder: Path) -> Future[Path]:
        """Write the exports into ``folder`` (:func:`mentortrack.reports.prepare.write_exports`)."""
        return self._submit(_exports, folder)

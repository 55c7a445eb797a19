"""The sections every report notebook shows, rendered in the report run's process (one module per notebook).

Each module has a ``TITLE`` (the page's heading) and ``build(out, ctx, load_report_path)``, the body of
the notebook it renders: it reads the run's context and shared tables
(:class:`mentortrack.reports.context.ReportContext`), adds Markdown, HTML, tables and charts to
``out`` (a :class:`Sections`) section by section, and records the key values
(:func:`mentortrack.reports.context.record`). :func:`render` runs one of them; the report run writes
what it rendered to ``products/<notebook>.json`` (:mod:`mentortrack.reports.products`) and the
notebook's kernel only displays it. :func:`render_alone` is the same for a notebook opened by hand.

Nothing here computes a shared table: the pages read ``ctx.tables``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from mentortrack.reports.products import Bundle, write_products

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from pandas.io.formats.style import Styler

    from mentortrack.reports.context import ReportContext


class Sections:
    """The outputs of one page, by section, in the order they are added."""

    def __init__(self) -> None:
        self.sections: dict[str, list[Bundle]] = {}
        self._current: list[Bundle] = self.sections.setdefault("heading", [])

    def section(self, name: str) -> None:
        """Add what follows to section ``name`` (the notebook shows it with ``page.show(name)``)."""
        self._current = self.sections.setdefault(name, [])

    def markdown(self, text: str) -> None:
        """A Markdown output (as ``IPython.display.Markdown`` shows it)."""
        self._current.append({"text/markdown": text, "text/plain": "<IPython.core.display.Markdown object>"})

    def html(self, text: str) -> None:
        """An HTML output (as ``IPython.display.HTML`` shows it)."""
        self._current.append({"text/html": text, "text/plain": "<IPython.core.display.HTML object>"})

    def table(self, styler: Styler) -> None:
        """A styled table, as the notebook displayed it (its HTML)."""
        self.html(styler.to_html())

    def chart(self, fig: Figure | str) -> None:
        """A chart, or the sentence a chart with nothing to compare gave instead
        (:func:`mentortrack.reports.charts.image_html`)."""
        from mentortrack.reports.charts import image_html

        self.html(image_html(fig))

    def charts(self, figures: list[Figure | str]) -> None:
        """Charts side by side (:func:`mentortrack.reports.charts.grid`)."""
        from mentortrack.reports.charts import grid

        self.html(grid(figures))


MODULES = {"01_data_quality": "data_quality", "02_descriptive": "descriptive", "03_sentiment": "sentiment",
           "04_keywords_summaries": "keywords_summaries", "05_kpis": "kpis", "06_early_warnings": "early_warnings",
           "07_dashboard": "dashboard"}
"""Notebook name -> the module of this package that renders it."""


def page_module(name: str) -> ModuleType:
    """The module rendering notebook ``name`` (its ``TITLE`` and ``build``)."""
    return importlib.import_module(f"{__name__}.{MODULES[name]}")


def renders(name: str) -> bool:
    """Whether notebook ``name`` is one whose sections this package renders."""
    return name in MODULES


def render(name: str, ctx: ReportContext, load_report_path: str = "") -> dict[str, list[Bundle]]:
    """Every section of notebook ``name`` on ``ctx`` (the data links of its charts and tables written to
    ``<output_dir>/data/``, its values to ``values/<name>.json``)."""
    from mentortrack.reports import charts, takeaway
    from mentortrack.reports.tables import new_page

    takeaway.use_folder(ctx.output_dir / "data", "data/")
    new_page()
    charts.use_theme()
    module = page_module(name)
    out = Sections()
    out.markdown(ctx.heading(module.TITLE))
    module.build(out, ctx, load_report_path)
    return out.sections


def render_products(name: str, ctx: ReportContext, parameters: dict[str, Any]) -> Path:
    """:func:`render` notebook ``name`` and write its sections for the notebook run with ``parameters``."""
    return write_products(ctx.output_dir, name, parameters, render(name, ctx, str(parameters["load_report_path"])))


def render_alone(name: str, parameters: dict[str, Any]) -> dict[str, list[Bundle]]:
    """:func:`render` for a notebook opened by hand: its settings loaded from ``parameters_dir`` (empty: the
    project's ``parameters/`` or the shipped defaults) and its context opened from ``enriched_path``."""
    from mentortrack.config import load_settings
    from mentortrack.reports.context import open_report

    settings = load_settings(str(parameters["parameters_dir"]) or None)
    ctx = open_report(parameters["enriched_path"], parameters["month"], parameters["output_dir"],
                      parameters["data_label"], bool(parameters["show_pii"]), settings)
    return render(name, ctx, str(parameters["load_report_path"]))

"""What a report notebook shows, rendered once by the report run and only displayed by the notebook's kernel.

The report run's process already holds the enriched table, the shared tables, pandas and
matplotlib; it renders every section of every notebook there
(:func:`mentortrack.reports.pages.render`: headings and sentences as Markdown, charts as
``<img>`` with an embedded SVG, tables as HTML) and writes them, per notebook, to
``<output_dir>/products/<notebook>.json``. The notebook's kernel opens that file
(:func:`open_page`) and displays its sections (:meth:`Page.show`) one cell at a time, so a
kernel imports nothing but this module (no pandas, no matplotlib, no settings model).

A notebook opened by hand (no products for its parameters) renders its sections itself, in
its own kernel, with the same functions.

This module imports only the standard library (and IPython's display, already loaded in a
kernel).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRODUCTS_DIR = "products"
Bundle = dict[str, str]
"""One display: MIME type -> content (``text/markdown``, ``text/html``, with a ``text/plain`` fallback)."""


def products_path(output_dir: str | Path, name: str) -> Path:
    """Where the rendered sections of notebook ``name`` are written in a report folder."""
    return Path(output_dir) / PRODUCTS_DIR / f"{name}.json"


def identity(parameters: dict[str, Any]) -> dict[str, Any]:
    """What products must have been rendered from to be shown for ``parameters`` (the notebook's papermill
    parameters): the parameters themselves and the size and modification time (ns) of the enriched table."""
    enriched = Path(str(parameters["enriched_path"]))
    stat = enriched.stat() if enriched.is_file() else None
    return {**{key: parameters[key] for key in sorted(parameters)},
            "enriched_bytes": stat.st_size if stat else None, "enriched_mtime_ns": stat.st_mtime_ns if stat else None}


def write_products(output_dir: str | Path, name: str, parameters: dict[str, Any],
                   sections: dict[str, list[Bundle]]) -> Path:
    """Write the ``sections`` rendered for notebook ``name`` with ``parameters``; returns the file."""
    path = products_path(output_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"identity": identity(parameters), "sections": sections}), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Page:
    """The rendered sections of one notebook, to display one by one."""

    name: str
    sections: dict[str, list[Bundle]]

    def show(self, section: str) -> None:
        """Display every output of ``section`` as it was rendered.

        Raises:
            KeyError: the page has no such section (a notebook naming a section its page does not render).
        """
        from IPython.display import display

        if section not in self.sections:
            raise KeyError(f"{self.name} has no section {section!r}; it has {', '.join(self.sections)}")
        for bundle in self.sections[section]:
            display(bundle, raw=True)


def open_page(name: str, **parameters: Any) -> Page:
    """The sections of notebook ``name`` for its papermill ``parameters`` (``enriched_path``, ``month``,
    ``output_dir``, ``data_label``, ``show_pii``, ``parameters_dir``, ``load_report_path``): those the report
    run rendered for exactly these parameters and this enriched table, or, without them, rendered here
    (:func:`mentortrack.reports.pages.render_alone`)."""
    path = products_path(str(parameters["output_dir"]), name)
    if path.is_file():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("identity") == json.loads(json.dumps(identity(parameters))):
            return Page(name, stored["sections"])
    from mentortrack.reports.pages import render_alone

    return Page(name, render_alone(name, parameters))

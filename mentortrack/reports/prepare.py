"""Step 1 of a report run: enrich the export, compute the shared tables once and write them; and the exports.

Everything later steps show comes from what :func:`prepare` writes into the work folder:
``enriched.parquet``, ``tables/`` (:mod:`mentortrack.reports.shared_tables`), the quarantine
and data-quality files and ``load.json`` (the row accounting notebook 01 shows).
:func:`write_exports` then writes, from the same tables and beside the notebooks (no page reads
them), the Excel workbook, the Power BI CSVs, session summaries and mentor digests. The Excel and
Power BI exports hold the month's sessions, its KPIs with deltas, and the mentor standing over the
same window the reports use (``mentors.window_months``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mentortrack.config import Settings
from mentortrack.errors import ReportError
from mentortrack.reports.context import ALL_MONTHS, ReportContext
from mentortrack.reports.shared_tables import SharedTables, compute_tables, write_tables

EXPORTED_STANDING = ["sessions", "completed", "warning_rate", "red_count", "red_rate", "avg_rating", "follow_up_rate",
                     "negative_feedback", "eligible", "rank", "health_score", "health_at_risk", "health_explanation",
                     "band", "unranked_reason"]
"""Columns of the standing the workbook and Power BI get (after ``ranking_window``, the window's name, and
``health_month``: the counts and rates are the ranking window's, the health the report month's)."""


@dataclass(frozen=True)
class Prepared:
    """What step 1 made, for the steps after it: the load counts, the report's context and shared tables,
    and whether learner names and e-mails are shown."""

    counts: dict[str, Any]
    ctx: ReportContext
    tables: SharedTables
    show_pii: bool


def prepare(loaded: Any, data_label: str, month: str, folder: Path, show_pii: bool, settings: Settings,
            scheduler: str | None = None) -> Prepared:
    """Enrich ``loaded`` (a :class:`mentortrack.contract.load.LoadResult`) with ``settings``, compute the shared
    tables and write what the pages read into ``folder``."""
    from mentortrack.analytics.enrich import enrich
    from mentortrack.analytics.kpis import add_month
    from mentortrack.contract.load import load_summary
    from mentortrack.reports.mentor_pages import write_contents
    from mentortrack.reports.privacy import mask_pii, neutralize_formulas
    from mentortrack.reports.storage import write_table

    if loaded.sessions.empty:
        raise ReportError(f"{loaded.source}: no usable session rows ({load_summary(loaded.counts)}; "
                          f"`mentortrack validate {loaded.source}` lists the rows and why).")
    sessions = add_month(loaded.sessions)
    if month != ALL_MONTHS and not (sessions["month"] == month).any():
        raise ReportError(f"{loaded.source}: no sessions in {month}; the data covers "
                          f"{sessions['month'].min()} to {sessions['month'].max()}.")
    enriched = _enrich(sessions, settings, scheduler) if scheduler else enrich(sessions, settings)
    history = mask_pii(enriched, show_pii)
    write_table(history, folder / "enriched.parquet")
    neutralize_formulas(mask_pii(loaded.quarantine, show_pii)).to_csv(folder / "quarantine.csv", index=False)
    neutralize_formulas(loaded.warnings).to_csv(folder / "data_quality_warnings.csv", index=False)
    counts = {**loaded.counts, "last_session": f"{sessions['session_date'].max():%Y-%m-%d}"}
    (folder / "load.json").write_text(json.dumps(counts, indent=2), encoding="utf-8")

    scope = history if month == ALL_MONTHS else history[history["month"] == month]
    ctx = ReportContext(history=history, scope=scope, month=month, data_label=data_label, output_dir=folder,
                        settings=settings, show_pii=show_pii)
    tables = compute_tables(ctx, settings)
    ctx.shared = tables
    write_tables(tables, folder)
    write_contents(folder, scope)
    return Prepared(counts, ctx, tables, show_pii)


def write_exports(prepared: Prepared, folder: Path) -> Path:
    """Write the run's exports into ``folder/exports/`` from its shared tables; returns that folder."""
    from mentortrack.reports.exports import write_excel, write_powerbi
    from mentortrack.reports.privacy import neutralize_formulas

    ctx, tables, show_pii = prepared.ctx, prepared.tables, prepared.show_pii
    warnings = ctx.settings.warnings
    exports = folder / "exports"
    standing = tables.standing[EXPORTED_STANDING]
    standing.insert(0, "health_month", ctx.month)
    standing.insert(0, "ranking_window", ctx.window_label(warnings.mentors.window_months))
    write_excel(ctx.scope, standing, tables.kpis, exports / f"mentortrack_{ctx.month}.xlsx", show_pii,
                tables.health, warnings.health.threshold, warnings.health.trend_months, tables.pairs, ctx.data_through)
    write_powerbi(ctx.scope, standing, exports / "powerbi", ctx.data_through, show_pii, tables.health, tables.pairs)
    _summaries_csv(ctx.scope, show_pii).to_csv(exports / "session_summaries.csv", index=False)
    neutralize_formulas(tables.digests).to_csv(exports / "mentor_digests.csv", index=False)
    return exports


def _enrich(sessions: pd.DataFrame, settings: Settings, scheduler: str) -> pd.DataFrame:
    from mentortrack.analytics.distributed import SchedulerError, cluster_client
    from mentortrack.analytics.enrich import enrich

    try:
        with cluster_client(scheduler) as client:
            return enrich(sessions, settings, client=client)
    except SchedulerError as err:
        raise ReportError(str(err)) from err


def _summaries_csv(scope: pd.DataFrame, show_pii: bool) -> pd.DataFrame:
    from mentortrack.reports.privacy import mask_pii, neutralize_formulas

    columns = ["session_id", "session_date", "mentor_name", "learner_id", "learner_name", "session_type",
               "session_status", "level", "reasons", "summary"]
    table = scope[columns].assign(session_date=scope["session_date"].dt.strftime("%Y-%m-%d"))
    return neutralize_formulas(mask_pii(table, show_pii))

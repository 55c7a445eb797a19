"""Notebook 01, data quality: the row accounting of the load, quarantined rows, warnings by kind, missing values."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.reports import charts, tables
from mentortrack.reports.context import load_quality, missing_share, record
from mentortrack.reports.escape import html_text

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "Data quality"


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``accounting``, ``quarantined``, ``warnings`` and ``missing``."""
    show_pii, scope = ctx.show_pii, ctx.scope
    has_load = bool(load_report_path) and Path(load_report_path).is_file()
    out.section("accounting")
    if has_load:
        counts, quarantine, quality_warnings = load_quality(load_report_path)
        skipped = counts.get("skipped", 0)
        out.markdown(
            f"**{counts['rows_read']:,}** rows read: **{counts['valid']:,}** used, **{counts['quarantined']:,}** "
            f"quarantined (listed below with row, column and reason), **{counts['duplicates']:,}** exact duplicates "
            f"dropped, **{skipped:,}** repeated header or totals rows skipped. Every row is accounted for: "
            f"{counts['valid']:,} + {counts['quarantined']:,} + {counts['duplicates']:,} + {skipped:,} = "
            f"{counts['valid'] + counts['quarantined'] + counts['duplicates'] + skipped:,}.")
        if counts["notes"]:  # notes quote the file (names, column headers): escaped, never Markdown
            out.html("<ul>" + "".join(f"<li>{html_text(note)}</li>" for note in counts["notes"]) + "</ul>")
    else:
        out.markdown("*The row accounting, quarantined rows and data-quality warnings come from the load that "
                     "`make report` records (`load.json`); set `load_report_path` to one, or run `make report`. "
                     "Missing values in the enriched table are below.*")
    out.section("quarantined")
    if has_load:
        view = quarantine[[c for c in ["source_row", "column", "reason", "Session_ID", "Session_Date", "Mentor_Name",
                                       "Session_Status"] if c in quarantine]]
        if len(view):
            out.html(tables.interactive(view, show_pii, f"{len(view):,} quarantined rows"))
        else:
            out.markdown("No row was quarantined.")
    out.section("warnings")
    by_kind = pd.Series(counts["warnings"] if has_load else {}, dtype="int64")
    if has_load and len(by_kind):
        out.chart(charts.counts_bar(by_kind, "Data-quality warnings by kind, whole export (every month)", "Rows"))
        named = quality_warnings.assign(kind=quality_warnings["kind"].map(tables.label)) \
            if "kind" in quality_warnings else quality_warnings
        shown, count = tables.first_rows(named, 30, "warnings")
        out.table(tables.styled(shown, show_pii, caption=f"{count} in the whole export (every month)"))
    elif has_load:
        out.markdown("No data-quality warnings.")
    out.section("missing")
    missing = missing_share(scope)
    out.chart(charts.kpi_by_group(missing, "missing_rate", "Empty values among sessions where the value can exist "
                                  "(rating and feedback: completed sessions)", base="n"))
    out.table(tables.styled(missing.rename(index=tables.label).reset_index(), show_pii, percent=["missing_rate"],
                            caption="Empty values per column: missing of n sessions where a value can exist"))
    record(ctx.output_dir, "01_data_quality", {
        **({k: counts[k] for k in ("rows_read", "valid", "quarantined", "duplicates", "warnings")} if has_load else {}),
        "sessions_in_scope": len(scope),
        "missing_feedback_share": float(missing["missing_rate"].get("learner_feedback", 0.0)),
        "missing_feedback_base": int(missing["n"].get("learner_feedback",
                                                      (scope["session_status"] == "Completed").sum()))})

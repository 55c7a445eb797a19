"""Notebook 05, KPIs: tiles with the change since the previous month, standard vs published definitions, and the
month's KPIs by program, batch, session type, age cohort and mentor with 95 % intervals."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.analytics.comparisons import MIN_VALUES
from mentortrack.analytics.kpis import CATEGORY_GROUPINGS, KPI_LABELS
from mentortrack.reports import charts, tables
from mentortrack.reports.context import record
from mentortrack.reports.escape import markdown_text
from mentortrack.wording import listed, plural, tenure, verb

if TYPE_CHECKING:
    from mentortrack.reports.context import ReportContext
    from mentortrack.reports.pages import Sections

TITLE = "KPIs"
"""Groupings the page compares the program by (the mentors get one chart)."""
CHARTED = [("program", "completion_rate", "Completion rate by program"),
           ("session_type", "avg_rating", "Average rating by session type"),
           ("age_cohort", "follow_up_rate", "Follow-up rate by age cohort"),
           ("program", "negative_feedback_rate", "Negative feedback by program")]
"""(grouping, KPI, title) of the interval charts, shown for groupings with more than one group."""


def build(out: Sections, ctx: ReportContext, load_report_path: str) -> None:
    """Sections ``tiles``, ``definitions`` and ``groups``."""
    show_pii, report = ctx.show_pii, ctx.settings.report
    kpi_table = ctx.tables.kpis
    out.section("tiles")
    out.html(tables.kpi_tiles(kpi_table, report.kpi_tiles, report.compare_min_sessions, ctx.partial_note))
    out.section("definitions")
    published = ctx.tables.kpis_published.set_index("kpi")["value"]
    side = kpi_table.set_index("kpi")[["value", "previous", "delta"]].join(published.rename("published"))
    side = side.loc[[k for k in KPI_LABELS if k in side.index]]
    shown = tables.kpi_comparison(side.rename(columns={"value": "standard"}))
    shown["Change"] = [tables.change_text(kpi_table, kpi, side.at[kpi, "delta"], report.compare_min_sessions,
                                          ctx.partial_note)[0] for kpi in side.index]
    out.table(tables.styled(shown, show_pii,
                            caption="Standard and published definitions, with the change since the previous month "
                                    "(said as on the tiles: none against a month too small or partial)"))
    out.section("groups")
    compared = {by: ctx.tables.compared[by] for by in CATEGORY_GROUPINGS}
    shown_groups = {**compared, "age_cohort": compared["age_cohort"].assign(
        age_cohort=compared["age_cohort"]["age_cohort"].map(tenure, na_action="ignore"))}
    groups = {by: table[by].nunique() for by, table in compared.items()}
    alone = [f"one {by.replace('_', ' ')} ({markdown_text(table[by].iloc[0])})" for by, table in shown_groups.items()
             if groups[by] == 1]
    if alone:
        out.markdown(f"{ctx.period} has {', '.join(alone)}: nothing to compare it with, its values are the program's.")
    out.charts([charts.kpi_intervals(shown_groups[by], kpi, title) for by, kpi, title in CHARTED if groups[by] > 1])
    supported = {by: table[table["verdict"].isin(["above", "below"])] for by, table in shown_groups.items()}
    called_out = pd.concat([table[table["verdict"].isin(["above", "below"])].rename(columns={by: "group"})
                            .assign(grouping=by) for by, table in compared.items()])
    if len(called_out):
        shown = pd.concat([tables.comparison_table(table).rename(columns={by: "group"})
                           .assign(grouping=by.replace("_", " ")) for by, table in supported.items()])
        out.table(tables.styled(shown[["grouping", "group", "kpi", "sessions", "n", "value", "interval", "overall",
                                       "verdict"]], show_pii, caption="Differences the intervals support"))
    else:
        out.markdown("No group differs from the program by more than chance at 95 %.")
    out.markdown("### Follow-up by mentor")
    out.chart(charts.kpi_intervals(ctx.tables.compared["mentor"], "follow_up_rate", "Follow-up rate by mentor"))
    groupings = [by for by in CATEGORY_GROUPINGS if groups[by] > 1]
    if groupings:
        out.markdown("### KPIs by " + listed([by.replace("_", " ") for by in groupings]))
    for by in groupings:
        _group_table(out, shown_groups[by], by, show_pii)
    intervals = pd.concat([t.rename(columns={by: "group"}).assign(grouping=by) for by, t in compared.items()])
    record(ctx.output_dir, "05_kpis", {
        "kpis": dict(zip(kpi_table["kpi"], kpi_table["value"])), "delta": dict(zip(kpi_table["kpi"], kpi_table["delta"])),
        "published": published.to_dict(), "called_out": called_out[["grouping", "group", "kpi", "verdict"]].to_dict("records"),
        "intervals": intervals[["grouping", "group", "kpi", "n", "value", "low", "high", "verdict"]].to_dict("records"),
        "partial": ctx.partial_note})


def _group_table(out: Sections, table: pd.DataFrame, by: str, show_pii: bool) -> None:
    """The KPIs of one grouping with their intervals, listing only values with :data:`MIN_VALUES` or more in
    their denominator (a batch of one or two sessions says nothing), and saying how many groups that leaves."""
    name = by.replace("_", " ")
    many = "batches" if by == "batch" else None
    usable = table[table["n"] >= MIN_VALUES]
    groups, kept = table[by].nunique(), usable[by].nunique()
    if usable.empty:
        out.markdown(f"KPIs by {name}: none of the {plural(groups, name, many)} has {MIN_VALUES} or more values "
                     f"for any KPI (at most {int(table['n'].max())}), so none is listed or compared.")
        return
    every = f"both {many or name + 's'}" if groups == 2 else f"all {plural(groups, name, many)}"
    which = (every if kept == groups else
             f"{kept:,} of {plural(groups, name, many)}; {groups - kept:,} with fewer than {MIN_VALUES} values for "
             f"every KPI {verb(groups - kept, 'is', 'are')} not listed")
    caption = f"KPIs by {name} with 95 % intervals: values with {MIN_VALUES} or more in their denominator, {which}"
    out.html(tables.interactive(tables.comparison_table(usable), show_pii, caption))

"""The tables every page of a report shares, computed once per run and written beside ``enriched.parquet``.

``make report`` computes them in step 1 (:func:`compute_tables`) and writes them to
``tables/`` in the report folder; notebooks, mentor pages and exports read them
(:func:`read_tables`, via :attr:`mentortrack.reports.context.ReportContext.tables`) and
never compute them again:

==============  ===========================================================================
table           what it is
==============  ===========================================================================
health          :func:`mentortrack.analytics.health.health_scores` of every mentor and month
standing        :func:`mentortrack.analytics.standing.mentor_standing` over the ranking window
trend           health by month (``health.trend_months`` months ending with the report month)
followups       :func:`mentortrack.analytics.open_followups.needing_followup` at the report's last day
compared        :func:`mentortrack.analytics.comparisons.compare` of the month by every grouping of
                :data:`~mentortrack.analytics.kpis.COMPARED_GROUPINGS` (one frame each)
pairs           :func:`mentortrack.analytics.pairs.pair_status` of every active mentor–learner pair at the
                report's last day
safeguarding    :func:`mentortrack.analytics.safeguarding.safeguarding_alerts` of every session in the data
                (the report's pages keep those of the sessions in scope,
                :attr:`mentortrack.reports.context.ReportContext.safeguarding`; the digest those of its
                period, :func:`mentortrack.analytics.safeguarding.in_window`)
kpis            the month's KPIs with the change since the previous month, standard definitions
                (:meth:`mentortrack.reports.context.ReportContext.kpi_table`: tiles, headline, exports)
kpis_published  the same with the published definitions (the KPIs page compares the two; no rows when
                the sessions have no published sentiment label, i.e. were not enriched)
learners        :func:`mentortrack.analytics.engagement.learner_engagement` of every learner at the
                report's last day (the dashboard's engagement)
digests         :func:`mentortrack.analytics.summaries.mentor_digest` of the month's sessions, one paragraph
                per mentor (``04_keywords_summaries`` and ``exports/mentor_digests.csv``)
==============  ===========================================================================

The analytics modules are imported inside :func:`compute_tables`: a notebook kernel that only reads
the tables does not pay for importing what computes them (SciPy, the safeguarding stemmer).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mentortrack.analytics.kpis import COMPARED_GROUPINGS
from mentortrack.reports.storage import write_table
from mentortrack.reports.tables import with_changes

if TYPE_CHECKING:
    from mentortrack.config import Settings
    from mentortrack.reports.context import ReportContext

TABLES_DIR = "tables"
"""The report folder's subfolder the shared tables are written to."""


@dataclass(frozen=True)
class SharedTables:
    """The shared tables of one report run (see the module docstring)."""

    health: pd.DataFrame
    standing: pd.DataFrame
    trend: pd.DataFrame
    followups: pd.DataFrame
    compared: dict[str, pd.DataFrame]
    pairs: pd.DataFrame
    safeguarding: pd.DataFrame
    kpis: pd.DataFrame
    kpis_published: pd.DataFrame
    learners: pd.DataFrame
    digests: pd.DataFrame


def compute_tables(ctx: ReportContext, settings: Settings) -> SharedTables:
    """Every shared table of the report of ``ctx`` (health once, standing once, comparisons once)."""
    from mentortrack.analytics import comparisons, engagement, health, open_followups, pairs, safeguarding, standing
    from mentortrack.analytics.summaries import mentor_digest

    warnings, followup_settings = settings.warnings, settings.lifecycle.followups
    months = warnings.mentors.window_months
    scores = health.health_scores(ctx.history, warnings.health)
    queue = open_followups.needing_followup(ctx.history, ctx.last_day, followup_settings)
    return SharedTables(
        health=scores,
        standing=standing.mentor_standing(ctx.window(months), scores, ctx.month, warnings, ctx.window_label(months)),
        trend=health.health_trend(scores, ctx.until(), warnings.health.trend_months),
        followups=queue,
        compared={by: comparisons.compare(ctx.scope, by) for by in COMPARED_GROUPINGS},
        pairs=pairs.pair_status(ctx.history, ctx.last_day, warnings.pairs, followup_settings, queue),
        safeguarding=safeguarding.safeguarding_alerts(ctx.history, settings.safeguarding),
        kpis=with_changes(ctx.kpi_table(), settings.report.compare_min_sessions, ctx.partial_note),
        kpis_published=ctx.kpi_table("published") if "sentiment_published" in ctx.history else
        pd.DataFrame({"kpi": pd.Series(dtype="string"), "value": pd.Series(dtype=float)}),
        learners=engagement.learner_engagement(ctx.history, ctx.last_day, warnings.engagement),
        digests=mentor_digest(ctx.scope, ctx.month, ctx.partial_note))


def write_tables(tables: SharedTables, folder: Path) -> Path:
    """Write ``tables`` as Parquet files into ``folder/tables/``; returns that folder."""
    out = folder / TABLES_DIR
    write_table(tables.health, out / "health.parquet")
    write_table(tables.standing.rename_axis("mentor_name").reset_index(), out / "standing.parquet")
    write_table(tables.trend.rename_axis("mentor_name").reset_index(), out / "trend.parquet")
    write_table(tables.followups, out / "followups.parquet")
    for by, table in tables.compared.items():
        write_table(table.astype({by: "string"}), out / f"compared_{by}.parquet")
    write_table(tables.pairs, out / "pairs.parquet")
    write_table(tables.safeguarding, out / "safeguarding.parquet")
    for name in ("kpis", "kpis_published", "learners", "digests"):
        write_table(getattr(tables, name), out / f"{name}.parquet")
    return out


def has_tables(folder: Path) -> bool:
    """Whether ``folder`` holds tables :func:`write_tables` wrote."""
    return (folder / TABLES_DIR / "standing.parquet").is_file()


def tables_built_from(folder: Path, data: Path, settings: Settings) -> SharedTables | None:
    """The shared tables of the finished report in ``folder`` when it was built from the file ``data`` as it
    is now with ``settings`` (its fingerprint matches, with or without learner names shown), else None."""
    from mentortrack.reports.fingerprint import file_digest, fingerprint, stored_fingerprint

    stored = stored_fingerprint(folder)
    if stored is None or not has_tables(folder) or not data.is_file():
        return None
    digest = file_digest(data)
    if stored not in {fingerprint(digest, data, folder.name, show_pii, settings) for show_pii in (False, True)}:
        return None
    return read_tables(folder)


def read_tables(folder: Path) -> SharedTables:
    """The tables :func:`write_tables` wrote into ``folder``."""
    out = folder / TABLES_DIR
    trend = pd.read_parquet(out / "trend.parquet").set_index("mentor_name")
    trend.columns.name = "month"
    return SharedTables(
        health=pd.read_parquet(out / "health.parquet"),
        standing=pd.read_parquet(out / "standing.parquet").set_index("mentor_name"),
        trend=trend, followups=pd.read_parquet(out / "followups.parquet"),
        compared={by: pd.read_parquet(out / f"compared_{by}.parquet") for by in COMPARED_GROUPINGS},
        pairs=pd.read_parquet(out / "pairs.parquet"), safeguarding=pd.read_parquet(out / "safeguarding.parquet"),
        **{name: pd.read_parquet(out / f"{name}.parquet") for name in ("kpis", "kpis_published", "learners",
                                                                         "digests")})

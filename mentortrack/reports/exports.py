"""Excel workbook and Power BI CSVs of the enriched session table.

Both are safe to forward: learner PII is masked unless asked for, and every text
cell that a spreadsheet would run as a formula (``= + - @``) is neutralised.

Power BI shape: ``fact_sessions.csv`` (one row per session, ISO dates, a
``mentor_key`` foreign key), ``dim_mentor.csv`` (one row per mentor with its
warning summary and health score) and ``fact_mentor_health.csv`` (one row per
mentor and month: score, at-risk flag, components). The workbook has a Sessions
sheet with the level as cell fill, a Mentors sheet, a Mentor health sheet (score
fills by band) and a KPIs sheet; headers are frozen, filters on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mentortrack.analytics.early_warnings import LEVEL_COLOURS
from mentortrack.analytics.kpis import KPI_LABELS
from mentortrack.reports.privacy import mask_pii, neutralize_formulas
from mentortrack.reports.tables import LEVEL_FILLS

FACT_COLUMNS = ["session_id", "session_date", "session_time", "month", "program", "batch", "learner_id",
                "learner_name", "learner_email", "age_cohort", "mentor_key", "mentor_name", "session_type",
                "scheduled_duration_mins", "actual_duration_mins", "session_status", "mentor_prep_done",
                "learner_attended", "post_session_rating", "action_items_documented", "follow_up_scheduled",
                "issue_flag", "learner_feedback", "textblob_polarity", "sentiment_published", "sentiment",
                "keywords", "level", "reasons", "summary"]


def mentor_keys(*names: pd.Series | pd.Index) -> dict[str, int]:
    """Integer key per mentor name over all given names (alphabetical order, starting at 1)."""
    every = sorted({str(n) for series in names for n in series if pd.notna(n)})
    return {name: i for i, name in enumerate(every, start=1)}


def fact_table(enriched: pd.DataFrame, keys: dict[str, int], show_pii: bool | None = None) -> pd.DataFrame:
    """The tidy session fact table with ``mentor_key`` (masked and formula-safe)."""
    frame = enriched.assign(mentor_key=enriched["mentor_name"].map(keys).astype("Int64"),
                            session_date=enriched["session_date"].dt.strftime("%Y-%m-%d"))
    frame = frame[[c for c in FACT_COLUMNS if c in frame]]
    return neutralize_formulas(mask_pii(frame, show_pii))


def mentor_dimension(mentors: pd.DataFrame, keys: dict[str, int]) -> pd.DataFrame:
    """One row per mentor: key, name, and the :func:`mentortrack.analytics.early_warnings.mentor_table` columns."""
    dim = mentors.rename_axis("mentor_name").reset_index()
    dim.insert(0, "mentor_key", dim["mentor_name"].map(keys).astype("Int64"))
    return neutralize_formulas(dim.sort_values("mentor_key"))


def health_fact(health: pd.DataFrame, keys: dict[str, int]) -> pd.DataFrame:
    """One row per mentor and month with ``mentor_key``, score, at-risk flag, explanation and raw components."""
    table = health.assign(mentor_key=health["mentor_name"].map(keys).astype("Int64"))
    return neutralize_formulas(table[["mentor_key", *[c for c in health.columns]]])


def write_powerbi(enriched: pd.DataFrame, mentors: pd.DataFrame, folder: str | Path,
                  show_pii: bool | None = None, health: pd.DataFrame | None = None) -> list[Path]:
    """Write ``fact_sessions.csv``, ``dim_mentor.csv`` and, with ``health``, ``fact_mentor_health.csv``
    (UTF-8 with BOM so Excel reads accents)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = [enriched["mentor_name"], mentors.index] + ([health["mentor_name"]] if health is not None else [])
    keys = mentor_keys(*names)
    fact, dim = folder / "fact_sessions.csv", folder / "dim_mentor.csv"
    fact_table(enriched, keys, show_pii).to_csv(fact, index=False, encoding="utf-8-sig")
    mentor_dimension(mentors, keys).to_csv(dim, index=False, encoding="utf-8-sig")
    if health is None:
        return [fact, dim]
    scores = folder / "fact_mentor_health.csv"
    health_fact(health, keys).to_csv(scores, index=False, encoding="utf-8-sig")
    return [fact, dim, scores]


def _width(series: pd.Series, header: str) -> int:
    longest = series.astype("string").str.len().quantile(0.9) if len(series) else 0
    return int(min(60, max(len(header) + 2, (0 if pd.isna(longest) else longest) + 2)))


def write_excel(enriched: pd.DataFrame, mentors: pd.DataFrame, kpis: pd.DataFrame, path: str | Path,
                show_pii: bool | None = None, health: pd.DataFrame | None = None, threshold: float = 40) -> Path:
    """Write the workbook: Sessions (level fills), Mentors, Mentor health (with ``health``: one row per mentor,
    one column per month, scores filled red below ``threshold``), KPIs; frozen headers, filters, widths."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = mentor_keys(enriched["mentor_name"], mentors.index)
    sessions = fact_table(enriched, keys, show_pii)
    mentor_sheet = mentor_dimension(mentors, keys)
    sheets = [("Sessions", sessions), ("Mentors", mentor_sheet)]
    if health is not None:
        trend = health.pivot(index="mentor_name", columns="month", values="score").sort_index()
        sheets.append(("Mentor health", neutralize_formulas(trend.reset_index())))
    kpi_sheet = neutralize_formulas(kpis.assign(label=kpis["kpi"].map(KPI_LABELS).fillna(kpis["kpi"])))
    kpi_sheet = kpi_sheet[["label", *[c for c in kpi_sheet.columns if c != "label"]]]
    with pd.ExcelWriter(path, engine="xlsxwriter",
                        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}}) as writer:
        book = writer.book
        for name, frame in (*sheets, ("KPIs", kpi_sheet)):
            frame.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)
            for i, column in enumerate(frame.columns):
                sheet.set_column(i, i, _width(frame[column], str(column)))
        sheet = writer.sheets["Sessions"]
        if "level" in sessions and len(sessions):
            col = sessions.columns.get_loc("level")
            for level, fill in LEVEL_FILLS.items():
                fmt = book.add_format({"bg_color": fill, "font_color": LEVEL_COLOURS[level], "bold": True})
                sheet.conditional_format(1, 0, len(sessions), len(sessions.columns) - 1, {
                    "type": "formula", "criteria": f'=${_column_letter(col)}2="{level}"', "format": fmt})
        if health is not None and "Mentor health" in writer.sheets:
            frame = dict(sheets)["Mentor health"]
            bands = [("red", "<", threshold), ("amber", "<", threshold + 20), ("green", ">=", threshold + 20)]
            for level, criteria, value in bands:
                fmt = book.add_format({"bg_color": LEVEL_FILLS[level], "font_color": LEVEL_COLOURS[level]})
                writer.sheets["Mentor health"].conditional_format(1, 1, max(len(frame), 1), len(frame.columns) - 1, {
                    "type": "cell", "criteria": criteria, "value": value, "format": fmt})
    return path


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def write_pairs(pairs: pd.DataFrame, workbook: str | Path, powerbi: str | Path) -> list[Path]:
    """The pair status table (:func:`mentortrack.analytics.pairs.pair_status`) as a ``Pairs`` sheet added to
    ``workbook`` and as ``powerbi/fact_pairs.csv`` with the ``mentor_key`` of the ``dim_mentor.csv`` already
    there (empty for a mentor outside it); learners by ID, cells neutralised."""
    table = neutralize_formulas(pairs.assign(last_session=pairs["last_session"].dt.strftime("%Y-%m-%d")))
    dim = pd.read_csv(Path(powerbi) / "dim_mentor.csv", usecols=["mentor_key", "mentor_name"], encoding="utf-8-sig")
    keys = dict(zip(dim["mentor_name"], dim["mentor_key"]))
    with pd.ExcelWriter(workbook, engine="openpyxl", mode="a", if_sheet_exists="replace") as writer:
        table.to_excel(writer, sheet_name="Pairs", index=False)
        sheet = writer.sheets["Pairs"]
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for i, column in enumerate(table.columns):
            sheet.column_dimensions[_column_letter(i)].width = _width(table[column], str(column))
    csv = Path(powerbi) / "fact_pairs.csv"
    table.insert(0, "mentor_key", table["mentor_name"].map(keys).astype("Int64"))
    table.to_csv(csv, index=False, encoding="utf-8-sig")
    return [Path(workbook), csv]

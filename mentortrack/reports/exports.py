"""Excel workbook and Power BI CSVs of the enriched session table.

Both are safe to forward: learner PII is masked unless asked for, and every text
cell that a spreadsheet would run as a formula (``= + - @``) is neutralised.

**Mentor key.** ``mentor_key`` is ``m`` + the first 12 hex digits of the SHA-256 of the
mentor's normalised name (Unicode NFC, case-folded, runs of whitespace collapsed to one
space, trimmed): :func:`mentor_key`. It depends on the name only, so a new mentor leaves
every other key alone and the files of different months append and join.

**Power BI** (:func:`powerbi_tables`): ``fact_sessions.csv`` (one row per session, ISO
dates), ``fact_mentor_health.csv`` (one row per mentor and month: score, at-risk flag,
explanation, components), both keyed by ``mentor_key`` and ``month`` and covering the
same months; ``dim_mentor.csv`` (one row per ``mentor_key``: the ranking window's counts and
rates, named in ``ranking_window``, and the report month's health, named in ``health_month``) and
``dim_month.csv`` (one row per ``month``, with ``data_through`` and ``partial``) are the
dimensions both facts relate to.

**Workbook** (:func:`workbook_sheets`): Sessions (level as cell fill), Mentors, Mentor
health (scores of every month up to the report month, then the report month's at-risk
flag, explanation and components), KPIs. Cells are typed and formatted by the writer:
percentages, two-decimal ratings, whole counts, real dates, Yes/No; human headers,
frozen header row, filters, widths.

Adding a table is one entry: a :class:`Sheet` in :func:`workbook_sheets` or a
``file name: frame`` entry in :func:`powerbi_tables`; the writers format any frame by
:func:`mentortrack.reports.tables.column_kind`.
"""

from __future__ import annotations

import hashlib
import logging
import math
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mentortrack.analytics.health import COMPONENTS, LABELS, health_trend
from mentortrack.analytics.kpis import COUNT_KPIS, KPI_LABELS
from mentortrack.reports.privacy import mask_pii, neutralize_formulas
from mentortrack.reports.tables import LEVEL_FILLS, LEVEL_TEXT, column_kind, label
from mentortrack.wording import partial_suffix

log = logging.getLogger(__name__)

FACT_COLUMNS = ["session_id", "session_date", "session_time", "month", "program", "batch", "learner_id",
                "learner_name", "learner_email", "age_cohort", "mentor_key", "mentor_name", "session_type",
                "scheduled_duration_mins", "actual_duration_mins", "session_status", "mentor_prep_done",
                "learner_attended", "post_session_rating", "action_items_documented", "follow_up_scheduled",
                "issue_flag", "learner_feedback", "textblob_polarity", "sentiment_published", "sentiment",
                "keywords", "points", "themes", "level", "reasons", "summary"]
KEY_DIGITS = 12
"""Hex digits of the SHA-256 kept in a mentor key (48 bits: a collision among 10,000 mentors has odds ~2e-7)."""

EXCEL_FORMATS = {"percent": "0.0%", "rating": "0.00", "count": "#,##0", "decimal": "#,##0.00", "date": "yyyy-mm-dd",
                 "score": "0", "minutes": "0.0", "change_pp": '+0.0" pp";-0.0" pp";0.0" pp"',
                 "change_count": "+#,##0;-#,##0;0", "change_rating": "+0.00;-0.00;0.00",
                 "change_minutes": "+0.0;-0.0;0.0"}
"""Excel number format of each cell kind (kinds of :func:`mentortrack.reports.tables.column_kind` and a few more)."""


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook: its name, its table and the cell kinds of columns whose kind
    :func:`mentortrack.reports.tables.column_kind` would not guess (a list: one kind per row)."""

    name: str
    frame: pd.DataFrame
    kinds: dict[str, str | list[str]] = field(default_factory=dict)


class ExportError(ValueError):
    """An export cannot be written as asked (e.g. two mentor names share a key)."""


def normalise_name(name: object) -> str:
    """A name as it is keyed: Unicode NFC, case-folded, whitespace runs collapsed, trimmed."""
    return " ".join(unicodedata.normalize("NFC", unicodedata.normalize("NFC", str(name)).casefold()).split())


def mentor_key(name: object) -> str:
    """The stable key of a mentor: ``m`` + the first :data:`KEY_DIGITS` hex digits of SHA-256(normalised name)."""
    return "m" + hashlib.sha256(normalise_name(name).encode("utf-8")).hexdigest()[:KEY_DIGITS]


def mentor_keys(*names: pd.Series | pd.Index) -> dict[str, str]:
    """:func:`mentor_key` of every distinct name given (``"Anita  Rao"`` and ``"anita rao"`` share one).

    Raises:
        ExportError: two different normalised names have the same key.
    """
    keys = {str(n): mentor_key(n) for series in names for n in series if pd.notna(n)}
    owners: dict[str, str] = {}
    for name, key in keys.items():
        if owners.setdefault(key, normalise_name(name)) != normalise_name(name):
            raise ExportError(f"mentors {owners[key]!r} and {normalise_name(name)!r} share the key {key}; "
                              f"raise KEY_DIGITS in mentortrack/reports/exports.py")
    return keys


def fact_table(enriched: pd.DataFrame, keys: dict[str, str], show_pii: bool | None = None,
               iso_dates: bool = True) -> pd.DataFrame:
    """The tidy session fact table with ``mentor_key`` (masked and formula-safe); dates as ISO text for CSV
    or, with ``iso_dates=False``, as datetimes (real Excel dates)."""
    frame = enriched.assign(mentor_key=enriched["mentor_name"].astype("string").map(keys))
    if iso_dates:
        frame = frame.assign(session_date=frame["session_date"].dt.strftime("%Y-%m-%d"))
    frame = frame[[c for c in FACT_COLUMNS if c in frame]]
    return neutralize_formulas(mask_pii(frame, show_pii))


def mentor_dimension(mentors: pd.DataFrame, keys: dict[str, str]) -> pd.DataFrame:
    """One row per mentor key: key, name, and the :func:`mentortrack.analytics.early_warnings.mentor_table`
    columns. Names that differ only in case or spacing share a key; the first spelling is kept."""
    dim = mentors.rename_axis("mentor_name").reset_index()
    if "health_at_risk" in dim and "health_score" in dim:  # no score: not "not at risk" but unknown
        dim["health_at_risk"] = dim["health_at_risk"].astype(object).where(dim["health_score"].notna())
    dim.insert(0, "mentor_key", dim["mentor_name"].astype("string").map(keys))
    twins = dim["mentor_key"].duplicated()
    if twins.any():
        log.warning("mentor names differing only in case or spacing share a key; kept the first of: %s",
                    ", ".join(dim.loc[dim["mentor_key"].isin(dim.loc[twins, "mentor_key"]), "mentor_name"]))
    return neutralize_formulas(dim[~twins].sort_values("mentor_name").reset_index(drop=True))


def month_dimension(enriched: pd.DataFrame, through: pd.Timestamp) -> pd.DataFrame:
    """One row per month of the sessions: ``month`` (YYYY-MM), its first day (ISO), its session count, the
    last day the data covers in it (``data_through``, ISO: the month's last day, or ``through``, the data's
    last day, in the month it ends in) and ``partial`` (the data ends before the month does), so a 9-day
    month does not read as a collapse."""
    counts = enriched["month"].astype("string").value_counts().sort_index()
    ends = [pd.Period(m, freq="M").end_time.normalize() for m in counts.index]
    last = [min(end, through.normalize()) for end in ends]
    return pd.DataFrame({"month": counts.index.astype(str),
                         "month_start": [f"{m}-01" for m in counts.index],
                         "sessions": counts.to_numpy(dtype=int),
                         "data_through": [f"{day:%Y-%m-%d}" for day in last],
                         "partial": [day < end for day, end in zip(last, ends)]})


def health_fact(health: pd.DataFrame, keys: dict[str, str], months: list[str] | None = None) -> pd.DataFrame:
    """One row per mentor and month (only ``months`` when given) with ``mentor_key``, sessions, completed
    sessions, score, at-risk flag (empty without a score: unknown, not "not at risk"), explanation and the
    raw components with their n."""
    columns = ["mentor_name", "month", "sessions", "completed", "score", "at_risk", "explanation",
               *[f"{c}_raw" for c in COMPONENTS], *[f"{c}_n" for c in COMPONENTS]]
    table = health if months is None else health[health["month"].isin(months)]
    table = table.assign(mentor_key=table["mentor_name"].astype("string").map(keys),
                         at_risk=table["at_risk"].astype("boolean").where(table["score"].notna()))
    return neutralize_formulas(table[["mentor_key", *[c for c in columns if c in table]]].reset_index(drop=True))


def pairs_fact(pairs: pd.DataFrame, keys: dict[str, str], iso_dates: bool = True) -> pd.DataFrame:
    """The pair status table (:func:`mentortrack.analytics.pairs.pair_status`) keyed by ``mentor_key``: learners
    by ID only, cells neutralised; ``last_session`` as ISO text for CSV or a date for Excel."""
    table = pairs.assign(mentor_key=pairs["mentor_name"].astype("string").map(keys))
    if iso_dates:
        table = table.assign(last_session=table["last_session"].dt.strftime("%Y-%m-%d"))
    return neutralize_formulas(table[["mentor_key", *[c for c in pairs.columns]]].reset_index(drop=True))


def powerbi_tables(enriched: pd.DataFrame, mentors: pd.DataFrame, through: pd.Timestamp, show_pii: bool | None = None,
                   health: pd.DataFrame | None = None, pairs: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The Power BI files by name (see the module docstring); health rows only for the sessions' months;
    ``fact_pairs.csv`` with ``pairs`` (the pair status); ``through``, the data's last day, marks a month
    covered in part in ``dim_month.csv``."""
    names = [enriched["mentor_name"], mentors.index] + ([health["mentor_name"]] if health is not None else []) \
        + ([pairs["mentor_name"]] if pairs is not None else [])
    keys = mentor_keys(*names)
    facts = fact_table(enriched, keys, show_pii)
    missing = sorted(set(enriched["mentor_name"].dropna().astype(str)) - set(mentors.index.astype(str)))
    dim_source = pd.concat([mentors, pd.DataFrame(index=pd.Index(missing))]) if missing else mentors
    tables = {"fact_sessions.csv": facts, "dim_mentor.csv": mentor_dimension(dim_source, keys),
              "dim_month.csv": month_dimension(enriched, through)}
    if health is not None:
        months = sorted(enriched["month"].dropna().astype(str).unique())
        tables["fact_mentor_health.csv"] = health_fact(health, keys, months)
    if pairs is not None:
        tables["fact_pairs.csv"] = pairs_fact(pairs, keys)
    return tables


def write_powerbi(enriched: pd.DataFrame, mentors: pd.DataFrame, folder: str | Path, through: pd.Timestamp,
                  show_pii: bool | None = None, health: pd.DataFrame | None = None,
                  pairs: pd.DataFrame | None = None) -> list[Path]:
    """Write :func:`powerbi_tables` into ``folder`` (UTF-8 with BOM so Excel reads accents)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in powerbi_tables(enriched, mentors, through, show_pii, health, pairs).items():
        frame.to_csv(folder / name, index=False, encoding="utf-8-sig")
        written.append(folder / name)
    return written


def health_sheet(health: pd.DataFrame, until: str, months: int = 6, through: pd.Timestamp | None = None) -> Sheet:
    """The Mentor health sheet: one row per mentor with sessions in the ``months`` months
    ending with ``until`` (YYYY-MM; later months are left out), the score of each of those months, then
    ``until``'s sessions, at-risk flag, explanation and components (the rating component as the average
    rating, the others as shares, each with its n). A month the data (ending on ``through``) covers only in
    part is headed so: "Score Oct 2025 (to 9 Oct)"."""
    trend = health_trend(health, until, months)
    active = health.loc[health["month"].isin(trend.columns), "mentor_name"].astype(str).unique()
    trend = trend.reindex(sorted(active))

    month_names = {m: pd.Period(m, freq="M").strftime("Score %b %Y") + partial_suffix(m, through) for m in trend.columns}
    sheet = trend.rename(columns=month_names)
    current = health[health["month"] == until].set_index("mentor_name").reindex(sheet.index)
    kinds: dict[str, str | list[str]] = dict.fromkeys(month_names.values(), "score")
    sessions = f"Sessions {pd.Period(until, freq='M').strftime('%b %Y')}"
    sheet[sessions] = current["sessions"].astype("Int64")
    kinds[sessions] = "count"
    sheet["At risk"] = current["at_risk"].astype(object).where(current["score"].notna())
    kinds["At risk"] = "yesno"
    sheet["Weakest parts"] = current["explanation"]
    for c in COMPONENTS:
        value = current[f"{c}_raw"].astype(float)
        name = "Average rating" if c == "rating" else f"{LABELS[c]} (share)"
        sheet[name] = 1 + 4 * value if c == "rating" else value
        kinds[name] = "rating" if c == "rating" else "percent"
        sheet[f"{LABELS[c]}: n"] = current[f"{c}_n"].astype("Int64")
        kinds[f"{LABELS[c]}: n"] = "count"
    sheet = sheet.rename_axis("Mentor").reset_index()
    sheet.columns = [str(c) for c in sheet.columns]
    return Sheet("Mentor health", neutralize_formulas(sheet), kinds)


def kpi_kind(kpi: str) -> str:
    """The cell kind of a KPI's value (rates %, the rating 2 decimals, counts whole, minutes 1 decimal)."""
    if kpi in COUNT_KPIS:
        return "count"
    if kpi.endswith(("_rate", "_coverage")):
        return "percent"
    if kpi == "avg_rating":
        return "rating"
    return "minutes" if "mins" in kpi else "decimal"


def kpi_sheet(kpis: pd.DataFrame) -> Sheet:
    """The KPIs sheet (KPI label, this month, previous month, change, why no change is shown) with
    per-row cell kinds; a rate's change is in percentage points (stored ×100, shown "+1.2 pp"). The change
    is ``change`` of :func:`mentortrack.reports.tables.with_changes` where the table has it (empty where the
    pages show none: first month, too few sessions, a count of a partial month), else ``delta``."""
    kinds = [kpi_kind(k) for k in kpis["kpi"]]
    delta = kpis["change"] if "change" in kpis else kpis["delta"]
    change = [d * 100 if k == "percent" and pd.notna(d) else d for k, d in zip(kinds, delta)]
    change_kinds = ["change_pp" if k == "percent" else f"change_{k}" if f"change_{k}" in EXCEL_FORMATS
                    else "decimal" for k in kinds]
    labels = {**KPI_LABELS, **{f"rating_{r}": f"Sessions rated {r}" for r in range(1, 6)}}
    sheet = pd.DataFrame({"KPI": kpis["kpi"].map(labels).fillna(kpis["kpi"]), "Value": kpis["value"],
                          "Previous month": kpis["previous"], "Change": change})
    if "no_change_because" in kpis:
        sheet["No change shown because"] = kpis["no_change_because"].to_numpy()
    return Sheet("KPIs", neutralize_formulas(sheet), {"Value": kinds, "Previous month": kinds, "Change": change_kinds})


def workbook_sheets(enriched: pd.DataFrame, mentors: pd.DataFrame, kpis: pd.DataFrame,
                    show_pii: bool | None = None, health: pd.DataFrame | None = None,
                    trend_months: int = 6, pairs: pd.DataFrame | None = None,
                    through: pd.Timestamp | None = None) -> list[Sheet]:
    """The workbook's sheets in order; the report month is the latest month of ``enriched``; a Pairs sheet
    with ``pairs`` (the pair status); ``through``, the data's last day, marks a month covered in part."""
    keys = mentor_keys(enriched["mentor_name"], mentors.index, *([pairs["mentor_name"]] if pairs is not None else []))
    sheets = [Sheet("Sessions", fact_table(enriched, keys, show_pii, iso_dates=False)),
              Sheet("Mentors", mentor_dimension(mentors, keys))]
    if health is not None:
        sheets.append(health_sheet(health, str(enriched["month"].max()), trend_months, through))
    sheets.append(kpi_sheet(kpis))
    if pairs is not None:
        sheets.append(Sheet("Pairs", pairs_fact(pairs, keys,
                                                iso_dates=False)))
    return sheets


def _width(values: list[str], header: str) -> int:
    """Column width in characters: the header's longest word or the 90th percentile of the cells, 8–60."""
    lengths = pd.Series([len(v) for v in values], dtype=float)
    longest = lengths.quantile(0.9) if len(lengths) else 0
    words = max((len(w) for w in header.split()), default=0)
    return int(min(60, max(8, words + 3, min(len(header), 24) + 2, longest + 2)))


def _shown(value: object, kind: str | None) -> str:
    """Roughly what a cell shows, for sizing its column."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if kind == "date":
        return "2025-09-30"
    if kind == "yesno":
        return "Yes"
    if kind in (None,) or isinstance(value, str):
        return str(value)
    return f"{float(value):,.2f}"


def header(column: object) -> str:
    """A column's header: :func:`mentortrack.reports.tables.label` of a code name, a human name as given."""
    name = str(column)
    return label(name) if name == name.lower() and " " not in name else name


def write_sheet(book, name: str, frame: pd.DataFrame, kinds: dict[str, str | list[str]] | None = None):  # type: ignore[no-untyped-def]
    """Write ``frame`` to a new xlsxwriter sheet: human headers, typed cells in their number formats
    (Yes/No for booleans, real dates), frozen header row, filter, widths. Returns the sheet and its columns."""
    sheet = book.add_worksheet(name)
    columns = list(frame.columns)
    heading = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#37474f",
                              "font_color": "#ffffff", "border": 0})
    formats = {kind: book.add_format({"num_format": code}) for kind, code in EXCEL_FORMATS.items()}
    sheet.set_row(0, 30)
    for j, column in enumerate(columns):
        values = frame[column]
        given = (kinds or {}).get(str(column)) or column_kind(str(column), values)
        row_kinds = given if isinstance(given, list) else [given] * len(values)
        title = header(column)
        sheet.write_string(0, j, title, heading)
        shown = []
        for i, (value, kind) in enumerate(zip(values.tolist(), row_kinds)):
            _write_cell(sheet, i + 1, j, value, kind, formats)
            shown.append(_shown(value, kind))
        sheet.set_column(j, j, _width(shown, title))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))
    return sheet, columns


def _write_cell(sheet, row: int, col: int, value: object, kind: str | None, formats: dict) -> None:  # type: ignore[no-untyped-def]
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None)
    elif kind == "yesno":
        sheet.write_string(row, col, "Yes" if value else "No")
    elif kind == "date":
        sheet.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), formats["date"])
    elif isinstance(value, str) or kind is None:
        sheet.write_string(row, col, str(value))
    else:
        sheet.write_number(row, col, float(value), formats.get(kind, formats["decimal"]))


def write_excel(enriched: pd.DataFrame, mentors: pd.DataFrame, kpis: pd.DataFrame, path: str | Path,
                show_pii: bool | None = None, health: pd.DataFrame | None = None, threshold: float = 40,
                trend_months: int = 6, pairs: pd.DataFrame | None = None, through: pd.Timestamp | None = None) -> Path:
    """Write :func:`workbook_sheets` to ``path`` (``trend_months`` of health scores); Sessions rows filled by level, health scores filled by band
    (red below ``threshold``, amber within 20 points above it, green above that), the level also as a word."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    try:
        for entry in workbook_sheets(enriched, mentors, kpis, show_pii, health, trend_months, pairs, through):
            name, frame, kinds = entry.name, entry.frame, entry.kinds
            sheet, columns = write_sheet(book, name, frame, kinds)
            last_row, last_col = max(len(frame), 1), max(len(columns) - 1, 0)
            if name == "Sessions" and "level" in columns and len(frame):
                letter = _column_letter(columns.index("level"))
                for level, fill in LEVEL_FILLS.items():
                    fmt = book.add_format({"bg_color": fill, "font_color": LEVEL_TEXT[level], "bold": True})
                    sheet.conditional_format(1, 0, last_row, last_col, {
                        "type": "formula", "criteria": f'=${letter}2="{level}"', "format": fmt})
            scores = [j for j, c in enumerate(columns)
                      if (kinds.get(str(c)) or column_kind(str(c), frame[c])) == "score"]
            for j in scores:
                cell = f"{_column_letter(j)}2"
                bands = {"red": f"{cell}<{threshold:g}", "amber": f"AND({cell}>={threshold:g},{cell}<{threshold + 20:g})",
                         "green": f"{cell}>={threshold + 20:g}"}
                for level, test in bands.items():  # ISNUMBER: a blank (no score) is no band, not 0
                    fmt = book.add_format({"bg_color": LEVEL_FILLS[level], "font_color": LEVEL_TEXT[level]})
                    sheet.conditional_format(1, j, last_row, j, {"type": "formula", "format": fmt,
                                                                 "criteria": f"=AND(ISNUMBER({cell}),{test})"})
    finally:
        book.close()
    return path


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters

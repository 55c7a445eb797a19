"""Load a session export (CSV, Excel or Parquet) into the canonical session table.

Every input row ends in exactly one place: the canonical ``sessions`` table, the
``quarantine`` table (with the file row, column and reason), or the count of
exact duplicate rows dropped. ``rows_read == valid + quarantined + duplicates``
is checked on every load. Problems that leave a row usable are listed in
``warnings`` (see :mod:`mentortrack.quality`). A problem with the whole file
raises :class:`LoadError` with a one-line message naming the file.

Row numbers (``source_row``) count records as a spreadsheet shows them: the
header is row 1, the first session row 2. Parquet files have no header row, so
their first record is row 1.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from mentortrack import quality
from mentortrack.parse import missing_column, parse_column, unify_case
from mentortrack.paths import default_sample_path
from mentortrack.schema import COLUMNS, EXPORT_NAMES, HEADER_KEYS, SESSION_SCHEMA, header_key

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t")
CASE_UNIFIED_COLUMNS = ("program", "batch", "mentor_name", "session_type", "age_cohort")
QUARANTINE_COLUMNS = ["source_file", "source_row", "column", "reason"]


class LoadError(ValueError):
    """The file as a whole cannot be used; the message names the file and why."""


@dataclass
class LoadResult:
    """What a load produced; see the module docstring for the row accounting."""

    source: str
    sessions: pd.DataFrame
    quarantine: pd.DataFrame
    warnings: pd.DataFrame
    rows_read: int
    duplicates: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, object]:
        """Counts for the CLI and reports: rows read, valid, quarantined, duplicates, warnings by kind."""
        return {
            "file": self.source,
            "rows_read": self.rows_read,
            "valid": len(self.sessions),
            "quarantined": len(self.quarantine),
            "duplicates": len(self.duplicates),
            "warnings": quality.count_by_kind(self.warnings),
            "notes": self.notes,
        }


def _decode(data: bytes, name: str, notes: list[str]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append(f"{name} is not UTF-8; read as Windows-1252 (cp1252).")
        return data.decode("cp1252")


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    return max(DELIMITERS, key=header.count)


def _read_csv_strict(text: str, sep: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                       na_filter=False, skip_blank_lines=False, engine="c")


def _all_rows_match_header(text: str, sep: str) -> bool:
    """True when every non-blank record has as many fields as the header (pandas pads short rows silently)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(reader))
    return all(len(fields) == width or not fields for fields in reader)


def _read_csv_ragged(text: str, sep: str) -> tuple[pd.DataFrame, list[tuple[int, list[str]]]]:
    """Read a CSV whose rows do not all have the header's number of fields."""
    rows = list(csv.reader(io.StringIO(text), delimiter=sep))
    header, body = rows[0], rows[1:]
    good, ragged, numbers = [], [], []
    for number, row in enumerate(body, start=2):
        if len(row) == len(header):
            good.append(row)
            numbers.append(number)
        elif any(cell.strip() for cell in row):
            ragged.append((number, row))
    frame = pd.DataFrame(good, columns=header, dtype=str)
    frame.index = pd.Index(numbers) - 2
    return frame, ragged


def read_raw(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, list[tuple[int, list[str]]], int, list[str]]:
    """Read a file as text cells.

    Returns the cells (index = record number - first data row), rows whose field
    count does not match the header (row number, fields), the row number of the
    first record, and notes about the reading.
    """
    notes: list[str] = []
    suffix = path.suffix.lower()
    if not path.exists():
        raise LoadError(f"{path}: no such file.")
    if path.stat().st_size == 0:
        raise LoadError(f"{path}: the file is empty.")
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        try:
            book = pd.ExcelFile(path)
        except Exception as exc:
            raise LoadError(f"{path}: not a readable Excel workbook ({exc}).") from exc
        sheets = book.sheet_names
        if sheet is not None and sheet not in sheets and not (isinstance(sheet, int) and sheet < len(sheets)):
            raise LoadError(f"{path}: no sheet {sheet!r}; the workbook has {', '.join(map(repr, sheets))}.")
        frame = pd.read_excel(book, sheet_name=sheet if sheet is not None else 0, dtype=str,
                              keep_default_na=False, na_filter=False)
        return frame, [], 2, notes
    if suffix == ".parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise LoadError(f"{path}: not a readable Parquet file ({exc}).") from exc
        for col in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[col]):
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            frame[col] = frame[col].astype("string").fillna("").astype(str)
        return frame, [], 1, notes
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise LoadError(f"{path}: not a text table (binary content); expected CSV, .xlsx or .parquet.")
    text = _decode(data, path.name, notes)
    if not text.strip():
        raise LoadError(f"{path}: the file is empty.")
    sep = _delimiter(text)
    if sep != ",":
        notes.append(f"{path.name} uses {'tab' if sep == chr(9) else repr(sep)} as delimiter.")
    if _all_rows_match_header(text, sep):
        return _read_csv_strict(text, sep), [], 2, notes
    frame, ragged = _read_csv_ragged(text, sep)
    return frame, ragged, 2, notes


def map_headers(frame: pd.DataFrame, source: str, required: tuple[str, ...] | None = None
                ) -> tuple[pd.DataFrame, list[str]]:
    """Rename export headers to canonical names; raise if a ``required`` canonical column is missing.

    ``required`` defaults to the schema's required columns.
    """
    required = required if required is not None else tuple(c.name for c in COLUMNS if c.required)
    notes: list[str] = []
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    for header in frame.columns:
        name = HEADER_KEYS.get(header_key(str(header)))
        if name is None:
            ignored.append(str(header))
        elif name in mapping.values():
            raise LoadError(f"{source}: columns {header!r} and another both mean {EXPORT_NAMES[name]}.")
        else:
            mapping[header] = name
    if not mapping:
        expected = ", ".join(EXPORT_NAMES[name] for name in required)
        raise LoadError(f"{source}: no session columns found (expected at least {expected}); is this a session export?")
    missing = [EXPORT_NAMES[name] for name in required if name not in mapping.values()]
    if missing:
        raise LoadError(f"{source}: required column(s) missing: {', '.join(missing)}.")
    if ignored:
        notes.append(f"ignored column(s) not in the session export format: {', '.join(ignored)}.")
    absent = [c.export_name for c in COLUMNS if c.name not in required and c.name not in mapping.values()]
    if absent:
        notes.append(f"optional column(s) absent, treated as empty: {', '.join(absent)}.")
    return frame[list(mapping)].rename(columns=mapping), notes


def _schema_failures(typed: pd.DataFrame) -> pd.DataFrame:
    """Rows breaking the pandera schema: one row per (index, column, reason)."""
    try:
        SESSION_SCHEMA.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.dropna(subset=["index"])
        reasons = cases["check"].astype(str).map({"not_nullable": "missing value",
                                                  "field_uniqueness": "duplicate Session_ID with conflicting content"})
        reasons = reasons.fillna(cases["check"].astype(str))
        detail = cases["failure_case"].astype(str)
        reasons = reasons.where(cases["check"].isin(["not_nullable", "field_uniqueness"]), reasons + " '" + detail + "'")
        return pd.DataFrame({"index": cases["index"].astype(int), "column": cases["column"], "reason": reasons})
    return pd.DataFrame(columns=["index", "column", "reason"])


def load_sessions(path: str | Path | None = None, sheet: str | int | None = None, dayfirst: bool = True) -> LoadResult:
    """Load an export and split it into sessions, quarantine and duplicates.

    Args:
        path: CSV (``,`` ``;`` or tab; UTF-8 with or without BOM, or cp1252),
            ``.xlsx`` or ``.parquet``. ``None`` loads the bundled sample.
        sheet: Excel sheet name or position (first sheet by default).
        dayfirst: how to read ambiguous numeric dates the file does not settle.

    Raises:
        LoadError: the file is missing, empty, not a table, or lacks a required column.
    """
    path = Path(path) if path is not None else default_sample_path()
    source = str(path)
    raw, ragged, first_row, notes = read_raw(path, sheet)
    raw, header_notes = map_headers(raw, source)
    notes += header_notes
    raw = raw.fillna("").astype(str)
    source_row = pd.Series(raw.index.to_numpy() + first_row, index=raw.index)
    blank_rows = (raw.apply(lambda col: col.str.strip()) == "").all(axis=1)
    if blank_rows.any():
        notes.append(f"{int(blank_rows.sum())} blank line(s) skipped.")
    raw, source_row = raw[~blank_rows], source_row[~blank_rows]
    rows_read = len(raw) + len(ragged)
    if rows_read == 0:
        raise LoadError(f"{source}: the file has a header but no session rows.")

    dup_mask = raw.duplicated(keep="first")
    in_group = raw.duplicated(keep=False)
    group = raw[in_group].groupby(list(raw.columns), sort=False).ngroup()
    first_row_of_group = source_row[in_group].groupby(group).transform("first")
    duplicates = pd.DataFrame({"source_row": source_row[dup_mask], "duplicate_of_row": first_row_of_group[dup_mask]})
    raw, source_row = raw[~dup_mask], source_row[~dup_mask]

    typed = pd.DataFrame(index=raw.index)
    problems: list[pd.DataFrame] = []
    for column in COLUMNS:
        if column.name not in raw:
            typed[column.name] = missing_column(column, raw.index)
            continue
        parsed = parse_column(raw[column.name], column, dayfirst)
        typed[column.name] = parsed.values
        notes += parsed.notes
        bad = parsed.errors.dropna()
        problems.append(pd.DataFrame({"index": bad.index, "column": column.name, "reason": bad.to_numpy()}))
    parse_failed = pd.concat(problems)
    schema_failed = _schema_failures(typed)
    already = set(zip(parse_failed["index"], parse_failed["column"]))
    schema_failed = schema_failed[[(i, c) not in already for i, c in zip(schema_failed["index"], schema_failed["column"])]]
    failures = _name_duplicate_rows(pd.concat([parse_failed, schema_failed], ignore_index=True), typed, source_row)

    bad_index = pd.Index(failures["index"].unique())
    quarantine = _quarantine_table(source, raw, source_row, failures, ragged)
    sessions = typed.drop(index=bad_index)
    sessions.insert(0, "source_row", source_row.drop(index=bad_index).astype("int64"))
    for name in CASE_UNIFIED_COLUMNS:
        sessions[name], changed = unify_case(sessions[name])
        if changed:
            notes.append(f"{changed} {EXPORT_NAMES[name]} value(s) differed only by letter case and were unified.")
    sessions = sessions.reset_index(drop=True)
    warnings = quality.find_warnings(sessions)

    result = LoadResult(source, sessions, quarantine, warnings, rows_read, duplicates, notes)
    check_reconciliation(result)
    log.info("%s: %d rows read, %d valid, %d quarantined, %d exact duplicates",
             source, rows_read, len(sessions), len(quarantine), len(duplicates))
    return result


def _name_duplicate_rows(failures: pd.DataFrame, typed: pd.DataFrame, source_row: pd.Series) -> pd.DataFrame:
    """Say which rows share a conflicting Session_ID in each duplicate-ID reason."""
    is_dup = failures["reason"].str.startswith("duplicate Session_ID")
    if not is_dup.any():
        return failures
    index = failures.loc[is_dup, "index"]
    ids = typed.loc[index, "session_id"].to_numpy()
    rows = source_row.loc[index].astype(str).groupby(ids).transform(", ".join).to_numpy()
    failures.loc[is_dup, "reason"] = [f"Session_ID {i} appears with conflicting content in rows {r}"
                                      for i, r in zip(ids, rows)]
    return failures


def _quarantine_table(source: str, raw: pd.DataFrame, source_row: pd.Series, failures: pd.DataFrame,
                      ragged: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """One row per quarantined input row: where, which columns, why, and the raw cells."""
    failures = failures.assign(label=failures["column"].map(EXPORT_NAMES))
    grouped = failures.groupby("index", sort=True).agg(
        column=("label", lambda s: "; ".join(dict.fromkeys(s))),
        reason=("reason", lambda s: "; ".join(dict.fromkeys(s))),
    )
    table = pd.concat([grouped, raw.loc[grouped.index].rename(columns=EXPORT_NAMES)], axis=1)
    table.insert(0, "source_row", source_row.loc[grouped.index])
    ragged_rows = pd.DataFrame(
        [(number, "(whole row)", f"has {len(fields)} fields, the header has {len(raw.columns)}: {fields!r}"[:500])
         for number, fields in ragged],
        columns=["source_row", "column", "reason"],
    )
    table = pd.concat([table, ragged_rows], ignore_index=True) if ragged else table
    table.insert(0, "source_file", source)
    table["source_row"] = table["source_row"].astype("int64")
    return table.sort_values("source_row").reset_index(drop=True)


def check_reconciliation(result: LoadResult) -> None:
    """Raise if any input row is unaccounted for (rows read = valid + quarantined + duplicates)."""
    accounted = len(result.sessions) + len(result.quarantine) + len(result.duplicates)
    if accounted != result.rows_read:
        raise AssertionError(f"{result.source}: {result.rows_read} rows read but {accounted} accounted for "
                             f"({len(result.sessions)} valid, {len(result.quarantine)} quarantined, "
                             f"{len(result.duplicates)} duplicates).")


def quarantine_message(result: LoadResult, limit: int = 5) -> list[str]:
    """Human-readable lines 'file, row N, column C: reason' for the first quarantined rows."""
    lines = [f"{row.source_file}, row {row.source_row}, column {row.column}: {row.reason}"
             for row in result.quarantine.head(limit).itertuples()]
    if len(result.quarantine) > limit:
        lines.append(f"... and {len(result.quarantine) - limit} more rows in the quarantine file.")
    return lines

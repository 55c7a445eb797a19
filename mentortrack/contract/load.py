"""Load a session export (CSV, Excel or Parquet) into the canonical session table.

Every input row ends in exactly one place: the canonical ``sessions`` table, the
``quarantine`` table (with the file row, column and reason), or the count of
exact duplicate rows dropped. ``rows_read == valid + quarantined + duplicates``
is checked on every load. Problems that leave a row usable are listed in
``warnings`` (see :mod:`mentortrack.contract.quality`). A problem with the whole file
raises :class:`LoadError` with a one-line message naming the file.

Row numbers (``source_row``) count records as a spreadsheet shows them: the
header is row 1, the first session row 2 (or later, when title rows precede the
header). Parquet files have no header row, so their first record is row 1.

Shapes read (each noted in ``notes``): CSV with ``,`` ``;`` or tab in UTF-8 (with
or without BOM), UTF-16 or UTF-32 with a BOM (Excel's "Unicode Text"), or
Windows-1252; title and blank rows above the header (CSV and Excel); the sheet
that holds the session columns when it is not the first; a repeated header row or
a totals row inside the data (dropped and counted in ``skipped``, not quarantined).
The accounting identity is then ``rows_read == valid + quarantined + duplicates + skipped``.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from mentortrack.contract import quality
from mentortrack.contract.parse import Parsed, missing_column, parse_column, parse_date, parse_time
from mentortrack.contract.schema import COLUMN_BY_NAME, COLUMNS, EXPORT_NAMES, HEADER_KEYS, header_key, session_schema
from mentortrack.contract.text import normalise_value, removed_characters, spelling_key
from mentortrack.errors import MentortrackError
from mentortrack.paths import default_sample_path
from mentortrack.wording import plural

log = logging.getLogger(__name__)

DELIMITERS = (",", ";", "\t")
HEADER_SEARCH_ROWS = 20
"""How many rows from the top may hold title or blank lines before the header."""
BOMS = ((b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
        (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"), (b"\xef\xbb\xbf", "utf-8", "UTF-8"))
COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
              (b"(\xb5/\xfd", "Zstandard"), (b"Rar!", "RAR"))
"""Magic bytes of compressed files a CSV may arrive in (a zip is read as .xlsx)."""
BINARY_NULS = 16
"""More NUL bytes than this (or than 1 % of a shorter start) in the first 4 KiB, without a BOM,
means the file is not text; fewer are stray bytes in cells, which the ID contract catches."""
TOTAL_WORDS = frozenset({"total", "totals", "grandtotal", "sum", "count", "subtotal"})
SKIPPED_COLUMNS = ["source_row", "kind"]
CASE_UNIFIED_COLUMNS = ("program", "batch", "mentor_name", "session_type", "age_cohort")
SETTLED_COLUMNS = ("session_id", *CASE_UNIFIED_COLUMNS)
"""Columns whose values settle file-wide decisions: conflicting Session_IDs and the spelling of names."""
QUARANTINE_COLUMNS = ["source_file", "source_row", "column", "reason"]
Unread = tuple[int, str, str]
"""A record taken out before parsing: its file row, the column named in its quarantine entry ("(whole row)"
when no one column is at fault) and why (a field count that is not the header's, an unclosed quote, a cell
longer than :data:`CELL_LIMIT`, a formula with no saved value)."""
MAX_COLUMNS = 1000
"""Most columns a file may have (a session export has 21; extra ones are ignored with a note)."""
IGNORED_LISTED = 10
"""Ignored columns a load note names (the others are counted), so the note stays one readable line."""
CELL_LIMIT = 1 << 20
"""Longest cell read (characters, 1 MiB); the row of a longer one is quarantined with the cell's length."""
MAX_SHEET_CELLS = 50_000_000
"""Most cells (rows x columns, as the sheet's own dimension says) of an Excel sheet that is read."""
MAX_SHEET_BYTES = 1 << 30
"""Largest uncompressed sheet inside an .xlsx (1 GiB): a zip that expands beyond it is refused."""


class LoadError(MentortrackError, ValueError):
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
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))
    """Rows that are not sessions: repeated header rows and totals rows (``source_row``, ``kind``)."""

    @property
    def counts(self) -> dict[str, object]:
        """Counts for the CLI and reports: rows read, valid, quarantined, duplicates, warnings by kind."""
        return {
            "file": self.source,
            "rows_read": self.rows_read,
            "valid": len(self.sessions),
            "quarantined": len(self.quarantine),
            "duplicates": len(self.duplicates),
            "skipped": len(self.skipped),
            "warnings": quality.count_by_kind(self.warnings),
            "notes": self.notes,
        }


def decode_text(data: bytes, path: Path, notes: list[str]) -> str:
    """Text of a CSV (or a transcript): by its BOM (UTF-32, UTF-16, UTF-8), else UTF-8, else Windows-1252."""
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            if name != "UTF-8":
                notes.append(f"{path.name} is {name} text (byte-order mark); read as {name}.")
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise LoadError(f"{path}: starts with a {name} byte-order mark but is not valid {name} ({exc.reason} "
                                f"at byte {exc.start}); re-save it as UTF-8 CSV.") from exc
    for magic, kind in COMPRESSED:
        if data.startswith(magic):
            raise LoadError(f"{path}: a {kind} file; decompress it first, then give the CSV inside.")
    head = data[:4096]
    controls = sum(byte < 32 and byte not in (9, 10, 12, 13) for byte in head)
    if head.count(b"\x00") > min(BINARY_NULS, len(head) // 100) or controls > max(8, len(head) // 50):
        raise LoadError(f"{path}: not a text table (binary content); expected CSV, .xlsx, .xls or .parquet.")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_lines(data, path, notes)


def _line_breaks(text: str) -> str:
    """Records end at ``\n`` (or ``\r\n``); a file of old-Mac ``\r`` line ends has them as ``\n``. In a
    file of both, a lone ``\r`` inside a line (a value pasted from elsewhere) becomes a space, as the contract
    makes every line-breaking character of a value (:mod:`mentortrack.contract.text`), unless every piece it
    separates is a whole record (as many delimiters as the header line): then it ends a record, so two
    sessions a stray ``\r`` separates stay two."""
    if "\r" not in text:
        return text
    if "\n" not in text:
        return text.replace("\r", "\n")
    if not re.search(r"\r(?!\n)", text):
        return text
    first = text.split("\n", 1)[0].rstrip("\r")
    widths = {d: first.count(d) for d in ",;\t|" if first.count(d)}
    lines = text.split("\n")
    for i, line in enumerate(lines):
        body = line[:-1] if line.endswith("\r") else line
        if "\r" not in body:
            continue
        parts = body.split("\r")
        whole = any(all(part.count(d) == n for part in parts) for d, n in widths.items())
        lines[i] = ("\n" if whole else " ").join(parts) + line[len(body):]
    return "\n".join(lines)


def _decode_lines(data: bytes, path: Path, notes: list[str]) -> str:
    """A file that is not all UTF-8, line by line: UTF-8 where a line is, else Windows-1252 (the bytes it
    leaves undefined as Latin-1), so one line saved by another program garbles neither the others nor itself."""
    lines = data.split(b"\n")
    decoded, legacy = [], []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            legacy.append(number)
            decoded.append(line.decode("cp1252", errors=_LATIN1_FALLBACK))
    if len(legacy) == len(lines) or len(legacy) > len(lines) // 2:
        notes.append(f"{path.name} is not UTF-8; read as Windows-1252 (cp1252).")
    else:
        shown = ", ".join(str(n) for n in legacy[:5]) + (" …" if len(legacy) > 5 else "")
        notes.append(f"{path.name} is UTF-8 except {len(legacy)} line(s) (line {shown}), read as Windows-1252.")
    return "\n".join(decoded)


_LATIN1_FALLBACK = "mentortrack-latin1"
"""Decoding error handler: the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read
as Latin-1, so no byte stops a file from loading."""
codecs.register_error(_LATIN1_FALLBACK, lambda err: (err.object[err.start:err.end].decode("latin-1"), err.end))


def _known_headers(cells: list[str]) -> int:
    """How many cells are session-export column names."""
    return len({HEADER_KEYS[k] for k in (header_key(str(c)) for c in cells) if k in HEADER_KEYS})


CSV_FIELD_LIMIT = (1 << 31) - 1
"""The csv module's field limit while reading (its default, 128 KiB, stops with a traceback): any cell is
read, and a row whose cell exceeds :data:`CELL_LIMIT` is then quarantined."""


def allow_long_cells() -> None:
    """Let Python's csv module read cells of any length (:data:`CSV_FIELD_LIMIT`); rows holding a cell
    longer than :data:`CELL_LIMIT` are quarantined by :func:`without_long_cells`."""
    if csv.field_size_limit() < CSV_FIELD_LIMIT:
        csv.field_size_limit(CSV_FIELD_LIMIT)


def check_width(columns: int, source: str) -> None:
    """Refuse a table wider than :data:`MAX_COLUMNS` in one line."""
    if columns > MAX_COLUMNS:
        raise LoadError(f"{source}: the header has {columns:,} columns; a session export has {len(COLUMNS)} and at "
                        f"most {MAX_COLUMNS:,} are read (is this the right file?).")


def without_long_cells(frame: pd.DataFrame, first_row: int) -> tuple[pd.DataFrame, list[Unread]]:
    """``frame`` without the rows holding a cell longer than :data:`CELL_LIMIT`, and those rows as
    :data:`Unread` entries naming the first such column and the cell's length (one such cell costs its row,
    never the file)."""
    found: dict[Any, Unread] = {}
    for column in frame.columns:
        lengths = frame[column].astype("string").str.len().fillna(0)
        for index in frame.index[(lengths > CELL_LIMIT).to_numpy()]:
            found.setdefault(index, (int(index) + first_row, str(column),
                                     f"a cell of {int(lengths[index]):,} characters; at most {CELL_LIMIT:,} are "
                                     "read (shorten it in the export and load again)"))
    if not found:
        return frame, []
    return frame.drop(index=list(found)), sorted(found.values())


def _find_header(text: str) -> tuple[str, int]:
    """The delimiter and the record number (0-based) of the header row among the first rows.

    The header is the row with the most session-export column names; ties go to the
    earliest row and, for the delimiter, to the order of :data:`DELIMITERS`.
    """
    allow_long_cells()
    head = "\n".join(text[:1 << 20].splitlines()[:HEADER_SEARCH_ROWS + 1])
    best = (0, ",", 0)
    for sep in DELIMITERS:
        rows = list(csv.reader(io.StringIO(head), delimiter=sep))
        for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            found = _known_headers(cells)
            if found > best[0]:
                best = (found, sep, number)
    if best[0] == 0:
        first = text[:1 << 20].split("\n", 1)[0]
        return max(DELIMITERS, key=first.count), 0
    return best[1], best[2]


def _header_note(name: str, header_row: int, what: str = "row") -> str:
    return (f"{name}: the header is on {what} {header_row + 1}; the {header_row} title or blank "
            f"row(s) above it were skipped.")


def _after_rows(text: str, sep: str, count: int) -> str:
    """``text`` without its first ``count`` records (which may span lines inside quotes)."""
    if count == 0:
        return text
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    for _ in range(count):
        next(reader)
    lines = text.splitlines(keepends=True)
    return "".join(lines[reader.line_num:])


def _read_csv_arrow(text: str, sep: str) -> pd.DataFrame | None:
    """Read with pyarrow's multi-threaded parser (about 4x faster than pandas' on a million rows).

    Returns None when the file needs the careful path: blank lines (their row numbers must be
    kept), repeated header names, or rows whose field count differs from the header's.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    if "\n\n" in text or "\n\r\n" in text:
        return None
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r")), delimiter=sep))
    if len(set(header)) != len(header):
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in header},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid:
        return None
    text_type = pd.StringDtype("pyarrow", na_value=float("nan"))
    return table.to_pandas(types_mapper={pa.string(): text_type}.get)


def _read_csv_strict(text: str, sep: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                       na_filter=False, skip_blank_lines=False, engine="c")


def _all_rows_match_header(text: str, sep: str) -> bool:
    """True when every non-blank record has as many fields as the header (pandas pads short rows silently)."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    width = len(next(reader))
    return all(len(fields) == width or not fields for fields in reader)


def _swallowed(fields: list[str], sep: str, width: int) -> int:
    """How many lines a record of the wrong width read into one of its cells that look like records of their
    own (at least ``width - 1`` delimiters): a quote opened and never closed (or closed rows later) reads the
    lines after it into the record. 0 for a plain ragged row or a quoted value with line breaks."""
    return sum(1 for cell in fields for line in cell.split("\n")[1:] if line.count(sep) >= max(width - 1, 1))


def _records(text: str, sep: str, width: int) -> Iterator[tuple[list[str], str]]:
    """The records of ``text`` with, per record, why it is not one (empty for a record).

    A record that swallowed lines through an unclosed quote (:func:`_swallowed`) is given as its first
    line alone, said to hold the quote, and reading starts again on the next line: a stray quote costs
    its own row, not the rows after it.
    """
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines):
        reader = csv.reader(lines[start:], delimiter=sep)
        consumed = 0
        for fields in reader:
            swallowed = len(fields) != width and _swallowed(fields, sep, width)
            if swallowed:
                line = lines[start + consumed].rstrip("\r\n")
                yield next(csv.reader([line], delimiter=sep), []), (
                    f"a quote opened in this row is not closed (it would have read the {swallowed} row(s) after "
                    f"it into this one; they are read as rows of their own); close the quote and load again: "
                    f"{line!r}")
                start += consumed + 1
                break
            yield fields, ""
            consumed = reader.line_num
        else:
            return


def _read_csv_ragged(text: str, sep: str, first_row: int = 2) -> tuple[pd.DataFrame, list[Unread]]:
    """Read a CSV whose rows do not all have the header's number of fields: the rows that have it, and the
    others as :data:`Unread` entries (an unclosed quote costs its own row only, see :func:`_records`)."""
    header = next(csv.reader(io.StringIO(text), delimiter=sep))
    records = _records(text, sep, len(header))
    next(records)
    good, unread, numbers = [], [], []
    for number, (row, problem) in enumerate(records, start=first_row):
        if problem:
            unread.append((number, "(whole row)", problem))
        elif len(row) == len(header):
            good.append(row)
            numbers.append(number)
        elif any(cell.strip() for cell in row):
            unread.append((number, "(whole row)", f"has {len(row)} fields, the header has {len(header)}: {row!r}"))
    frame = pd.DataFrame(good, columns=header, dtype=str)
    frame.index = pd.Index(numbers) - first_row
    return frame, unread


def _excel_sheet(path: Path, book: pd.ExcelFile, sheet: str | int, notes: list[str]
                 ) -> tuple[pd.DataFrame, int, list[Unread]] | None:
    """The cells of one sheet below its header row, the row number of the first record, and the rows taken
    out for a formula with no saved value (:func:`_uncomputed_formulas`); None when the sheet has no header."""
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, keep_default_na=False, na_filter=False,
                         nrows=HEADER_SEARCH_ROWS)
    counts = [_known_headers(list(cells)) for cells in grid.itertuples(index=False)]
    if not counts or max(counts) == 0:
        return None
    header_row = counts.index(max(counts))
    frame = pd.read_excel(book, sheet_name=sheet, header=header_row, dtype=str, keep_default_na=False,
                          na_filter=False)
    name = book.sheet_names[sheet] if isinstance(sheet, int) else sheet
    unread: list[Unread] = []
    if book.engine == "openpyxl":
        parts = _sheet_markers(path)
        if parts["error"]:
            frame = _with_error_cells(frame, book.book[name], header_row)
        if parts["formula"]:
            frame, unread = _uncomputed_formulas(frame, path, name, header_row)
    if header_row:
        notes.append(_header_note(f"{path.name} (sheet {name!r})", header_row))
    return frame, header_row + 2, unread


def _sheet_markers(path: Path) -> dict[str, bool]:
    """Whether any sheet of the .xlsx at ``path`` holds an error cell (``#DIV/0!``: ``t="e"`` in the sheet's
    XML) or a formula with no saved value (:data:`UNCOMPUTED_FORMULA`): a quick look at the compressed XML, so
    the common workbook is read once."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        sheets = [archive.read(i) for i in archive.infolist() if i.filename.startswith("xl/worksheets/")]
    return {"error": any(b't="e"' in xml for xml in sheets),
            "formula": any(UNCOMPUTED_FORMULA.search(xml) is not None for xml in sheets)}


UNCOMPUTED_FORMULA = re.compile(
    rb'<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>)?\s*</(?:\w+:)?c>')
"""A cell whose formula has no saved value (``<c r="D3"><f>…</f><v/></c>``, or no ``<v>`` at all), as a
program that writes formulas (openpyxl) leaves it until Excel computes them. A saved result that is empty
text (``<v></v>``, or ``t="str"``) is a value, and is read as one."""


def _sheet_part(archive: Any, sheet: str) -> str:
    """The path inside the .xlsx ``archive`` (a ``zipfile.ZipFile``) of the worksheet named ``sheet``."""
    from xml.etree import ElementTree

    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for element in book.iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet:
            rel_id = next(v for k, v in element.attrib.items() if k.endswith("}id"))
            target = targets[rel_id]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise LoadError(f"no sheet {sheet!r} in the workbook")


def _uncomputed_formulas(frame: pd.DataFrame, path: Path, sheet: str, header_row: int
                         ) -> tuple[pd.DataFrame, list[Unread]]:
    """``frame`` without the rows where a cell is a formula Excel never computed (:data:`UNCOMPUTED_FORMULA`;
    it would read as an empty cell), and those rows as :data:`Unread` entries naming the column and the
    formula."""
    import zipfile
    from html import unescape

    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    with zipfile.ZipFile(path) as archive:
        xml = archive.read(_sheet_part(archive, sheet))
    found: dict[int, Unread] = {}
    for match in UNCOMPUTED_FORMULA.finditer(xml):
        if re.search(rb'\bt="str"', match.group(1)):
            continue
        where = re.search(rb'\br="([A-Z]+[0-9]+)"', match.group(1))
        if where is None:
            continue
        letters, number = coordinate_from_string(where.group(1).decode())
        i, j = number - (header_row + 2), column_index_from_string(letters) - 1
        if 0 <= i < len(frame) and j < len(frame.columns) and frame.iat[i, j] == "" and i not in found:
            formula = re.search(rb"<(?:\w+:)?f\b[^>]*>([^<]*)<", match.group(0))
            text = "=" + unescape(formula.group(1).decode("utf-8", "replace")) if formula else "a shared formula"
            found[i] = (number, str(frame.columns[j]),
                        f"a formula with no saved value ({text[:80]!r}): the workbook was written by a program "
                        "and never opened in Excel; open it in Excel and save it (or paste the values), then "
                        "load again")
    if not found:
        return frame, []
    return frame.drop(index=frame.index[list(found)]), sorted(found.values())


def _with_error_cells(frame: pd.DataFrame, worksheet: Any, header_row: int) -> pd.DataFrame:
    """``frame`` with Excel's error values (``#DIV/0!``) written back where pandas read them as empty, so a
    formula that failed is a bad value of its row (quarantined, named), never a silently missing one."""
    frame = frame.copy()
    for i, cells in enumerate(worksheet.iter_rows(min_row=header_row + 2, max_col=len(frame.columns))):
        if i >= len(frame):
            break
        for j, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "e":
                frame.iat[i, j] = str(cell.value)
    return frame


def _check_sheet_sizes(path: Path) -> None:
    """Refuse, before anything is read, a workbook whose sheets say they span more than
    :data:`MAX_SHEET_CELLS` cells or :data:`MAX_COLUMNS` columns (a 2 KB file with one cell at
    XFD1048576 would otherwise ask for gigabytes), or expand beyond :data:`MAX_SHEET_BYTES`."""
    import zipfile

    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            big = [i for i in archive.infolist() if i.filename.startswith("xl/worksheets/") and
                   i.file_size > MAX_SHEET_BYTES]
        book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)  # by content, whatever the name
    except Exception as exc:
        raise LoadError(f"{path}: not a readable Excel workbook ({exc}).") from exc
    if big:
        raise LoadError(f"{path}: {big[0].filename} expands to {big[0].file_size:,} bytes; at most "
                        f"{MAX_SHEET_BYTES:,} are read.")
    try:
        for sheet in book.worksheets:
            if sheet.max_row is None or sheet.max_column is None:  # no <dimension> tag: measure the cells (streamed)
                sheet.reset_dimensions()
                sheet.calculate_dimension(force=True)
            rows, columns = sheet.max_row or 0, sheet.max_column or 0
            if columns > MAX_COLUMNS or rows * columns > MAX_SHEET_CELLS:
                span = sheet.calculate_dimension()
                raise LoadError(f"{path}: sheet {sheet.title!r} spans {span} ({rows:,} rows x {columns:,} columns); "
                                f"at most {MAX_COLUMNS:,} columns and {MAX_SHEET_CELLS:,} cells are read (delete "
                                "the stray cells far from the table, or save the sheet as CSV).")
    finally:
        book.close()


MAGIC = {"xlsx": b"PK\x03\x04", "xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "parquet": b"PAR1"}
"""First bytes of each binary format: a zip archive (.xlsx/.xlsm), an OLE2 compound file (Excel 97–2003
.xls), Parquet. Anything else is read as text (CSV)."""
FORMAT_NAMES = {"xlsx": "an Excel workbook (.xlsx)", "xls": "an old Excel workbook (.xls)",
                "parquet": "a Parquet file", "text": "a text table (CSV)"}
SUFFIX_FORMATS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".parquet": "parquet"}


def sniff_format(path: Path) -> str:
    """``xlsx``, ``xls``, ``parquet`` or ``text``, from the file's first bytes (:data:`MAGIC`), not its name."""
    with path.open("rb") as handle:
        head = handle.read(8)
    return next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), "text")


def _read_excel(path: Path, sheet: str | int | None, notes: list[str], kind: str = "xlsx"
                ) -> tuple[pd.DataFrame, int, list[Unread]]:
    """The sheet holding the session columns: ``sheet`` if given, else the first sheet that has them, visible
    sheets before hidden ones (a note names any later sheet that has them too, and how to read it, and says
    when the one read is hidden). ``kind`` ``xls`` (Excel 97–2003) is read
    with python-calamine, ``xlsx`` with openpyxl."""
    if kind == "xlsx":
        _check_sheet_sizes(path)
    try:
        book = pd.ExcelFile(path, engine="calamine" if kind == "xls" else "openpyxl")
    except ImportError as exc:
        raise LoadError(f"{path}: an old Excel workbook (.xls) needs python-calamine (`make setup` installs it); "
                        f"or open it in Excel and save it as .xlsx or CSV (File > Save As).") from exc
    except Exception as exc:
        hint = " Open it in Excel and save it as .xlsx or CSV (File > Save As)." if kind == "xls" else ""
        raise LoadError(f"{path}: not a readable Excel workbook ({exc}).{hint}") from exc
    sheets = book.sheet_names
    names = ", ".join(map(repr, sheets))
    if sheet is not None:
        if sheet not in sheets and not (isinstance(sheet, int) and sheet < len(sheets)):
            raise LoadError(f"{path}: no sheet {sheet!r}; the workbook has {names}.")
        found = _excel_sheet(path, book, sheet, notes)
        if found is None:
            raise LoadError(f"{path}: sheet {sheet!r} has no session columns; the workbook has {names}.")
        return found
    hidden = _hidden_sheets(book)
    order = [p for p, name in enumerate(sheets) if name not in hidden] + [p for p, name in enumerate(sheets)
                                                                            if name in hidden]
    for rank, position in enumerate(order):
        name = sheets[position]
        found = _excel_sheet(path, book, position, notes)
        if found is not None:
            passed = [sheets[p] for p in order[:rank]]
            if passed:
                notes.append(f"{path.name}: sessions read from sheet {name!r}; sheet(s) "
                             f"{', '.join(map(repr, passed))} before it have no session columns.")
            if name in hidden:
                notes.append(f"{path.name}: sessions read from sheet {name!r}, which is hidden in Excel "
                             "(no visible sheet has session columns).")
            others = [other for other in (sheets[p] for p in order[rank + 1:]) if _has_session_header(book, other)]
            if others:
                notes.append(f"{path.name}: only sheet {name!r} was read; sheet(s) "
                             f"{', '.join(map(repr, others))} also have session columns and were not read "
                             f"(--sheet NAME reads one of them).")
            return found
    raise LoadError(f"{path}: no sheet has session columns (expected at least Session_ID, Session_Date, "
                    f"Mentor_Name, Session_Status); the workbook has {names}.")


def _hidden_sheets(book: pd.ExcelFile) -> set[str]:
    """The sheets of an .xlsx that Excel hides (hidden or very hidden): a visible sheet with session columns
    is read before them. None known for an .xls (python-calamine's reader)."""
    workbook = getattr(book, "book", None)
    if workbook is None or not hasattr(workbook, "worksheets"):
        return set()
    return {ws.title for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") != "visible"}


def _has_session_header(book: pd.ExcelFile, sheet: str) -> bool:
    """Whether one of the first rows of ``sheet`` names the four required session columns."""
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=str, keep_default_na=False, na_filter=False,
                         nrows=HEADER_SEARCH_ROWS)
    required = {"session_id", "session_date", "mentor_name", "session_status"}
    return any(required <= {HEADER_KEYS.get(header_key(str(c))) for c in cells} for cells in grid.itertuples(index=False))


def read_raw(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, list[Unread], int, list[str]]:
    """Read a file as text cells; its format is sniffed from its first bytes (:func:`sniff_format`).

    Returns the cells (index = record number - first data row), the records taken out
    before parsing (:data:`Unread`: a wrong field count, an unclosed quote, a cell over
    :data:`CELL_LIMIT`, a formula with no saved value), the row number of the first
    record, and notes about the reading.
    """
    notes: list[str] = []
    check_file(path)
    kind = sniff_format(path)
    named = SUFFIX_FORMATS.get(path.suffix.lower(), "text")
    if kind != named:
        notes.append(f"{path.name} is {FORMAT_NAMES[kind]} whatever its name says; read as such.")
    if kind in {"xlsx", "xls"}:
        frame, first_row, unread = _read_excel(path, sheet, notes, kind)
        frame, too_long = without_long_cells(frame, first_row)
        return frame, sorted(unread + too_long), first_row, notes
    if kind == "parquet":
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:
            raise LoadError(f"{path}: not a readable Parquet file ({exc}).") from exc
        check_width(len(frame.columns), str(path))
        for col in frame.columns:
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):  # a zone: read as the CSV's ISO timestamps are
                frame[col] = frame[col].map(lambda t: "" if pd.isna(t) else t.isoformat())
            elif pd.api.types.is_datetime64_any_dtype(frame[col]):
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
            elif frame[col].dtype == object:  # bytes (a binary column) shown escaped, never a decoding crash
                frame[col] = frame[col].map(lambda v: v.decode("utf-8", "backslashreplace")
                                            if isinstance(v, bytes | bytearray) else v)
            frame[col] = frame[col].astype("string").fillna("").astype(str)
        frame, too_long = without_long_cells(frame, 1)
        return frame, too_long, 1, notes
    text = _line_breaks(decode_text(path.read_bytes(), path, notes))
    if not text.strip():
        raise LoadError(f"{path}: the file is empty.")
    sep, header_row = _find_header(text)
    if sep != ",":
        notes.append(f"{path.name} uses {'tab' if sep == chr(9) else repr(sep)} as delimiter.")
    if header_row:
        notes.append(_header_note(path.name, header_row))
        text = _after_rows(text, sep, header_row)
    first_row = header_row + 2
    check_width(len(next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep), [])), str(path))
    frame, unread = _read_csv_text(text, sep, first_row)
    frame, too_long = without_long_cells(frame, first_row)
    return frame, sorted(unread + too_long), first_row, notes


def check_file(path: Path) -> None:
    """Refuse, in one line, a path that is not a readable regular file: missing, a folder, a link that loops
    or points nowhere, a pipe or device (``/dev/stdin``: read once, it cannot be read again for the
    fingerprint and the streaming passes), or an empty file."""
    if path.is_symlink() and not path.exists():
        raise LoadError(f"{path}: a symbolic link that loops or points to no file; give the export file itself.")
    if not path.exists():
        raise LoadError(f"{path}: no such file.")
    if path.is_dir():
        raise LoadError(f"{path}: is a folder; give the export file inside it.")
    if not path.is_file():
        raise LoadError(f"{path}: not a regular file (a pipe or a device); save the export to a file and give "
                        "that file.")
    if path.stat().st_size == 0:
        raise LoadError(f"{path}: the file is empty.")


def _read_csv_text(text: str, sep: str, first_row: int) -> tuple[pd.DataFrame, list[Unread]]:
    """The fastest reader that can take the text (see :func:`_read_csv_arrow`), and the records it could not
    take as rows (:func:`_read_csv_ragged`)."""
    fast = _read_csv_arrow(text, sep)
    if fast is not None:
        return fast, []
    if _all_rows_match_header(text, sep):
        return _read_csv_strict(text, sep), []
    return _read_csv_ragged(text, sep, first_row)


def map_headers(frame: pd.DataFrame, source: str, required: tuple[str, ...] | None = None
                ) -> tuple[pd.DataFrame, list[str]]:
    """Rename export headers to canonical names; raise if a ``required`` canonical column is missing.

    ``required`` defaults to the schema's required columns.
    """
    required = required if required is not None else tuple(c.name for c in COLUMNS if c.required)
    notes: list[str] = []
    mapping: dict[str, str] = {}
    ignored: list[str] = []
    position = {header: number for number, header in enumerate(frame.columns, start=1)}
    for header in frame.columns:
        name = HEADER_KEYS.get(header_key(str(header)))
        repeated = re.fullmatch(r"(.+)\.(\d+)", str(header))  # pandas' name for a header seen before: "Mentor_Name.1"
        if name is None and repeated and repeated.group(1) in position and HEADER_KEYS.get(header_key(repeated.group(1))):
            raise LoadError(f"{source}: columns {position[repeated.group(1)]} and {position[header]} are both headed "
                            f"{repeated.group(1)!r}; keep one.")
        if name is None:
            shown = f"column {position[header]} (no header)" if not str(header).strip() or \
                str(header).startswith("Unnamed: ") else str(header)
            ignored.append(normalise_value(shown))  # quoted in notes: one line, no control characters
        elif name in mapping.values():
            first = next(h for h, n in mapping.items() if n == name)
            raise LoadError(f"{source}: columns {position[first]} ({str(first)!r}) and {position[header]} "
                            f"({str(header)!r}) both mean {EXPORT_NAMES[name]}; keep one.")
        else:
            mapping[header] = name
    if not mapping:
        expected = ", ".join(EXPORT_NAMES[name] for name in required)
        raise LoadError(f"{source}: no session columns found (expected at least {expected}); is this a session export?")
    missing = [EXPORT_NAMES[name] for name in required if name not in mapping.values()]
    if missing:
        raise LoadError(f"{source}: required column(s) missing: {', '.join(missing)}.")
    if ignored:
        listed = ", ".join(ignored[:IGNORED_LISTED]) + (
            f" and {len(ignored) - IGNORED_LISTED:,} more" if len(ignored) > IGNORED_LISTED else "")
        notes.append(f"ignored {len(ignored):,} column(s) not in the session export format: {listed}.")
    absent = [c.export_name for c in COLUMNS if c.name not in required and c.name not in mapping.values()]
    if absent:
        notes.append(f"optional column(s) absent, treated as empty: {', '.join(absent)}.")
    return frame[list(mapping)].rename(columns=mapping), notes


def _schema_failures(typed: pd.DataFrame) -> pd.DataFrame:
    """Rows breaking the pandera schema: one row per (index, column, reason)."""
    try:
        session_schema().validate(typed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.dropna(subset=["index"])
        reasons = cases["check"].astype(str).map({"not_nullable": "missing value"})
        reasons = reasons.fillna(cases["check"].astype(str))
        detail = cases["failure_case"].astype(str)
        reasons = reasons.where(cases["check"] == "not_nullable", reasons + " '" + detail + "'")
        return pd.DataFrame({"index": cases["index"].astype(int), "column": cases["column"], "reason": reasons})
    return pd.DataFrame(columns=["index", "column", "reason"])


@dataclass
class FileWide:
    """What only the whole file can settle, applied to every row (and to every chunk of a streamed file).

    Attributes:
        dayfirst: the order of ambiguous numeric dates, from the file's evidence.
        notes: what settling it said (date order, serial dates, time fractions).
        case: per case-unified column, lower-cased spelling -> the file's most frequent spelling.
        conflicting: hash of a Session_ID (:func:`id_hashes`) -> the rows (as text) it appears on with
            different content.
        timezone: the program's time zone, which timestamps with a zone are converted to.
    """

    dayfirst: bool
    notes: list[str]
    case: dict[str, dict[str, str]]
    conflicting: dict[int, str]
    timezone: str


def id_hashes(ids: pd.Series) -> np.ndarray:
    """64-bit hashes of Session_IDs (8 bytes a row where the IDs themselves take about 60), letter case
    ignored: ``SS1001`` and ``ss1001`` are one session, repeated or in conflict, never two."""
    return pd.util.hash_array(ids.astype("string").str.casefold().to_numpy(dtype=object), categorize=False)


class FileWideCounts:
    """Value counts gathered row by row (in one go or chunk by chunk) to settle :class:`FileWide`."""

    def __init__(self) -> None:
        self.dates = pd.Series(dtype="int64")
        self.times = pd.Series(dtype="int64")
        self.case: dict[str, pd.Series] = {}
        self.id_hashes: list[np.ndarray] = []
        self.id_rows: list[np.ndarray] = []

    def add(self, raw: pd.DataFrame, source_row: pd.Series, unique: np.ndarray,
            parsed: dict[str, Parsed] | None = None) -> None:
        """Count the values of the rows where ``unique`` is true (not an exact repeat of an earlier row).

        ``parsed`` holds the :data:`SETTLED_COLUMNS` already parsed for these rows, if the caller has them.
        """
        parsed = parsed if parsed is not None else parse_settled(raw)
        keep = None if unique.all() else unique
        for name, attribute in (("session_date", "dates"), ("session_time", "times")):
            if name in raw:
                values = raw[name] if keep is None else raw[name][keep]
                counts = values.value_counts(sort=False)
                setattr(self, attribute, getattr(self, attribute).add(counts, fill_value=0).astype("int64"))
        for name in CASE_UNIFIED_COLUMNS:
            if name in parsed:
                values = parsed[name].values if keep is None else parsed[name].values[keep]
                counts = values.dropna().value_counts(sort=False)
                before = self.case.get(name, pd.Series(dtype="int64"))
                self.case[name] = before.add(counts, fill_value=0).astype("int64").reindex(
                    list(dict.fromkeys([*before.index, *counts.index])))
        if "session_id" in parsed:
            ids = parsed["session_id"].values if keep is None else parsed["session_id"].values[keep]
            rows = source_row.to_numpy() if keep is None else source_row.to_numpy()[keep]
            present = ids.notna().to_numpy()
            self.id_hashes.append(id_hashes(ids[present]))
            self.id_rows.append(rows[present].astype(np.int64))

    def settle(self, dayfirst: bool, timezone: str) -> FileWide:
        """The file-wide decisions from everything counted; ``timezone`` is the program's (an IANA name)."""
        notes: list[str] = []
        decided = dayfirst
        if len(self.dates):
            dates = parse_date(pd.Series(self.dates.index, dtype="str"), dayfirst,
                               pd.Series(self.dates.to_numpy()), timezone=timezone)
            notes += dates.notes
            decided = dates.dayfirst if dates.dayfirst is not None else dayfirst
        if len(self.times):
            notes += parse_time(pd.Series(self.times.index, dtype="str"), pd.Series(self.times.to_numpy())).notes
        case = {}
        for name, counts in self.case.items():
            ordered = counts.sort_values(ascending=False, kind="stable")
            best = pd.Series(ordered.index, index=spelling_key(pd.Series(ordered.index)).to_numpy()
                             ).groupby(level=0, sort=False).first()
            case[name] = best.to_dict()
        hashes = np.concatenate(self.id_hashes) if self.id_hashes else np.empty(0, dtype=np.uint64)
        rows = np.concatenate(self.id_rows) if self.id_rows else np.empty(0, dtype=np.int64)
        order = np.argsort(hashes, kind="stable")
        hashes, rows = hashes[order], rows[order]
        repeated = np.zeros(len(hashes), dtype=bool)
        same = hashes[1:] == hashes[:-1]
        repeated[1:] |= same
        repeated[:-1] |= same
        conflicting = pd.Series(rows[repeated]).astype(str).groupby(hashes[repeated], sort=False).agg(
            ", ".join).to_dict()
        return FileWide(decided, notes, case, conflicting, timezone)


def parse_settled(raw: pd.DataFrame) -> dict[str, Parsed]:
    """The :data:`SETTLED_COLUMNS` present in ``raw``, parsed (they do not depend on file-wide decisions)."""
    return {name: parse_column(raw[name], COLUMN_BY_NAME[name]) for name in SETTLED_COLUMNS if name in raw}


def prepare_rows(raw: pd.DataFrame, first_row: int, source: str, notes: list[str]
                 ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Canonical headers, blank lines and non-session rows dropped: the rows, their file row numbers, and
    the skipped rows (``source_row``, ``kind``). Appends notes."""
    raw, header_notes = map_headers(raw, source)
    notes += header_notes
    raw = raw.fillna("").astype(str)
    source_row = pd.Series(raw.index.to_numpy() + first_row, index=raw.index)
    first_blank = raw.iloc[:, 0].str.strip() == ""
    blank_rows = pd.Series(False, index=raw.index)
    if first_blank.any():
        maybe = raw[first_blank]
        blank_rows[maybe.index] = (maybe.apply(lambda col: col.str.strip()) == "").all(axis=1)
    if blank_rows.any():
        notes.append(f"{int(blank_rows.sum())} blank line(s) skipped.")
        raw, source_row = raw[~blank_rows], source_row[~blank_rows]
    kinds = non_session_rows(raw)
    skipped = pd.DataFrame({"source_row": source_row[kinds.notna()].astype("int64"), "kind": kinds.dropna()},
                           columns=SKIPPED_COLUMNS).reset_index(drop=True)
    if kinds.notna().any():
        raw, source_row = raw[kinds.isna()], source_row[kinds.isna()]
    return raw, source_row, skipped


def skipped_notes(skipped: pd.DataFrame) -> list[str]:
    """One note per kind of non-session row, naming the first rows."""
    return [f"{n} {kind}(s) inside the data dropped (row "
            f"{', '.join(map(str, skipped.loc[skipped['kind'] == kind, 'source_row'].head(5)))})."
            for kind, n in skipped["kind"].value_counts().items()]


def classify_rows(raw: pd.DataFrame, source_row: pd.Series, duplicate_of: pd.Series, wide: FileWide, source: str,
                  unread: list[Unread], parsed: dict[str, Parsed] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Split rows into sessions, quarantine and exact duplicates under the file-wide decisions.

    ``duplicate_of`` holds, per row, the file row it repeats exactly (missing for a first
    occurrence); ``parsed``, columns of ``raw`` already parsed (:func:`parse_settled`).
    Returns sessions, quarantine, warnings, duplicates and, per case-unified column, how
    many session values changed spelling.
    """
    parsed = dict(parsed or {})
    is_duplicate = duplicate_of.notna()
    duplicates = pd.DataFrame({"source_row": source_row[is_duplicate].astype("int64"),
                               "duplicate_of_row": duplicate_of[is_duplicate].astype("int64")})
    typed = pd.DataFrame(index=raw.index)
    problems: list[pd.DataFrame] = []
    for column in COLUMNS:
        if column.name not in raw:
            typed[column.name] = missing_column(column, raw.index)
            continue
        values = parsed.get(column.name) or parse_column(raw[column.name], column, wide.dayfirst,
                                                         decided=wide.dayfirst, notes=False, timezone=wide.timezone)
        typed[column.name] = values.values
        bad = values.errors.dropna()
        problems.append(pd.DataFrame({"index": bad.index, "column": column.name, "reason": bad.to_numpy()}))
    parse_failed = pd.concat(problems)
    schema_failed = _schema_failures(typed)
    already = set(zip(parse_failed["index"], parse_failed["column"]))
    schema_failed = schema_failed[[(i, c) not in already for i, c in zip(schema_failed["index"], schema_failed["column"])]]
    failures = [parse_failed, schema_failed]
    if wide.conflicting:
        ids = typed["session_id"][typed["session_id"].notna().to_numpy() & ~is_duplicate.to_numpy()]
        hashes = id_hashes(ids)
        clash = np.isin(hashes, np.fromiter(wide.conflicting, dtype=np.uint64))
        failures.append(pd.DataFrame({"index": ids.index[clash], "column": "session_id",
                                      "reason": [f"Session_ID {i} appears with conflicting content in rows "
                                                 f"{wide.conflicting[h]}" for i, h in zip(ids[clash], hashes[clash])]}))
    failed = pd.concat(failures, ignore_index=True)
    failed = failed[~failed["index"].isin(raw.index[is_duplicate.to_numpy()])]
    bad_index = pd.Index(failed["index"].unique())
    quarantine = _quarantine_table(source, raw, source_row, failed, unread)
    keep = ~typed.index.isin(bad_index) & ~is_duplicate.to_numpy()
    sessions = typed[keep]
    sessions.insert(0, "source_row", source_row[keep].astype("int64"))
    changes: dict[str, int] = {}
    for name in CASE_UNIFIED_COLUMNS:
        spellings = wide.case.get(name)
        if not spellings:
            continue
        codes, spelled = pd.factorize(sessions[name])
        distinct = pd.Series(spelled, dtype="string")
        unified = spelling_key(distinct).map(spellings).fillna(distinct).astype("string")
        changed = (unified != distinct).fillna(False).to_numpy()
        changes[name] = int(np.isin(codes, np.flatnonzero(changed)).sum())
        sessions[name] = pd.Series(unified.take(codes).to_numpy(), index=sessions.index, dtype="string"
                                   ).where(codes >= 0)
    sessions = sessions.reset_index(drop=True)
    return sessions, quarantine, quality.find_warnings(sessions), duplicates, changes


def removed_counts(raw: pd.DataFrame, source_row: pd.Series, into: dict[str, tuple[int, list[int]]] | None = None
                   ) -> dict[str, tuple[int, list[int]]]:
    """Per text column, how many values lose a character when read (a NUL byte, another control character,
    an invisible one: :func:`mentortrack.contract.text.removed_characters`) and the first five file rows,
    added to ``into`` (a streamed file's counts so far). IDs are not counted: such a character makes an ID
    unreadable and its row is quarantined."""
    found = dict(into or {})
    for column in COLUMNS:
        if column.kind != "text" or column.name not in raw:
            continue
        removed = removed_characters(raw[column.name]).to_numpy()
        if removed.any():
            n, rows = found.get(column.export_name, (0, []))
            found[column.export_name] = (n + int(removed.sum()), (rows + source_row[removed].head(5).tolist())[:5])
    return found


def removal_notes(counts: dict[str, tuple[int, list[int]]]) -> list[str]:
    """One note per column of :func:`removed_counts`."""
    return [f"{n} {name} value(s) held a NUL byte or another control or invisible character, removed "
            f"(row {', '.join(map(str, rows))})." for name, (n, rows) in counts.items()]


def case_notes(changes: dict[str, int]) -> list[str]:
    """Notes on values unified by letter case."""
    return [f"{n} {EXPORT_NAMES[name]} value(s) differed only by letter case and were unified."
            for name, n in changes.items() if n]


def load_sessions(path: str | Path | None = None, sheet: str | int | None = None, dayfirst: bool = True, *,
                  timezone: str) -> LoadResult:
    """Load an export and split it into sessions, quarantine and duplicates.

    Args:
        path: CSV (``,`` ``;`` or tab; UTF-8 with or without BOM, or cp1252),
            ``.xlsx`` or ``.parquet``. ``None`` loads the bundled sample.
        sheet: Excel sheet name or position (first sheet by default).
        dayfirst: how to read ambiguous numeric dates the file does not settle.
        timezone: the zone timestamps with a zone are converted to: the program's, ``timezone``
            of ``parameters/lifecycle.yaml`` (``settings.lifecycle.timezone``).

    Raises:
        LoadError: the file is missing, empty, not a table, or lacks a required column.
    """
    path = Path(path) if path is not None else default_sample_path()
    source = str(path)
    raw, unread, first_row, notes = read_raw(path, sheet)
    raw, source_row, skipped = prepare_rows(raw, first_row, source, notes)
    notes += skipped_notes(skipped)
    removed = removed_counts(raw, source_row)
    rows_read = len(raw) + len(unread) + len(skipped)
    if rows_read == 0:
        raise LoadError(f"{source}: the file has a header but no session rows.")
    duplicate_of = _duplicate_of(raw, source_row)
    settled = parse_settled(raw)
    counts = FileWideCounts()
    counts.add(raw, source_row, duplicate_of.isna().to_numpy(), settled)
    wide = counts.settle(dayfirst, timezone)
    notes += wide.notes
    sessions, quarantine, warnings, duplicates, changes = classify_rows(raw, source_row, duplicate_of, wide, source,
                                                                        unread, settled)
    notes += removal_notes(removed) + case_notes(changes)
    result = LoadResult(source, sessions, quarantine, warnings, rows_read, duplicates, notes, skipped)
    check_reconciliation(result)
    log.info("%s: %d rows read, %d valid, %d quarantined, %d exact duplicates",
             source, rows_read, len(sessions), len(quarantine), len(duplicates))
    return result


def comparable(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` as rows are compared for exact duplicates: each cell stripped and lower-cased, so a row
    that repeats another but for a stray space (`` FM0001``) or a name's case (``mentor a``, which the
    contract unifies anyway) is a duplicate, not two sessions in conflict."""
    return raw.apply(lambda column: column.str.strip().str.lower())


def _duplicate_of(raw: pd.DataFrame, source_row: pd.Series) -> pd.Series:
    """Per row, the file row of the identical row it repeats (missing for first occurrences), rows compared
    as :func:`comparable` makes them. Only rows whose ID appears more than once can repeat another, so only
    those are compared."""
    ids = raw["session_id"].str.strip().str.casefold() if "session_id" in raw else pd.Series("", index=raw.index)
    candidates = ids.duplicated(keep=False)
    duplicate_of = pd.Series(np.nan, index=raw.index)
    if not candidates.any():
        return duplicate_of
    raw, source_row = comparable(raw[candidates]), source_row[candidates]
    dup_mask, in_group = _exact_duplicates(raw)
    if dup_mask.any():
        group = raw[in_group].groupby(list(raw.columns), sort=False).ngroup()
        first = source_row[in_group].groupby(group).transform("first")
        repeats = dup_mask.index[dup_mask.to_numpy()]
        duplicate_of.loc[repeats] = first.loc[repeats]
    return duplicate_of


def _cell_keys(column: pd.Series, wanted: set[str]) -> pd.Series:
    """Per cell: whether its :func:`header_key` is in ``wanted``.

    Only cells of a plausible length whose first three letters start a wanted key are keyed
    (once per distinct value): a million-row column costs a few vectorised passes.
    """
    plausible = column[column.str.len().between(min(map(len, wanted)), max(map(len, wanted)) + 12)]
    start = plausible.str.lstrip(" _-\ufeff").str[:3].str.lower()
    plausible = plausible[start.isin({k[:3] for k in wanted})]
    if plausible.empty:
        return pd.Series(False, index=column.index)
    hits = {value for value in plausible.drop_duplicates() if header_key(value) in wanted}
    return column.isin(hits) if hits else pd.Series(False, index=column.index)


def _exact_duplicates(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Rows repeating an earlier row exactly, and every row of such a group.

    Rows are compared by a 64-bit hash of their cells (one vectorised pass per column);
    the few candidate groups are then compared cell by cell, so a hash collision cannot
    drop a row.
    """
    hashes = pd.util.hash_pandas_object(raw, index=False)
    candidates = hashes.duplicated(keep=False)
    if not candidates.any():
        none = pd.Series(False, index=raw.index)
        return none, none
    maybe = raw[candidates]
    return (maybe.duplicated(keep="first").reindex(raw.index, fill_value=False),
            maybe.duplicated(keep=False).reindex(raw.index, fill_value=False))


def non_session_rows(raw: pd.DataFrame) -> pd.Series:
    """Per row: "repeated header row", "totals row", or missing for a (possibly broken) session row.

    A repeated header row has its own column names in at least half of its cells (and two
    or more); a totals row says Total / Sum / Count in its Session_ID cell, or in any cell
    when it has no Session_ID, mentor or status.
    """
    def own_name(frame: pd.DataFrame, column: str) -> pd.Series:
        return _cell_keys(frame[column], {k for k, v in HEADER_KEYS.items() if v == column})

    required = [c for c in ("session_id", "session_date", "mentor_name", "session_status") if c in raw]
    candidates = pd.concat([own_name(raw, c) for c in required], axis=1).any(axis=1)
    header_like = pd.Series(False, index=raw.index)
    if candidates.any():
        rows = raw[candidates]
        named = pd.concat([own_name(rows, c) for c in rows], axis=1).sum(axis=1)
        header_like[rows.index] = named >= max(2, (len(raw.columns) + 1) // 2)
    identity = [c for c in ("session_id", "mentor_name", "session_status") if c in raw]
    total_like = _cell_keys(raw["session_id"], set(TOTAL_WORDS)) if "session_id" in raw else pd.Series(
        False, index=raw.index)
    if total_like.any():  # a session whose ID happens to be "Total" has a mentor and a status: it stays
        said = raw[total_like]
        total_like[said.index] = pd.concat([said[c].str.strip() == "" for c in identity[1:]] or
                                           [pd.Series(True, index=said.index)], axis=1).any(axis=1)
    no_identity = pd.concat([raw[c].str.len() == 0 for c in identity], axis=1).all(axis=1)
    maybe = raw[~no_identity & (raw[identity[0]].str.len() <= 3)]
    if len(maybe):
        no_identity[maybe.index] = (maybe[identity].apply(lambda col: col.str.strip()) == "").all(axis=1)
    if no_identity.any():
        others = raw[no_identity]
        total_like |= pd.concat([_cell_keys(others[c], set(TOTAL_WORDS)) for c in others], axis=1).any(axis=1
                                                                                                       ).reindex(raw.index, fill_value=False)
    kinds = pd.Series(pd.NA, index=raw.index, dtype="string")
    kinds[total_like] = "totals row"
    kinds[header_like] = "repeated header row"
    return kinds


def _quarantine_table(source: str, raw: pd.DataFrame, source_row: pd.Series, failures: pd.DataFrame,
                      unread: list[Unread]) -> pd.DataFrame:
    """One row per quarantined input row: where, which columns, why, and the raw cells (for a record taken
    out before parsing, its reason says what it held, up to 500 characters)."""
    failures = failures.assign(label=failures["column"].map(EXPORT_NAMES))
    grouped = failures.groupby("index", sort=True).agg(
        column=("label", lambda s: "; ".join(dict.fromkeys(s))),
        reason=("reason", lambda s: "; ".join(dict.fromkeys(s))),
    )
    table = pd.concat([grouped, raw.loc[grouped.index].rename(columns=EXPORT_NAMES)], axis=1)
    table.insert(0, "source_row", source_row.loc[grouped.index])
    if unread:
        taken = pd.DataFrame([(row, column, reason[:500]) for row, column, reason in unread],
                             columns=["source_row", "column", "reason"])
        table = pd.concat([table, taken], ignore_index=True)
    table.insert(0, "source_file", source)
    table["source_row"] = table["source_row"].astype("int64")
    return table.sort_values("source_row").reset_index(drop=True)


def check_reconciliation(result: LoadResult) -> None:
    """Raise if any input row is unaccounted for (rows read = valid + quarantined + duplicates + skipped)."""
    accounted = len(result.sessions) + len(result.quarantine) + len(result.duplicates) + len(result.skipped)
    if accounted != result.rows_read:
        raise AssertionError(f"{result.source}: {result.rows_read} rows read but {accounted} accounted for "
                             f"({len(result.sessions)} valid, {len(result.quarantine)} quarantined, "
                             f"{len(result.duplicates)} duplicates, {len(result.skipped)} non-session rows).")


def load_summary(counts: dict[str, Any]) -> str:
    """One line of a load's accounting (``counts`` as :attr:`LoadResult.counts`): the sessions used and, when
    any, the rows quarantined, the exact duplicates dropped and the non-session rows skipped, of the rows read;
    "12 sessions; 3 rows quarantined (of 15 read)"."""
    set_aside = [plural(int(counts[key]), one, many) for key, one, many in
                 (("quarantined", "row quarantined", "rows quarantined"),
                  ("duplicates", "exact duplicate dropped", "exact duplicates dropped"),
                  ("skipped", "non-session row skipped", "non-session rows skipped")) if counts[key]]
    used = plural(int(counts["valid"]), "session")
    return f"{used}; {', '.join(set_aside)} (of {int(counts['rows_read']):,} read)" if set_aside else used


def quarantine_message(quarantine: pd.DataFrame, total: int | None = None, limit: int = 5) -> list[str]:
    """Human-readable lines 'file, row N, column C: reason' for the first quarantined rows.

    ``total`` is the number of quarantined rows when ``quarantine`` holds only the first ones.
    """
    total = len(quarantine) if total is None else total
    lines = [f"{row.source_file}, row {row.source_row}, column {row.column}: {row.reason}"
             for row in quarantine.head(limit).itertuples()]
    if total > limit:
        lines.append(f"... and {total - limit} more rows in the quarantine file.")
    return lines

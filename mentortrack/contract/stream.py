"""Exports too large for memory, read in chunks with the same rules as :func:`mentortrack.contract.load.load_sessions`.

Two passes over a UTF-8 CSV with pyarrow's streaming reader, so memory follows the
chunk size, not the file:

1. every row is read once to count what only the whole file settles
   (:class:`~mentortrack.contract.load.FileWideCounts`: date order, the most frequent
   spelling of names, Session_IDs seen with different content) and to find exact
   duplicate rows, by a 64-bit hash of their cells (kept: 8 bytes a row);
2. the file is read again chunk by chunk; each chunk is split into sessions,
   quarantine and duplicates under those decisions (:func:`classify_rows`) and handed
   to the caller, who keeps what it needs (counts, KPI sums) and drops the rest.

The row accounting holds per chunk and in total. A file the streaming reader cannot
take (another encoding, rows with the wrong number of fields, blank lines) is loaded
in memory instead, with the same result.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mentortrack.contract.load import (
    MAX_COLUMNS,
    SKIPPED_COLUMNS,
    FileWide,
    FileWideCounts,
    LoadError,
    LoadResult,
    _find_header,
    _header_note,
    case_notes,
    check_reconciliation,
    classify_rows,
    comparable,
    load_sessions,
    prepare_rows,
    removal_notes,
    removed_counts,
    skipped_notes,
    without_long_cells,
)
from mentortrack.paths import default_sample_path

log = logging.getLogger(__name__)

CHUNK_ROWS = 500_000
"""Rows per chunk: validating one takes about 1 GB at its peak."""
STREAM_BYTES = 256 * 1024 * 1024
"""CSV files larger than this are streamed by the CLI (about 1.3 million rows)."""


@dataclass
class StreamedLoad:
    """The totals of a streamed load, filled in as its chunks are consumed."""

    source: str
    rows_read: int = 0
    valid: int = 0
    quarantined: int = 0
    duplicates: int = 0
    skipped: int = 0
    warnings: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, object]:
        """The same keys as :attr:`mentortrack.contract.load.LoadResult.counts`."""
        return {"file": self.source, "rows_read": self.rows_read, "valid": self.valid,
                "quarantined": self.quarantined, "duplicates": self.duplicates, "skipped": self.skipped,
                "warnings": dict(sorted(self.warnings.items(), key=lambda kv: -kv[1])), "notes": self.notes}

    def add(self, chunk: LoadResult) -> None:
        check_reconciliation(chunk)
        self.rows_read += chunk.rows_read
        self.valid += len(chunk.sessions)
        self.quarantined += len(chunk.quarantine)
        self.duplicates += len(chunk.duplicates)
        self.skipped += len(chunk.skipped)
        for kind, n in chunk.warnings["kind"].value_counts().items():
            self.warnings[str(kind)] = self.warnings.get(str(kind), 0) + int(n)


@dataclass(frozen=True)
class CsvLayout:
    """Where a streamable CSV's records start and what its header says."""

    sep: str
    header_row: int
    """0-based record number of the header (title rows above it are skipped)."""
    header: list[str]

    def notes(self, name: str) -> list[str]:
        """The same reading notes as the in-memory reader gives."""
        notes = [f"{name} uses {'tab' if self.sep == chr(9) else repr(self.sep)} as delimiter."] if self.sep != "," else []
        return notes + ([_header_note(name, self.header_row)] if self.header_row else [])


def streamable(path: Path) -> CsvLayout | None:
    """The layout of a UTF-8 CSV the streaming reader can take, else None."""
    if path.suffix.lower() not in {".csv", ".txt", ".tsv"}:
        return None
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            return None
        text = head[:exc.start].decode("utf-8-sig")
    if not text.strip():
        return None
    sep, header_row = _find_header(text)
    records = list(csv.reader(io.StringIO("\n".join(text.splitlines()[:header_row + 1])), delimiter=sep))
    if len(records) <= header_row:
        return None
    header = records[header_row]
    if len(set(header)) != len(header) or len(header) > MAX_COLUMNS:
        return None
    return CsvLayout(sep, header_row, header)


def _batches(path: Path, layout: CsvLayout, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """The file's records as text frames of about ``chunk_rows`` rows, indexed by position among the records.

    Blank lines and rows with the wrong number of fields raise ``pyarrow.ArrowInvalid``
    (the in-memory reader handles them).
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    reader = pa_csv.open_csv(
        str(path),
        read_options=pa_csv.ReadOptions(block_size=1 << 24, skip_rows=layout.header_row),
        parse_options=pa_csv.ParseOptions(delimiter=layout.sep, newlines_in_values=True, ignore_empty_lines=False),
        convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in layout.header},
                                              strings_can_be_null=False, quoted_strings_can_be_null=False))
    text_type = pd.StringDtype("pyarrow", na_value=float("nan"))
    position = 0

    def frame_of(table: pa.Table) -> pd.DataFrame:
        frame = table.to_pandas(types_mapper={pa.string(): text_type}.get)
        frame.columns = layout.header
        frame.index = pd.RangeIndex(position, position + len(frame))
        return frame

    pending = None
    for batch in reader:
        table = pa.Table.from_batches([batch])
        pending = table if pending is None else pa.concat_tables([pending, table])
        while pending.num_rows >= chunk_rows:
            yield frame_of(pending.slice(0, chunk_rows))
            position += chunk_rows
            pending = pending.slice(chunk_rows)
    if pending is not None and pending.num_rows:
        yield frame_of(pending)


def stream_sessions(path: str | Path | None = None, chunk_rows: int | None = None, stream_bytes: int | None = None,
                    dayfirst: bool = True, *, timezone: str, sheet: str | None = None
                    ) -> tuple[StreamedLoad, Iterator[LoadResult]]:
    """The totals of a load and its chunks (consume the iterator; the totals fill in as it goes).

    ``timezone`` is the program's (``settings.lifecycle.timezone``): timestamps with a zone are converted to it.
    ``sheet`` names the Excel sheet to read (default: the first that holds the session columns).

    CSV files larger than ``stream_bytes`` (default :data:`STREAM_BYTES`, or the
    ``MENTORTRACK_STREAM_BYTES`` environment variable) are streamed in chunks of about
    ``chunk_rows`` rows (default :data:`CHUNK_ROWS`); other files, and CSVs the streaming reader cannot take, are loaded
    in memory and yielded as one chunk. ``None`` is the bundled sample.
    """
    path = Path(path) if path is not None else default_sample_path()
    chunk_rows = chunk_rows or CHUNK_ROWS
    if stream_bytes is None:
        stream_bytes = int(os.environ.get("MENTORTRACK_STREAM_BYTES", STREAM_BYTES))
    totals = StreamedLoad(str(path))
    layout = streamable(path) if path.is_file() and path.stat().st_size > stream_bytes else None

    def in_memory() -> Iterator[LoadResult]:
        whole = load_sessions(path, sheet, dayfirst=dayfirst, timezone=timezone)
        totals.notes = whole.notes
        totals.add(whole)
        yield whole

    if layout is None:
        return totals, in_memory()
    return totals, _stream(path, layout, chunk_rows, dayfirst, timezone, totals)


def _stream(path: Path, layout: CsvLayout, chunk_rows: int, dayfirst: bool, timezone: str, totals: StreamedLoad
            ) -> Iterator[LoadResult]:
    import pyarrow as pa

    try:
        wide, duplicate_of, notes, skipped = _settle(path, layout, chunk_rows, dayfirst, timezone)
    except pa.ArrowInvalid:
        log.info("%s: the streaming reader cannot take this file; loading it in memory", path)
        whole = load_sessions(path, dayfirst=dayfirst, timezone=timezone)
        totals.notes = whole.notes
        totals.add(whole)
        yield whole
        return
    totals.notes = [*notes, *skipped_notes(skipped), *wide.notes]
    changes: dict[str, int] = {}
    removed: dict[str, tuple[int, list[int]]] = {}
    offset = 0
    for chunk in _batches(path, layout, chunk_rows):
        chunk, too_long = without_long_cells(chunk, layout.header_row + 2)
        raw, source_row, skip = prepare_rows(chunk, layout.header_row + 2, str(path), [])
        removed = removed_counts(raw, source_row, removed)
        repeats = pd.Series(duplicate_of[offset:offset + len(raw)], index=raw.index).replace(0, np.nan)
        offset += len(raw)
        sessions, quarantine, warnings, duplicates, changed = classify_rows(raw, source_row, repeats, wide,
                                                                            str(path), too_long)
        for name, n in changed.items():
            changes[name] = changes.get(name, 0) + n
        result = LoadResult(str(path), sessions, quarantine, warnings, len(raw) + len(too_long) + len(skip), duplicates, [],
                            skip if len(skip) else pd.DataFrame(columns=SKIPPED_COLUMNS))
        totals.add(result)
        yield result
    totals.notes += removal_notes(removed) + case_notes(changes)


def _settle(path: Path, layout: CsvLayout, chunk_rows: int, dayfirst: bool, timezone: str
            ) -> tuple[FileWide, np.ndarray, list[str], pd.DataFrame]:
    """First pass: file-wide decisions, exact duplicates by row hash, notes and skipped rows.

    Returns, per data row in file order, the file row it repeats exactly (0: first occurrence).
    """
    counts = FileWideCounts()
    notes, skipped = layout.notes(path.name), []
    seen = RowHashes()
    duplicate_of: list[np.ndarray] = []
    for index, chunk in enumerate(_batches(path, layout, chunk_rows)):
        chunk, _ = without_long_cells(chunk, layout.header_row + 2)
        raw, source_row, skip = prepare_rows(chunk, layout.header_row + 2, str(path), notes if index == 0 else [])
        skipped.append(skip)
        first = seen.repeats(pd.util.hash_pandas_object(comparable(raw), index=False).to_numpy(), source_row.to_numpy())
        duplicate_of.append(first)
        counts.add(raw, source_row, first == 0)
    if not duplicate_of or not (sum(map(len, duplicate_of)) + sum(map(len, skipped))):
        raise LoadError(f"{path}: the file has a header but no session rows.")
    return counts.settle(dayfirst, timezone), np.concatenate(duplicate_of), notes, pd.concat(skipped, ignore_index=True)


class RowHashes:
    """The 64-bit hashes of the distinct rows seen so far and the file row of each one's first occurrence.

    16 bytes per distinct row (160 MB for ten million). Two different rows share a hash
    with probability about n²/2⁶⁵ (3 in a million for ten million rows).
    """

    def __init__(self) -> None:
        self.hashes = np.empty(0, dtype=np.uint64)
        self.rows = np.empty(0, dtype=np.int64)

    def repeats(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Per row, the file row of the earlier identical row (0 for a first occurrence); remembers the new ones."""
        distinct, first_index, group = np.unique(hashes, return_index=True, return_inverse=True)
        first_row = rows[first_index]
        at = np.searchsorted(self.hashes, distinct)
        known = at < len(self.hashes)
        known[known] = self.hashes[at[known]] == distinct[known]
        first_row[known] = self.rows[at[known]]
        merged_hashes = np.concatenate([self.hashes, distinct[~known]])
        order = np.argsort(merged_hashes, kind="stable")
        self.hashes = merged_hashes[order]
        self.rows = np.concatenate([self.rows, first_row[~known]])[order]
        earlier = first_row[group.ravel()]
        return np.where(earlier != rows, earlier, 0)

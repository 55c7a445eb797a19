"""Streamed loading in chunks gives exactly what loading the whole file in memory gives."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADER, TZ, row

from mentortrack.contract.load import LoadError, load_sessions
from mentortrack.contract.stream import RowHashes, stream_sessions, streamable


def messy_rows() -> list[dict[str, str]]:
    """Rows whose outcome depends on rows in other chunks: repeats, ID clashes, spellings, dates, bad values."""
    rows = [row(Session_ID=f"S{i}", Learner_ID=f"L{i % 7}", Mentor_Name="Ana Lima" if i % 3 else "Bo Chen")
            for i in range(40)]
    rows[5] = row(Session_ID="S5", Session_Date="03/04/2025")
    rows[12] = dict(rows[3])
    rows[20] = row(Session_ID="S7", Learner_ID="L99")
    rows[25] = row(Session_ID="S25", Mentor_Name="ana lima")
    rows[31] = row(Session_ID="S31", Learner_Rating="7")
    rows[33] = row(Session_ID="S33", Session_Status="Done?")
    rows[35] = row(Session_ID="S35", Session_Date="25/04/2025")
    rows[38] = dict(rows[0])
    rows[39] = row(Session_ID="")
    return rows


def write_messy(path: Path, sep: str = ",", title: bool = False, header_inside: bool = False) -> Path:
    table = pd.DataFrame(messy_rows(), columns=HEADER)
    if header_inside:
        table = pd.concat([table.iloc[:17], pd.DataFrame([HEADER], columns=HEADER), table.iloc[17:]])
    text = table.to_csv(sep=sep, index=False)
    path.write_text(("Mentor sessions - April 2025\n\n" if title else "") + text, encoding="utf-8")
    return path


def streamed(path: Path, chunk_rows: int) -> tuple[object, dict[str, pd.DataFrame]]:
    totals, chunks = stream_sessions(path, chunk_rows=chunk_rows, stream_bytes=0, timezone=TZ)
    parts = list(chunks)
    tables = {name: pd.concat([getattr(p, name) for p in parts], ignore_index=True)
              for name in ("sessions", "quarantine", "duplicates", "skipped")}
    tables["warnings"] = pd.concat([p.warnings for p in parts], ignore_index=True)
    return totals, tables


def same(left: pd.DataFrame, right: pd.DataFrame, key: str = "source_row") -> None:
    pd.testing.assert_frame_equal(left.sort_values(key).reset_index(drop=True),
                                  right.sort_values(key).reset_index(drop=True), check_dtype=False,
                                  check_index_type=False)


@pytest.mark.parametrize(("sep", "title", "header_inside", "chunk_rows"),
                         [(",", False, False, 6), (";", True, False, 9), (",", False, True, 11), (",", True, True, 1000)])
def test_chunks_add_up_to_the_in_memory_load(tmp_path: Path, sep: str, title: bool, header_inside: bool,
                                             chunk_rows: int) -> None:
    path = write_messy(tmp_path / "export.csv", sep, title, header_inside)
    assert streamable(path) is not None
    whole = load_sessions(path, timezone=TZ)
    totals, tables = streamed(path, chunk_rows)
    same(whole.sessions, tables["sessions"])
    same(whole.quarantine, tables["quarantine"])
    same(whole.duplicates, tables["duplicates"])
    same(whole.skipped, tables["skipped"])
    assert totals.counts["rows_read"] == whole.rows_read == 40 + header_inside
    assert totals.valid == len(whole.sessions) and totals.quarantined == len(whole.quarantine)
    assert totals.warnings == dict(whole.counts["warnings"])
    assert sorted(totals.notes) == sorted(whole.notes)


def test_what_the_whole_file_settles_reaches_every_chunk(tmp_path: Path) -> None:
    path = write_messy(tmp_path / "export.csv")
    totals, tables = streamed(path, 6)
    reasons = tables["quarantine"].set_index("source_row")["reason"]
    assert "conflicting content in rows 9, 22" in reasons[9] and "conflicting content in rows 9, 22" in reasons[22]
    assert tables["duplicates"].set_index("source_row")["duplicate_of_row"].to_dict() == {14: 5, 40: 2}
    assert "ana lima" not in set(tables["sessions"]["mentor_name"])
    assert tables["sessions"].set_index("session_id").loc["S25", "mentor_name"] == "Ana Lima"
    april = tables["sessions"].set_index("session_id")["session_date"]
    assert april["S5"] == pd.Timestamp("2025-04-03") and april["S35"] == pd.Timestamp("2025-04-25")
    assert totals.rows_read == totals.valid + totals.quarantined + totals.duplicates + totals.skipped


def test_files_the_streaming_reader_cannot_take_are_loaded_whole(tmp_path: Path) -> None:
    path = write_messy(tmp_path / "export.csv")
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*text[:10], "", "a,b", *text[10:]]) + "\n", encoding="utf-8")
    whole = load_sessions(path, timezone=TZ)
    totals, tables = streamed(path, 6)
    same(whole.quarantine, tables["quarantine"])
    assert totals.counts == whole.counts | {"warnings": totals.counts["warnings"]}
    latin = tmp_path / "latin.csv"
    latin.write_bytes(write_messy(tmp_path / "plain.csv").read_text().replace("Ana Lima", "Ana Lé").encode("cp1252"))
    totals, tables = streamed(latin, 6)
    assert totals.valid == len(load_sessions(latin, timezone=TZ).sessions) and "Ana Lé" in set(tables["sessions"]["mentor_name"])


def test_a_header_without_rows_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    totals, chunks = stream_sessions(path, chunk_rows=5, stream_bytes=0, timezone=TZ)
    with pytest.raises(LoadError, match="header but no session rows"):
        list(chunks)


def test_row_hashes_find_repeats_within_and_across_batches() -> None:
    seen = RowHashes()
    assert seen.repeats(pd.array([5, 9, 5], dtype="uint64").to_numpy(), pd.array([2, 3, 4]).to_numpy()).tolist() == [0, 0, 2]
    assert seen.repeats(pd.array([9, 1, 1], dtype="uint64").to_numpy(), pd.array([5, 6, 7]).to_numpy()).tolist() == [3, 0, 6]


def test_validate_and_kpis_give_the_same_answers_streamed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app
    from mentortrack.contract import stream

    path = write_messy(tmp_path / "export.csv", title=True, header_inside=True)
    runner = CliRunner()
    commands = [["validate", "--json", "--quarantine", "{q}"], ["kpis", "--json"], ["kpis", "--by", "mentor", "--json"],
                ["kpis", "--month", "2025-04", "--json"], ["kpis", "--by", "month", "--definitions", "published", "--json"]]

    def run_all(label: str) -> list[str]:
        out = []
        for command in commands:
            args = [a.replace("{q}", str(tmp_path / f"quarantine-{label}.csv")) for a in command]
            result = runner.invoke(app, [*args, str(path)])
            assert result.exit_code == 0, result.output
            out.append(result.stdout)
        return out

    whole = run_all("whole")
    monkeypatch.setenv("MENTORTRACK_STREAM_BYTES", "0")
    monkeypatch.setattr(stream, "CHUNK_ROWS", 7)
    assert len(list(stream.stream_sessions(path, timezone=TZ)[1])) == 6
    assert run_all("chunks") == whole
    assert (tmp_path / "quarantine-chunks.csv").read_text() == (tmp_path / "quarantine-whole.csv").read_text()
    assert json.loads(whole[0])["rows_read"] == 41

"""What an input break-in found: every row accounted for and said on screen, one line for a file that cannot
be read, and one bad cell costing its own row only."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from conftest import HEADER, TZ, load_checked, row, write_csv
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.contract.load import LoadError, load_sessions, load_summary
from mentortrack.contract.stream import stream_sessions
from mentortrack.lifecycle.agenda import load_upcoming

runner = CliRunner()


def _book(path: Path, sheets: dict[str, list[dict[str, str]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        if not rows:
            sheet.write_string(0, 0, "How to read this workbook")
            continue
        for column, header in enumerate(HEADER):
            sheet.write_string(0, column, header)
            for number, values in enumerate(rows, start=1):
                sheet.write_string(number, column, values[header])
    book.close()
    return path


def test_a_second_sheet_of_sessions_is_named_and_read_with_sheet(tmp_path: Path) -> None:
    path = _book(tmp_path / "two.xlsx", {"Sept": [row(Session_ID="S1"), row(Session_ID="S2")],
                                          "Oct": [row(Session_ID="O1", Session_Date="2025-10-02")],
                                          "Notes": []})
    first = load_checked(path)
    assert first.sessions["session_id"].tolist() == ["S1", "S2"]
    assert any("only sheet 'Sept' was read; sheet(s) 'Oct' also have session columns" in n for n in first.notes)
    assert load_sessions(path, "Oct", timezone=TZ).sessions["session_id"].tolist() == ["O1"]
    totals, chunks = stream_sessions(path, timezone=TZ, sheet="Oct")
    assert [len(c.sessions) for c in chunks] == [1] and totals.valid == 1
    said = runner.invoke(app, ["validate", str(path), "--sheet", "Oct", "--json",
                               "--quarantine", str(tmp_path / "q.csv")])
    assert said.exit_code == 0 and json.loads(said.stdout)["valid"] == 1
    kpis = runner.invoke(app, ["kpis", str(path), "--json"])
    assert json.loads(kpis.stdout)["total_sessions"] == 2
    assert "also have session columns and were not read (--sheet NAME reads one of them)" in kpis.stderr
    assert json.loads(runner.invoke(app, ["kpis", str(path), "--sheet", "Oct", "--json"]).stdout)["total_sessions"] == 1


def test_a_formula_excel_never_computed_quarantines_its_row_by_name(tmp_path: Path) -> None:
    book = openpyxl.Workbook()  # openpyxl writes formulas without a saved value, as a program would
    sheet = book.active
    sheet.append(HEADER)
    for values in (row(Session_ID="S1"), row(Session_ID="S2"), row(Session_ID="S3")):
        sheet.append([values[h] for h in HEADER])
    status = HEADER.index("Session_Status") + 1
    sheet.cell(row=3, column=status, value='="Completed"')
    path = tmp_path / "formula.xlsx"
    book.save(path)
    loaded = load_checked(path)
    assert loaded.sessions["session_id"].tolist() == ["S1", "S3"]
    entry = loaded.quarantine.iloc[0]
    assert (entry["source_row"], entry["column"]) == (3, "Session_Status")
    assert "a formula with no saved value ('=\"Completed\"')" in entry["reason"]


def test_a_formula_with_its_saved_value_is_read_as_the_value(tmp_path: Path) -> None:
    path = tmp_path / "computed.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for column, header in enumerate(HEADER):
        sheet.write_string(0, column, header)
        value = row(Session_ID="S1")[header]
        if header == "Session_Status":
            sheet.write_formula(1, column, '="Completed"', None, "Completed")
        elif header == "Learner_Feedback":  # a formula whose saved result is empty text is an empty value
            sheet.write_formula(1, column, '=IF(1=1,"","x")', None, "")
        else:
            sheet.write_string(1, column, value)
    book.close()
    loaded = load_checked(path)
    assert loaded.sessions["session_status"].tolist() == ["Completed"] and loaded.quarantine.empty
    assert loaded.sessions["learner_feedback"].isna().all()


def test_kpis_and_report_say_what_was_set_aside_and_refuse_a_file_with_no_usable_row(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1"), row(Session_ID="S2", Session_Status="Pending"), row(Session_ID="S1")]
    mixed = write_csv(tmp_path / "mixed.csv", rows)
    said = runner.invoke(app, ["kpis", str(mixed), "--json"])
    assert said.exit_code == 0 and json.loads(said.stdout)["total_sessions"] == 1
    assert ("1 session; 1 row quarantined, 1 exact duplicate dropped (of 3 read); `mentortrack validate "
            in said.stderr)
    bad = write_csv(tmp_path / "bad.csv", [row(Session_ID=f"S{i}", Session_Status="Pending") for i in range(3)])
    for command in (["kpis", str(bad)], ["kpis", str(bad), "--by", "mentor"], ["analyze", str(bad)],
                    ["report", str(bad), "--month", "2025-09", "--out", str(tmp_path / "out")]):
        said = runner.invoke(app, command)
        assert said.exit_code == 2, command
        assert said.stderr.strip().splitlines() == [
            f"error: {bad}: no usable session rows (0 sessions; 3 rows quarantined (of 3 read); `mentortrack "
            f"validate {bad}` lists the rows and why)."], command
    assert "nan" not in said.stderr


def test_load_summary_names_only_what_happened() -> None:
    counts = {"valid": 12, "quarantined": 0, "duplicates": 0, "skipped": 0, "rows_read": 12}
    assert load_summary(counts) == "12 sessions"
    assert load_summary({**counts, "valid": 1, "skipped": 2, "rows_read": 3}) == \
        "1 session; 2 non-session rows skipped (of 3 read)"


def test_whole_numbers_with_a_decimal_comma_are_read(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1", Post_Session_Rating="4,0", Actual_Duration_mins="45,00"),
            row(Session_ID="S2", Post_Session_Rating="4,5"),
            row(Session_ID="S3", Actual_Duration_mins="1,000")]
    loaded = load_checked(write_csv(tmp_path / "semi.csv", rows, sep=";"))
    first = loaded.sessions.iloc[0]
    assert (first["post_session_rating"], first["actual_duration_mins"]) == (4, 45)
    assert loaded.quarantine["reason"].tolist() == ["not a whole-number rating: '4,5'", "not a whole number: '1,000'"]


def test_a_symlink_loop_and_a_pipe_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "a.csv").symlink_to(tmp_path / "b.csv")
    (tmp_path / "b.csv").symlink_to(tmp_path / "a.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    for name, said in (("a.csv", "a symbolic link that loops or points to no file"),
                       ("pipe.csv", "not a regular file (a pipe or a device)")):
        with pytest.raises(LoadError, match=re.escape(said)):
            load_sessions(tmp_path / name, timezone=TZ)
        for command in ("validate", "kpis", "report"):
            result = runner.invoke(app, [command, str(tmp_path / name)])
            assert result.exit_code == 2 and result.stderr.count("\n") == 1 and said in result.stderr, (command, name)


def test_validate_names_the_row_each_exact_duplicate_repeats(tmp_path: Path) -> None:
    rows = [row(Session_ID="S1"), row(Session_ID="S2"), row(Session_ID="S1"), row(Session_ID="S2")]
    said = runner.invoke(app, ["validate", str(write_csv(tmp_path / "d.csv", rows)),
                               "--quarantine", str(tmp_path / "q.csv")])
    assert "duplicates    2 (exact, dropped: row 4 repeats row 2; row 5 repeats row 3)" in said.stdout


def test_session_ids_that_differ_only_by_case_are_one_session(tmp_path: Path) -> None:
    same = load_checked(write_csv(tmp_path / "same.csv", [row(Session_ID="SS1001"), row(Session_ID="ss1001")]))
    assert len(same.sessions) == 1 and len(same.duplicates) == 1, "a repeat whose ID differs in case is a duplicate"
    clash = load_checked(write_csv(tmp_path / "clash.csv", [row(Session_ID="SS1001", Post_Session_Rating="5"),
                                                           row(Session_ID="ss1001", Post_Session_Rating="2")]))
    assert clash.sessions.empty and len(clash.quarantine) == 2
    assert clash.quarantine["reason"].str.contains("conflicting content in rows 2, 3").all()


def test_a_booked_sessions_file_with_a_broken_row_names_it(tmp_path: Path) -> None:
    path = tmp_path / "upcoming.csv"
    path.write_text("Session_ID,Session_Date,Mentor_Name,Session_Type\nU1,2025-10-01,Ann,Mock Interview\n"
                    "U2,2025-10-02,Ann\n", encoding="utf-8")
    booked, skipped = load_upcoming(path)
    assert booked["session_id"].tolist() == ["U1"]
    assert skipped == ["row 3, column (whole row): has 3 fields, the header has 4: ['U2', '2025-10-02', 'Ann']"]


def test_quarantine_keeps_every_row_of_a_file_with_several_problems(tmp_path: Path) -> None:
    text = pd.DataFrame([row(Session_ID=f"S{i}") for i in range(6)], columns=HEADER).to_csv(
        index=False, lineterminator="\n").splitlines()
    text[2] += ',"'  # an unclosed quote
    text[4] = text[4].rsplit(",", 3)[0]  # a short row
    path = tmp_path / "several.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    loaded = load_checked(path)
    assert loaded.quarantine["source_row"].tolist() == [3, 5]
    assert loaded.sessions["source_row"].tolist() == [2, 4, 6, 7] and loaded.rows_read == 6


def test_a_visible_sheet_is_read_before_a_hidden_one(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "Old"
    hidden.append(HEADER)
    hidden.append([row(Session_ID="H1")[c] for c in HEADER])
    hidden.sheet_state = "hidden"
    shown = book.create_sheet("Sessions")
    shown.append(HEADER)
    shown.append([row(Session_ID="S1")[c] for c in HEADER])
    path = tmp_path / "hidden.xlsx"
    book.save(path)
    result = load_checked(path)
    assert result.sessions["session_id"].tolist() == ["S1"]
    assert any("'Old' also have session columns" in note for note in result.notes)
    only_hidden = openpyxl.load_workbook(path)
    del only_hidden["Sessions"]
    only_hidden.create_sheet("Notes").append(["nothing here"])
    only_hidden.save(path)
    assert any("which is hidden in Excel" in note for note in load_checked(path).notes)

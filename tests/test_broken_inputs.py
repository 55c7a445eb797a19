"""Inputs a tester built to break the loader: each ends in a quarantined row or one clear line, never a
traceback, and no row is lost or split off silently."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADER, TZ, load_checked, row, write_csv

from mentortrack.contract.load import LoadError, load_sessions
from mentortrack.contract.stream import stream_sessions

FIVE = [row(Session_ID=f"SS{i}", Learner_ID=f"L{i}", Mentor_Name="Mentor A") for i in range(5)]


@pytest.mark.parametrize(("column", "value", "said"), [
    ("Actual_Duration_mins", "1e308", "too large for a whole number: '1e308'"),
    ("Scheduled_Duration_mins", "9223372036854775808", "too large for a whole number"),
    ("Post_Session_Rating", "99999999999999999999", "too large for a whole-number rating"),
    ("Actual_Duration_mins", "9223372036854775807", "too large for a whole number"),
    ("Actual_Duration_mins", "5000", "more than 1,440 minutes (a day)"),
])
def test_a_huge_number_quarantines_its_row(tmp_path: Path, column: str, value: str, said: str) -> None:
    rows = [dict(r) for r in FIVE]
    rows[2][column] = value
    result = load_checked(write_csv(tmp_path / "huge.csv", rows))
    assert len(result.sessions) == 4 and len(result.quarantine) == 1
    assert said in result.quarantine["reason"].iloc[0] and result.quarantine["source_row"].iloc[0] == 4


@pytest.mark.parametrize("word", ["today", "now", "Yesterday"])
def test_a_relative_date_word_is_not_the_day_the_suite_runs(tmp_path: Path, word: str) -> None:
    rows = [dict(r) for r in FIVE]
    rows[0]["Session_Date"] = word
    result = load_checked(write_csv(tmp_path / "word.csv", rows))
    assert f"not a date: '{word}'" in result.quarantine["reason"].iloc[0] and len(result.sessions) == 4


def test_compressed_and_binary_files_are_one_line(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "plain.csv", FIVE)
    packed = tmp_path / "export.csv"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(LoadError, match=r"export.csv: a gzip file; decompress it first"):
        load_sessions(packed, timezone="UTC")
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(1, 32)) * 40 + bytes(range(128, 256)) * 10)
    with pytest.raises(LoadError, match=r"not a text table \(binary content\)"):
        load_sessions(noise, timezone="UTC")


def test_one_line_in_another_encoding_garbles_neither_it_nor_the_others(tmp_path: Path) -> None:
    rows = [dict(r) for r in FIVE]
    rows[1]["Mentor_Name"] = "José Núñez"
    rows[3]["Learner_Feedback"] = "Zoë was great 🙏"
    lines = pd.DataFrame(rows, columns=HEADER).to_csv(index=False).splitlines(keepends=True)
    data = b"".join(line.encode("cp1252", "replace") if "Zo" in line else line.encode("utf-8") for line in lines)
    path = tmp_path / "mixed.csv"
    path.write_bytes(data.replace("Zoë".encode("cp1252"), b"Zo\xeb\x8f"))
    result = load_checked(path)
    assert "José Núñez" in set(result.sessions["mentor_name"])
    assert result.sessions.set_index("session_id").at["SS3", "learner_feedback"].startswith("Zoë")
    assert any("UTF-8 except 1 line(s) (line 5)" in note for note in result.notes)


def test_a_lone_carriage_return_inside_a_value_is_a_space(tmp_path: Path) -> None:
    path = tmp_path / "cr.csv"
    text = pd.DataFrame(FIVE, columns=HEADER).to_csv(index=False, lineterminator="\n")
    path.write_text(text.replace("Mentor A", "Mentor\rA", 1), encoding="utf-8")
    result = load_checked(path)
    assert set(result.sessions["mentor_name"]) == {"Mentor A"} and len(result.sessions) == 5
    old_mac = tmp_path / "mac.csv"
    old_mac.write_text(text.replace("\n", "\r"), encoding="utf-8")
    assert len(load_checked(old_mac).sessions) == 5
    # a stray \r between two records (outside quotes) ends the first: five sessions, not four and a broken row
    stray = tmp_path / "stray.csv"
    lines = text.split("\n")
    stray.write_text("\r\n".join(lines[:2]) + "\r" + "\r\n".join(lines[2:]), encoding="utf-8")
    result = load_checked(stray)
    assert len(result.sessions) == 5 and result.quarantine.empty


def test_invisible_characters_split_no_mentor_and_break_the_id_contract(tmp_path: Path) -> None:
    rows = [dict(r) for r in FIVE]
    rows[0]["Mentor_Name"] = "\ufeffMentor A"
    rows[1]["Mentor_Name"] = "Mentor\u00a0A\u200b"
    rows[2]["Mentor_Name"] = "\uff2dentor A"
    rows[3]["Session_ID"] = "SS\u202e3gpj.exe"
    rows[4]["Learner_Feedback"] = "Fine \u202eevil\u202c session"
    result = load_checked(write_csv(tmp_path / "invisible.csv", rows))
    assert set(result.sessions["mentor_name"]) == {"Mentor A"}
    assert "control or invisible character" in result.quarantine["reason"].iloc[0]
    assert result.sessions.set_index("session_id").at["SS4", "learner_feedback"] == "Fine evil session"
    said = [note for note in result.notes if "invisible character, removed" in note]
    assert said == ["2 Mentor_Name value(s) held a NUL byte or another control or invisible character, removed "
                    "(row 2, 3).",
                    "1 Learner_Feedback value(s) held a NUL byte or another control or invisible character, removed "
                    "(row 6)."]


def test_a_nul_byte_inside_a_value_is_removed_and_said(tmp_path: Path) -> None:
    rows = [dict(r) for r in FIVE]
    rows[2]["Learner_Feedback"] = "Clear\x00 advice"
    result = load_checked(write_csv(tmp_path / "nul.csv", rows))
    assert result.sessions.set_index("session_id").at["SS2", "learner_feedback"] == "Clear advice"
    assert [n for n in result.notes if "NUL" in n] == [
        "1 Learner_Feedback value(s) held a NUL byte or another control or invisible character, removed (row 4)."]
    assert not [n for n in load_checked(write_csv(tmp_path / "clean.csv", FIVE)).notes if "NUL" in n]
    totals, chunks = stream_sessions(tmp_path / "nul.csv", chunk_rows=2, stream_bytes=0, timezone=TZ)
    list(chunks)
    assert [n for n in totals.notes if "NUL" in n] == [n for n in result.notes if "NUL" in n]


def test_a_row_repeated_but_for_a_space_or_a_names_case_is_a_duplicate_not_a_conflict(tmp_path: Path) -> None:
    again = dict(FIVE[0], Session_ID=" SS0", Mentor_Name="mentor a")
    for frame_rows, name in ((FIVE + [again], "dup.csv"),):
        result = load_checked(write_csv(tmp_path / name, frame_rows))
        assert len(result.sessions) == 5 and len(result.duplicates) == 1 and result.quarantine.empty
    totals, chunks = stream_sessions(write_csv(tmp_path / "streamed.csv", FIVE + [again]), stream_bytes=1,
                                     chunk_rows=2, timezone="UTC")
    streamed = list(chunks)
    assert sum(len(c.sessions) for c in streamed) == 5 and totals.duplicates == 1


def test_a_session_whose_id_is_total_is_kept_and_a_totals_row_is_not(tmp_path: Path) -> None:
    rows = [dict(r) for r in FIVE] + [row(Session_ID="Total", Learner_ID="L9")]
    result = load_checked(write_csv(tmp_path / "total_id.csv", rows))
    assert "Total" in set(result.sessions["session_id"]) and result.skipped.empty
    sums = pd.concat([pd.DataFrame(FIVE, columns=HEADER),
                      pd.DataFrame([["Total", *[""] * 12, "5", *[""] * 7]], columns=HEADER)])
    path = tmp_path / "sums.csv"
    sums.to_csv(path, index=False)
    assert load_checked(path).skipped["kind"].tolist() == ["totals row"]


def test_zoned_parquet_timestamps_fall_on_the_programs_day(tmp_path: Path) -> None:
    frame = pd.DataFrame(FIVE, columns=HEADER)
    frame["Session_Date"] = pd.to_datetime(["2025-09-30 20:00"] * 5).tz_localize("UTC")
    path = tmp_path / "zoned.parquet"
    frame.to_parquet(path)
    result = load_sessions(path, timezone="Asia/Kolkata")
    assert set(result.sessions["session_date"].dt.strftime("%Y-%m-%d")) == {"2025-10-01"}


def test_an_unclosed_quote_costs_its_own_row_and_the_rows_after_it_are_read(tmp_path: Path) -> None:
    text = pd.DataFrame(FIVE, columns=HEADER).to_csv(index=False, lineterminator="\n").splitlines()
    text[3] += ',"'
    path = tmp_path / "open_quote.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    result = load_checked(path)
    reason = result.quarantine["reason"].iloc[0]
    assert reason.startswith("a quote opened in this row is not closed (it would have read the 2 row(s) after it "
                             "into this one; they are read as rows of their own)")
    assert "SS2," in reason and result.quarantine["source_row"].tolist() == [4]
    assert result.sessions["source_row"].tolist() == [2, 3, 5, 6] and result.rows_read == 5


def test_two_columns_for_one_field_are_named_by_position(tmp_path: Path) -> None:
    text = pd.DataFrame(FIVE, columns=HEADER).to_csv(index=False, lineterminator="\n").splitlines()
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([text[0] + ",Mentor_Name", *(line + ",Other" for line in text[1:])]) + "\n")
    with pytest.raises(LoadError, match=r"twice.csv: columns 10 and 22 are both headed 'Mentor_Name'; keep one."):
        load_sessions(twice, timezone="UTC")
    alias = tmp_path / "alias.csv"
    alias.write_text("\n".join([text[0] + ",mentor name", *(line + ",Other" for line in text[1:])]) + "\n")
    with pytest.raises(LoadError, match=r"columns 10 \('Mentor_Name'\) and 22 \('mentor name'\) both mean Mentor_Name"):
        load_sessions(alias, timezone="UTC")
    blank = tmp_path / "blank.csv"
    blank.write_text("\n".join([text[0] + ",", *(line + ",x" for line in text[1:])]) + "\n")
    assert any("column 22 (no header)" in note for note in load_checked(blank).notes)


def test_an_excel_error_cell_is_a_bad_value_and_a_serial_with_a_time_is_its_day(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for r in FIVE:
        sheet.append([r[h] for h in HEADER])
    rating, date = HEADER.index("Post_Session_Rating") + 1, HEADER.index("Session_Date") + 1
    sheet.cell(row=3, column=rating).value = "#DIV/0!"
    assert sheet.cell(row=3, column=rating).data_type == "e"
    sheet.cell(row=4, column=date).value = "45908.75"
    path = tmp_path / "errors.xlsx"
    book.save(path)
    result = load_checked(path)
    assert result.quarantine["reason"].tolist() == ["not a whole-number rating: '#DIV/0!'"]
    assert result.quarantine["source_row"].tolist() == [3]
    assert result.sessions.set_index("session_id").at["SS2", "session_date"] == pd.Timestamp("2025-09-08")


def test_a_joiner_does_not_split_a_mentor(tmp_path: Path) -> None:
    rows = [dict(r) for r in FIVE]
    rows[0]["Mentor_Name"] = "Mentor A\u200d"
    rows[1]["Mentor_Name"] = "Mentor\u200c A"
    path = tmp_path / "joiners.csv"
    path.write_text(pd.DataFrame(rows, columns=HEADER).to_csv(index=False), encoding="utf-8")
    assert set(load_checked(path).sessions["mentor_name"]) == {"Mentor A"}


def test_many_extra_columns_are_counted_in_one_short_note(tmp_path: Path) -> None:
    frame = pd.DataFrame(FIVE, columns=HEADER)
    extra = pd.DataFrame({f"Extra_{i}": "x" for i in range(30)}, index=frame.index)
    path = tmp_path / "wide.csv"
    pd.concat([frame, extra], axis=1).to_csv(path, index=False)
    (note,) = [n for n in load_checked(path).notes if "not in the session export format" in n]
    assert note == ("ignored 30 column(s) not in the session export format: "
                    + ", ".join(f"Extra_{i}" for i in range(10)) + " and 20 more.")

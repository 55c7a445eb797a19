"""Loader: every messy input alone and mixed, exact counts, reasons and canonical values."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import GOOD_ROW, HEADER, TZ, load_checked, row, write_csv

from mentortrack.contract.load import LoadError, load_sessions
from mentortrack.contract.sample import write_sample


def test_good_row_types_and_values(tmp_path: Path) -> None:
    result = load_checked(write_csv(tmp_path / "a.csv", [row()]))
    s = result.sessions.iloc[0]
    assert s["session_id"] == "SS1001"
    assert s["session_date"] == pd.Timestamp("2025-09-08")
    assert s["session_time"] == "15:00"
    assert s["post_session_rating"] == 4
    assert bool(s["learner_attended"]) is True and bool(s["follow_up_scheduled"]) is False
    assert s["mentor_prep_done"] == "Yes" and result.sessions["mentor_prep_done"].cat.ordered
    assert s["source_row"] == 2
    assert pd.isna(s["issue_flag"])
    assert result.quarantine.empty and result.duplicates.empty


@pytest.mark.parametrize(("raw", "canonical"), [
    ("No-Show", "No-show"), ("no show", "No-show"), ("completed ", "Completed"), (" COMPLETED", "Completed"),
    ("canceled", "Cancelled"), ("Re-scheduled", "Rescheduled"),
])
def test_status_spellings(tmp_path: Path, raw: str, canonical: str) -> None:
    result = load_checked(write_csv(tmp_path / "a.csv", [row(Session_Status=raw, Post_Session_Rating="")]))
    assert result.sessions["session_status"].iloc[0] == canonical


@pytest.mark.parametrize(("raw", "value"), [("Y", True), ("yes", True), ("TRUE", True), ("1", True),
                                            ("N", False), ("no", False), ("False", False), ("0", False)])
def test_boolean_spellings(tmp_path: Path, raw: str, value: bool) -> None:
    result = load_checked(write_csv(tmp_path / "a.csv", [row(Follow_Up_Scheduled=raw)]))
    assert bool(result.sessions["follow_up_scheduled"].iloc[0]) is value


@pytest.mark.parametrize(("raw", "value"), [("9:00", "09:00"), ("15:00:00", "15:00"), ("3 PM", "15:00"),
                                            ("12:30 am", "00:30"), ("9.30", "09:30")])
def test_times(tmp_path: Path, raw: str, value: str) -> None:
    assert load_checked(write_csv(tmp_path / "a.csv", [row(Session_Time=raw)])).sessions["session_time"].iloc[0] == value


@pytest.mark.parametrize(("changes", "column", "reason"), [
    ({"Session_ID": ""}, "Session_ID", "missing value"),
    ({"Post_Session_Rating": "7"}, "Post_Session_Rating", "rating outside 1–5 '7'"),
    ({"Post_Session_Rating": "0"}, "Post_Session_Rating", "rating outside 1–5 '0'"),
    ({"Post_Session_Rating": "four"}, "Post_Session_Rating", "not a whole-number rating: 'four'"),
    ({"Post_Session_Rating": "3.5"}, "Post_Session_Rating", "not a whole-number rating: '3.5'"),
    ({"Session_Date": "2025-13-45"}, "Session_Date", "not a date: '2025-13-45'"),
    ({"Session_Status": "Done?"}, "Session_Status", "unknown status"),
    ({"Actual_Duration_mins": "-5"}, "Actual_Duration_mins", "negative minutes '-5'"),
    ({"Actual_Duration_mins": "long"}, "Actual_Duration_mins", "not a whole number: 'long'"),
    ({"Learner_Attended": "maybe"}, "Learner_Attended", "not yes/no: 'maybe'"),
    ({"Mentor_Prep_Done": "kinda"}, "Mentor_Prep_Done", "not Yes/Partial/No: 'kinda'"),
    ({"Session_Time": "25:99"}, "Session_Time", "not a clock time: '25:99'"),
    ({"Mentor_Name": "  "}, "Mentor_Name", "missing value"),
])
def test_bad_cells_are_quarantined_with_row_column_reason(tmp_path: Path, changes: dict[str, str],
                                                          column: str, reason: str) -> None:
    rows = [row(Session_ID="SS1"), row(Session_ID="SS2", **changes) if "Session_ID" not in changes else row(**changes),
            row(Session_ID="SS3")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert len(result.sessions) == 2 and len(result.quarantine) == 1
    q = result.quarantine.iloc[0]
    assert q["source_row"] == 3 and q["column"] == column and reason in q["reason"]
    assert q["source_file"].endswith("a.csv")


def test_exact_duplicates_dropped_and_conflicting_ids_quarantined(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1"), row(Session_ID="SS1"), row(Session_ID="SS1"),
            row(Session_ID="SS2"), row(Session_ID="SS2", Post_Session_Rating="2"), row(Session_ID="SS3")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert result.rows_read == 6
    assert list(result.sessions["session_id"]) == ["SS1", "SS3"]
    assert result.duplicates["source_row"].tolist() == [3, 4]
    assert result.duplicates["duplicate_of_row"].tolist() == [2, 2]
    assert result.quarantine["source_row"].tolist() == [5, 6]
    assert "Session_ID SS2 appears with conflicting content in rows 5, 6" in result.quarantine["reason"].iloc[0]


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_delimiters_and_encodings(tmp_path: Path, sep: str, encoding: str) -> None:
    rows = [row(Learner_Feedback="Très bien, merci"), row(Session_ID="SS2")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows, sep=sep, encoding=encoding))
    assert len(result.sessions) == 2
    assert result.sessions["learner_feedback"].iloc[0] == "Très bien, merci"
    assert result.sessions.columns[1] == "session_id"


def test_headers_matched_case_and_space_insensitively(tmp_path: Path) -> None:
    frame = pd.DataFrame([GOOD_ROW]).rename(columns={"Session_ID": " session id", "Mentor_Name": "MENTOR NAME",
                                                     "Session_Status": "session-status"})
    frame["Extra Column"] = "x"
    frame.to_csv(tmp_path / "a.csv", index=False)
    result = load_checked(tmp_path / "a.csv")
    assert result.sessions["mentor_name"].iloc[0] == "Sneha Reddy"
    assert any("Extra Column" in n for n in result.notes)


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    pd.DataFrame([GOOD_ROW])[["Session_ID", "Session_Date", "Mentor_Name", "Session_Status"]].to_csv(tmp_path / "a.csv", index=False)
    result = load_checked(tmp_path / "a.csv")
    assert result.sessions["post_session_rating"].isna().all()
    assert any("optional column(s) absent" in n for n in result.notes)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\n\n  \n", "the file is empty"),
    (",".join(HEADER).encode() + b"\n", "header but no session rows"),
    (b"name,age\nann,3\n", "no session columns found"),
    (b"\x00\x01\x02binary", "not a text table"),
    (b"Session_ID,Session_Date,Session_Status\nSS1,2025-09-01,Completed\n", "required column(s) missing: Mentor_Name"),
])
def test_whole_file_problems_raise_one_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=re.escape(message)) as err:
        load_sessions(path, timezone=TZ)
    assert str(path) in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no such file"):
        load_sessions(tmp_path / "nope.csv", timezone=TZ)


def test_ambiguous_dates_follow_file_evidence_and_are_reported(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1", Session_Date="25/09/2025"), row(Session_ID="SS2", Session_Date="03/09/2025"),
            row(Session_ID="SS3", Session_Date="8 Sep 2025")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert result.sessions["session_date"].tolist() == [pd.Timestamp("2025-09-25"), pd.Timestamp("2025-09-03"),
                                                         pd.Timestamp("2025-09-08")]
    assert any("could be day-first or month-first; read as day-first" in n for n in result.notes)


def test_month_first_evidence(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1", Session_Date="09/25/2025"), row(Session_ID="SS2", Session_Date="09/03/2025")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert result.sessions["session_date"].tolist() == [pd.Timestamp("2025-09-25"), pd.Timestamp("2025-09-03")]
    assert any("read as month-first" in n for n in result.notes)


def test_ragged_rows_are_quarantined_not_lost(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(Session_ID="SS1"), row(Session_ID="SS2")])
    with path.open("a") as fh:
        fh.write("SS3,2025-09-01,too,few\n")
    result = load_checked(path)
    assert len(result.sessions) == 2 and len(result.quarantine) == 1
    assert result.quarantine["source_row"].iloc[0] == 4 and "has 4 fields" in result.quarantine["reason"].iloc[0]


def test_data_quality_warnings(tmp_path: Path) -> None:
    rows = [
        row(Session_ID="SS1", Session_Status="Cancelled", Learner_Attended="Yes", Actual_Duration_mins="0",
            Post_Session_Rating="", Learner_Feedback=""),
        row(Session_ID="SS2", Session_Status="No-show", Post_Session_Rating="3", Actual_Duration_mins="0",
            Learner_Attended="No", Learner_Feedback=""),
        row(Session_ID="SS3", Issue_Flag="session ended early (< 20 mins)", Actual_Duration_mins="59"),
        row(Session_ID="SS4", Scheduled_Duration_mins="30", Actual_Duration_mins="75"),
    ]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert len(result.sessions) == 4
    assert result.counts["warnings"] == {"attendance_contradicts_status": 1, "rating_on_non_completed": 1,
                                         "flag_contradicts_duration": 1, "duration_overrun": 1}
    assert result.sessions["issue_flag"].iloc[2] == "Session ended early (< 20 mins)"
    early = result.warnings[result.warnings["kind"] == "flag_contradicts_duration"].iloc[0]
    assert early["source_row"] == 4 and early["column"] == "Issue_Flag"


def test_case_variants_unified(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1"), row(Session_ID="SS2"), row(Session_ID="SS3", Mentor_Name="sneha reddy")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows))
    assert set(result.sessions["mentor_name"]) == {"Sneha Reddy"}


def test_mixed_messy_file_accounts_for_every_row(tmp_path: Path) -> None:
    rows = [row(Session_ID=f"SS{i}") for i in range(10)]
    rows += [row(Session_ID="SS3"), row(Session_ID="SS4", Post_Session_Rating="1"), row(Session_ID="",),
             row(Session_ID="SS20", Session_Status="no show", Post_Session_Rating=""),
             row(Session_ID="SS21", Post_Session_Rating="7", Session_Date="soon")]
    result = load_checked(write_csv(tmp_path / "a.csv", rows, sep=";", encoding="utf-8-sig"))
    assert (result.rows_read, len(result.sessions), len(result.quarantine), len(result.duplicates)) == (15, 10, 4, 1)
    both = result.quarantine[result.quarantine["source_row"] == 16].iloc[0]
    assert both["column"] == "Session_Date; Post_Session_Rating"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_round_trip_generated_sample(tmp_path: Path, suffix: str) -> None:
    path = write_sample(tmp_path / f"s{suffix}", rows=400, seed=11, mentors=15)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False) if suffix == ".csv" else None
    result = load_checked(path)
    assert len(result.sessions) == 400 and result.quarantine.empty and result.duplicates.empty
    if raw is not None:
        assert result.sessions["session_id"].tolist() == raw["Session_ID"].tolist()
        assert result.sessions["post_session_rating"].astype("string").fillna("").tolist() == raw["Post_Session_Rating"].tolist()


def test_excel_wrong_sheet(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "s.xlsx", rows=20, seed=1, mentors=15)
    with pytest.raises(LoadError, match="no sheet 'Sessions'"):
        load_sessions(path, sheet="Sessions", timezone=TZ)


def test_messy_generated_sample_reconciles(tmp_path: Path) -> None:
    path = write_sample(tmp_path / "m.csv", rows=1000, seed=5, mentors=20, messy=0.05)
    result = load_checked(path)
    assert len(result.quarantine) > 0 and len(result.duplicates) > 0
    assert result.rows_read == len(pd.read_csv(path, dtype=str))


LEGACY_XLS = Path(__file__).parent / "data" / "legacy_export.xls"
"""Three sessions written as Excel 97–2003 (.xls, OLE2) with xlwt."""


def test_an_old_xls_workbook_is_read_with_calamine() -> None:
    result = load_checked(LEGACY_XLS)
    assert result.sessions["session_id"].tolist() == ["SS9001", "SS9002", "SS9003"]
    assert result.sessions["session_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-09-08", "2025-09-09", "2025-10-01"]


def test_a_misnamed_file_is_read_by_its_content(tmp_path: Path) -> None:
    from mentortrack.contract.load import sniff_format

    csv = write_csv(tmp_path / "export.csv", [row(Session_ID="SS1"), row(Session_ID="SS2")])
    as_xls = tmp_path / "export.xls"
    as_xls.write_bytes(csv.read_bytes())
    assert sniff_format(as_xls) == "text"
    result = load_checked(as_xls)
    assert result.sessions["session_id"].tolist() == ["SS1", "SS2"]
    assert any("export.xls is a text table (CSV)" in note for note in result.notes)
    workbook = tmp_path / "book.xlsx"
    pd.read_csv(csv, dtype=str).to_excel(workbook, index=False)
    as_csv = tmp_path / "book.csv"
    as_csv.write_bytes(workbook.read_bytes())
    assert sniff_format(as_csv) == "xlsx" and load_checked(as_csv).sessions["session_id"].tolist() == ["SS1", "SS2"]
    legacy_as_csv = tmp_path / "legacy.csv"
    legacy_as_csv.write_bytes(LEGACY_XLS.read_bytes())
    assert sniff_format(legacy_as_csv) == "xls" and len(load_checked(legacy_as_csv).sessions) == 3
    parquet = tmp_path / "t.txt"
    pd.read_csv(csv, dtype=str).to_parquet(parquet)
    assert sniff_format(parquet) == "parquet" and len(load_checked(parquet).sessions) == 2

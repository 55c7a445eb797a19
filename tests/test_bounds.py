"""Inputs as platforms write them, bounds said in one line, settings checked before data, and no silent
defaults on the command line."""

from __future__ import annotations

import re
import shutil
import zipfile
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from conftest import TZ, row, write_csv
from typer.testing import CliRunner

from mentortrack.analytics.enrich import NLP_TEXT_LIMIT, nlp_text
from mentortrack.cli import app
from mentortrack.config import ParameterError, load_parameters
from mentortrack.contract.load import CELL_LIMIT, LoadError, load_sessions
from mentortrack.contract.quality import plausible_until

REPO = Path(__file__).resolve().parent.parent
HEADER = "Session_ID,Session_Date,Mentor_Name,Session_Status,Learner_Feedback\n"


def _csv(tmp_path: Path, body: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_one_bad_year_quarantines_its_row_only(tmp_path: Path) -> None:
    loaded = load_sessions(_csv(tmp_path, "S1,2025-09-08,Ann,Completed,ok\nS2,2925-09-08,Ann,Completed,ok\n"), timezone=TZ)
    assert loaded.sessions["session_id"].tolist() == ["S1"]
    assert loaded.quarantine[["source_row", "column"]].values.tolist() == [[3, "Session_Date"]]
    assert "date outside 1900–2100" in loaded.quarantine["reason"].iloc[0]


def test_timestamps_with_a_zone_are_read_in_the_programs_time_zone(tmp_path: Path) -> None:
    body = ("S1,2025-09-08T22:30:00Z,Ann,Completed,ok\nS2,2025-09-08T10:00:00+05:30,Ann,Completed,ok\n"
            "S3,2025-09-08T23:00:00-04:00,Ann,Completed,ok\nS4,2025-09-08,Ann,Completed,ok\n")
    loaded = load_sessions(_csv(tmp_path, body), timezone="Asia/Kolkata")
    days = dict(zip(loaded.sessions["session_id"], loaded.sessions["session_date"].dt.strftime("%Y-%m-%d")))
    # 22:30 UTC is 04:00 the next day in Kolkata; 23:00 at -04:00 is 08:30 the next day
    assert days == {"S1": "2025-09-09", "S2": "2025-09-08", "S3": "2025-09-09", "S4": "2025-09-08"}
    assert any("converted to Asia/Kolkata" in note for note in loaded.notes)
    from mentortrack.contract.stream import stream_sessions

    _, chunks = stream_sessions(_csv(tmp_path, body), chunk_rows=2, stream_bytes=10, timezone="Asia/Kolkata")  # read in chunks: same days
    streamed = pd.concat([chunk.sessions for chunk in chunks])
    assert dict(zip(streamed["session_id"], streamed["session_date"].dt.strftime("%Y-%m-%d"))) == days
    in_utc = load_sessions(_csv(tmp_path, body), timezone="UTC").sessions
    assert in_utc["session_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-09-08", "2025-09-08", "2025-09-09",
                                                                       "2025-09-08"]


def test_implausible_dates_warn(tmp_path: Path) -> None:
    late = f"{plausible_until().year + 1}-01-05"
    loaded = load_sessions(_csv(tmp_path, f"S1,1999-12-31,Ann,Completed,ok\nS2,{late},Ann,Completed,ok\n"
                                          "S3,2025-09-08,Ann,Completed,ok\n"), timezone=TZ)
    assert len(loaded.sessions) == 3
    flagged = loaded.warnings[loaded.warnings["kind"] == "implausible_date"]
    assert flagged["session_id"].tolist() == ["S1", "S2"]


def test_nfc_and_nfd_names_are_one_mentor_and_line_breaks_are_spaces(tmp_path: Path) -> None:
    rows = [row(Session_ID="N1", Mentor_Name="Jos\u00e9 Kumar"), row(Session_ID="N2", Mentor_Name="Jose\u0301 Kumar"),
            row(Session_ID="N3", Mentor_Name="Ann", Session_Type="Mock\u2028Interview\x85")]
    sessions = load_sessions(write_csv(tmp_path / "n.csv", rows), timezone=TZ).sessions
    assert sessions["mentor_name"].tolist() == ["Jos\u00e9 Kumar", "Jos\u00e9 Kumar", "Ann"]
    assert sessions["session_type"].iloc[2] == "Mock Interview"


@pytest.mark.parametrize("ragged", [False, True])
def test_a_cell_over_128_kb_is_read_and_one_over_the_limit_quarantines_its_row(tmp_path: Path, ragged: bool) -> None:
    long = "good " * 40_000  # 200 KB: beyond the csv module's default field limit
    loaded = load_sessions(_csv(tmp_path, f"S1,2025-09-08,Ann,Completed,{long}\nS2,2025-09-08,Ann,Completed,ok\n"), timezone=TZ)
    assert len(loaded.sessions) == 2 and len(loaded.sessions["learner_feedback"].iloc[0]) > 190_000
    huge = "x" * (CELL_LIMIT + 10)
    extra = "S4,2025-09-08,Ann\n" if ragged else ""  # the careful reader (a short row) as well as the fast one
    loaded = load_sessions(_csv(tmp_path, f"S1,2025-09-08,Ann,Completed,ok\nS2,2025-09-08,Ann,Completed,\"{huge}\"\n"
                                          f"S3,2025-09-09,Ann,Completed,ok\n{extra}", "huge.csv"), timezone=TZ)
    assert loaded.sessions["session_id"].tolist() == ["S1", "S3"]
    first = loaded.quarantine.iloc[0]
    assert (first["source_row"], first["column"]) == (3, "Learner_Feedback")
    assert "a cell of 1,048,586 characters; at most 1,048,576 are read" in first["reason"]
    assert loaded.rows_read == 3 + ragged and len(loaded.quarantine) == 1 + ragged


def test_a_200000_column_header_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(HEADER.strip() + "," + ",".join(f"x{i}" for i in range(200_000)) + "\n"
                    + "S1,2025-09-08,Ann,Completed,ok" + "," * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"the header has 200,005 columns"):
        load_sessions(path, timezone=TZ)


def test_a_workbook_with_one_cell_at_xfd1048576_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "stray.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Sessions")
    for column, value in enumerate(HEADER.strip().split(",")):
        sheet.write(0, column, value)
    for column, value in enumerate(["S1", "2025-09-08", "Ann", "Completed", "ok"]):
        sheet.write(1, column, value)
    sheet.write(1_048_575, 16_383, "stray")
    book.close()
    assert path.stat().st_size < 10_000
    with pytest.raises(LoadError, match=r"sheet 'Sessions' spans A1:XFD1048576 \(1,048,576 rows x 16,384 columns\)"):
        load_sessions(path, timezone=TZ)
    undeclared = tmp_path / "undeclared.xlsx"  # the same without its <dimension> tag: the cells are measured
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(undeclared, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"<dimension[^>]*/>", b"", data)
            target.writestr(item, data)
    with pytest.raises(LoadError, match=r"spans A1:XFD1048576"):
        load_sessions(undeclared, timezone=TZ)


def test_long_feedback_is_cut_for_nlp_with_a_note(caplog: pytest.LogCaptureFixture) -> None:
    texts = pd.Series(["short", "word " * 1000, None], dtype="string")
    with caplog.at_level("WARNING"):
        read = nlp_text(texts)
    assert read.iloc[0] == "short" and pd.isna(read.iloc[2])
    assert len(read.iloc[1]) <= NLP_TEXT_LIMIT and read.iloc[1].endswith("word")
    assert "1 feedback text(s) longer than 2000 characters" in caplog.text
    assert nlp_text(pd.Series(["a", "b"])).tolist() == ["a", "b"]


def _override(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "parameters"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(("name", "text", "message"), [
    ("lifecycle", "timezone: Mars/Olympus_Mons\n", "timezone: expected an IANA time zone such as Asia/Kolkata or Europe/Berlin, got 'Mars/Olympus_Mons'"),
    ("lifecycle", "followups:\n  window_days: 1000000000000\n", "followups.window_days: expected input should be less"),
    ("lifecycle", "followups:\n  slot_hour: 23\n", "followups.slot_hour"),
    ("lifecycle", "followups:\n  slot_hour: 17\n  slot_minutes: 90\n", "the first call ends by 18:00"),
    ("lifecycle", "reminders:\n  days: [1, 1000000000000]\n", "days from 1 to 366"),
    ("lifecycle", "digest:\n  report_url: file:///srv/reports\n", "an https:// address"),
    ("warnings", "engagement:\n  quiet_days: 1000000000000\n", "engagement.quiet_days"),
    ("report", "workers: 100000\n", "workers"),
])
def test_settings_are_bounded(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(ParameterError, match=message.replace("(", r"\(")):
        load_parameters(name, _override(tmp_path, name, text))


def test_a_yaml_alias_bomb_is_one_error(tmp_path: Path) -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    with pytest.raises(ParameterError, match="expands to more than 100,000 values"):
        load_parameters("report", _override(tmp_path, "report", "\n".join(lines) + "\n"))


def test_bad_settings_stop_the_cli_before_any_data_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "parameters"
    shutil.copytree(REPO / "parameters", folder)
    lifecycle = folder / "lifecycle.yaml"
    lifecycle.write_text(lifecycle.read_text().replace("timezone: Asia/Kolkata", "timezone: Mars/Olympus_Mons"))
    result = CliRunner().invoke(app, ["--parameters", str(folder), "validate", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "Mars/Olympus_Mons" in result.stderr and "Traceback" not in result.stderr
    assert "missing.csv" not in result.stderr


def test_a_quarantine_file_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--quarantine", str(tmp_path / "nope" / "q.csv")])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: --quarantine {tmp_path / 'nope' / 'q.csv'}: the folder "
                                     f"{tmp_path / 'nope'} does not exist (create it or choose another).")


@pytest.mark.slow
def test_dates_out_of_the_data_are_one_line_and_defaults_are_the_datas_last_day(bundled_enriched: Path,
                                                                                 tmp_path: Path) -> None:
    runner = CliRunner()
    data = str(bundled_enriched)
    far = runner.invoke(app, ["reminders", data, "--as-of", "2999-01-01", "--out", str(tmp_path / "r")])
    assert far.exit_code == 2 and far.stderr.strip() == "error: --as-of 2999-01-01: outside the years 1900–2100"
    early = runner.invoke(app, ["followups", data, "--as-of", "2020-01-01", "--out", str(tmp_path / "f")])
    assert early.exit_code == 2 and early.stderr.strip().splitlines()[-1] == (
        "error: --as-of 2020-01-01 is before the data's first session (2024-04-01); nothing to do then")
    # a date-time with a zone is the program's time (Asia/Kolkata): 23:00 UTC on 30 Oct is 04:30 on 31 Oct there
    zoned = runner.invoke(app, ["alerts", data, "--as-of", "2025-10-30T23:00Z"])
    assert zoned.exit_code == 0, zoned.output
    assert "# Red sessions, 24 h to 2025-10-31 04:30 IST" in zoned.stdout
    for command in (["reminders", data, "--as-of", "2025-10-06T10:00+05:30", "--out", str(tmp_path / "z")],
                    ["digest", data, "--week-of", "2025-10-08T10:00Z", "--out", str(tmp_path / "zd")]):
        assert runner.invoke(app, command).exit_code == 0, command
    month = runner.invoke(app, ["digest", data, "--month", "2020-01", "--out", str(tmp_path / "d")])
    assert month.exit_code == 2 and "the data starts on 2024-04-01, after the January 2020" in month.stderr
    default = runner.invoke(app, ["followups", data, "--out", str(tmp_path / "f")])
    assert default.exit_code == 0, default.stderr
    assert "note: no --as-of given: using the data's last day, 2025-10-31" in default.stderr
    assert "note: 2 of 24 mentors have no address" in default.stderr  # listed and counted
    assert "is not a valid e-mail address" not in default.stderr
    mentor = pd.read_csv(tmp_path / "f" / "followup_queue.csv")["mentor_name"].iloc[0]
    directory = tmp_path / "directory.csv"
    entries = pd.read_csv(files("mentortrack") / "data" / "mentor_directory.csv")
    entries.loc[entries["Mentor_Name"] == mentor, "Mentor_Email"] = "someone@mentors\r\nBcc: spy@evil.example"
    entries.to_csv(directory, index=False)
    bad = runner.invoke(app, ["followups", data, "--directory", str(directory), "--out", str(tmp_path / "f2")])
    assert bad.exit_code == 0 and (f"note: the directory's address of {mentor} is not a valid e-mail address; "
                                   "their invites invite no mentor (correct the directory)") in bad.stderr
    mails = runner.invoke(app, ["email", data, "--out", str(tmp_path / "m")])
    assert mails.exit_code == 0 and "using the month of the data's last day, 2025-10" in mails.stderr
    late = runner.invoke(app, ["email", data, "--period", "2999-01", "--out", str(tmp_path / "m")])
    assert late.exit_code == 2 and late.stderr.strip() == (
        "error: --period 2999-01: the data covers 2024-04-01 to 2025-10-31, not January 2999")


@pytest.mark.slow
def test_a_directory_that_knows_no_mentor_is_an_error_naming_directory(bundled_enriched: Path, tmp_path: Path) -> None:
    other = tmp_path / "directory.csv"
    other.write_text("Mentor_Name,Mentor_Email\nSomeone Else,else@x.org\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["email", str(bundled_enriched), "--directory", str(other),
                                      "--out", str(tmp_path / "mail")])
    assert result.exit_code == 2
    assert f"{other} has an address for none of the 24 mentors in the data" in result.stderr
    assert "--directory FILE" in result.stderr and not (tmp_path / "mail").exists()

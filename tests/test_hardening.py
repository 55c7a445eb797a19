"""Export shapes real platforms and spreadsheets produce, unsafe identifiers and addresses, damaged state."""

from __future__ import annotations

import logging
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADER, SETTINGS, TZ, load_checked, row, write_csv

from mentortrack.analytics import cache
from mentortrack.contract.addresses import address_problem, is_valid
from mentortrack.contract.load import LoadError, load_sessions
from mentortrack.reports.work_folder import MARKER, MARKER_HEADER, remove_leftovers
from mentortrack.safe_paths import UnsafePathError, inside, safe_name

FIVE = [row(Session_ID=f"SS{i}", Learner_ID=f"L{i}") for i in range(5)]


def frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=HEADER)


@pytest.mark.parametrize(("encoding", "sep", "name"), [("utf-16", "\t", "UTF-16"), ("utf-32", ";", "UTF-32"),
                                                      ("utf-16", ",", "UTF-16")])
def test_unicode_text_with_a_byte_order_mark_is_read(tmp_path: Path, encoding: str, sep: str, name: str) -> None:
    path = write_csv(tmp_path / "export.csv", FIVE, sep=sep, encoding=encoding)
    result = load_checked(path)
    assert len(result.sessions) == 5 and result.sessions["session_id"].tolist() == [f"SS{i}" for i in range(5)]
    assert any(f"is {name} text" in n for n in result.notes)
    assert (sep == ",") or any("as delimiter" in n for n in result.notes)


def test_title_and_blank_rows_above_the_csv_header_are_skipped_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Mentor sessions export - Sept 2025\n\n" + frame(FIVE).to_csv(sep=";", index=False), encoding="utf-8")
    result = load_checked(path)
    assert len(result.sessions) == 5 and result.rows_read == 5
    assert result.sessions["source_row"].tolist() == [4, 5, 6, 7, 8]
    assert any("header is on row 3" in n for n in result.notes)


def test_title_rows_in_a_workbook_and_sessions_on_the_second_sheet(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"About": ["Sessions are on the next sheet"]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame([["Mentor sessions export - Sept 2025"], [""]]).to_excel(book, sheet_name="Data", index=False,
                                                                            header=False)
        frame(FIVE).to_excel(book, sheet_name="Data", index=False, startrow=2)
    result = load_checked(path)
    assert len(result.sessions) == 5 and result.sessions["source_row"].tolist() == [4, 5, 6, 7, 8]
    assert any("sheet 'Data'" in n and "'Info'" in n for n in result.notes)
    assert any("header is on row 3" in n for n in result.notes)


def test_a_workbook_without_session_columns_names_its_sheets(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with pd.ExcelWriter(path) as book:
        pd.DataFrame({"a": [1]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame({"b": [2]}).to_excel(book, sheet_name="Budget", index=False)
    with pytest.raises(LoadError, match=r"no sheet has session columns.*'Info', 'Budget'"):
        load_sessions(path, timezone=TZ)


def test_excel_serial_dates_and_day_fractions_are_read_with_a_note(tmp_path: Path) -> None:
    rows = [row(Session_ID=f"SS{i}", Session_Date=str(45908 + i), Session_Time="0.625") for i in range(3)]
    result = load_checked(write_csv(tmp_path / "serial.csv", rows))
    assert result.sessions["session_date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-09-08", "2025-09-09", "2025-09-10"]
    assert result.sessions["session_time"].tolist() == ["15:00"] * 3
    assert any("3 dates were Excel serial numbers (e.g. 45908 = 2025-09-08)" in n for n in result.notes)
    xlsx = tmp_path / "serial.xlsx"
    table = frame(rows)
    table["Session_Date"] = [45908, 45909, 45910]
    table.to_excel(xlsx, index=False)
    assert load_checked(xlsx).sessions["session_date"].dt.day.tolist() == [8, 9, 10]


def test_repeated_header_and_totals_rows_are_counted_not_quarantined(tmp_path: Path) -> None:
    table = pd.concat([frame(FIVE[:2]), pd.DataFrame([HEADER], columns=HEADER), frame(FIVE[2:]),
                       pd.DataFrame([["Total", *[""] * 12, "5", *[""] * 7]], columns=HEADER)])
    path = tmp_path / "export.csv"
    table.to_csv(path, index=False)
    result = load_checked(path)
    assert (result.rows_read, len(result.sessions), len(result.quarantine), len(result.skipped)) == (7, 5, 0, 2)
    assert result.skipped.to_dict("records") == [{"source_row": 4, "kind": "repeated header row"},
                                                 {"source_row": 8, "kind": "totals row"}]
    assert result.counts["skipped"] == 2


@pytest.mark.parametrize("bad_id", ["../../x", "SS/1002", "a\\b", "SS\x001", "SS\n2", "x" * 65])
def test_session_ids_that_could_become_paths_are_quarantined(tmp_path: Path, bad_id: str) -> None:
    rows = [row(Session_ID=bad_id), row(Session_ID="SS2")]
    result = load_checked(write_csv(tmp_path / "ids.csv", rows))
    assert result.sessions["session_id"].tolist() == ["SS2"]
    assert result.quarantine.loc[0, "column"] == "Session_ID"
    assert result.quarantine.loc[0, "reason"].startswith("ID ")


def test_learner_id_contract_is_the_same(tmp_path: Path) -> None:
    result = load_checked(write_csv(tmp_path / "ids.csv", [row(Learner_ID="../L1"), row(Session_ID="SS2")]))
    assert result.quarantine["column"].tolist() == ["Learner_ID"] and len(result.sessions) == 1


def test_safe_names_are_plain_unique_and_writes_stay_inside(tmp_path: Path) -> None:
    used: set[str] = set()
    names = [safe_name(v, used) for v in ["../../x", "..\\..\\x", "SS/1002", "SS_1002", "CON", ".hidden", "", "ss_1002"]]
    assert names == ["x", "x-2", "SS_1002", "SS_1002-2", "_CON", "hidden", "item", "ss_1002-3"]
    assert all("/" not in n and "\\" not in n and not n.startswith(".") for n in names)
    inside(tmp_path, tmp_path / "a" / "b.txt")
    with pytest.raises(UnsafePathError):
        inside(tmp_path, tmp_path / ".." / "escape.txt")


def test_every_writer_keeps_hostile_ids_inside_its_folder(tmp_path: Path) -> None:
    from mentortrack.lifecycle.mailer import Mail, write_eml

    out = tmp_path / "out"
    paths = write_eml([Mail(key="session:../../evil:learner", recipient="a@b.org", subject="s", text="t", html="h"),
                       Mail(key="session:SS/1002:mentor", recipient="a@b.org", subject="s", text="t", html="h")],
                      "team@example.org", out)
    assert all(p.parent == out for p in paths) and len(set(paths)) == 2
    assert not (tmp_path / "evil_learner.eml").exists() and not list(tmp_path.glob("*.eml"))
    assert inside(out, paths[0])


def test_an_address_with_a_line_break_is_a_warning_and_never_a_recipient(tmp_path: Path) -> None:
    rows = [row(Session_ID="SS1", Learner_Email="x@y.com\r\nBcc: other@z.com"),
            row(Session_ID="SS2", Learner_Email="learner_2@gmail.com")]
    result = load_checked(write_csv(tmp_path / "mail.csv", rows))
    assert len(result.sessions) == 2
    warning = result.warnings[result.warnings["kind"] == "invalid_learner_email"]
    assert warning["session_id"].tolist() == ["SS1"] and "never used as a recipient" in warning["message"].iloc[0]
    assert not is_valid(result.sessions.loc[0, "learner_email"]) and is_valid("learner_2@gmail.com")
    assert address_problem("nobody") and address_problem("x@y.com\nBcc: z@w.com") == "contains a line break or tab"


def test_invalid_addresses_are_listed_with_the_messages_they_would_have_had(tmp_path: Path) -> None:
    from conftest import enriched

    from mentortrack.lifecycle.mailer import compose

    table = enriched(tmp_path, [row(Session_ID="SS1", Learner_Email="x@y.com Bcc: other@z.com"),
                                row(Session_ID="SS2", Learner_Email="ok@example.org")],
                     ["Positive", "Positive"], ["helpful session", None])
    settings = SETTINGS.lifecycle.email.model_copy(update={"subject_prefix": "[M]", "from_address": "team@example.org"})
    mails, missing, _ = compose(table, "2025-09", {"Sneha Reddy": "mentor@example.org"}, settings,
                                SETTINGS.safeguarding, SETTINGS.warnings.rules)
    recipients = {m.recipient for m in mails}
    assert "ok@example.org" in recipients and not any("Bcc" in r for r in recipients)
    bad = missing[missing["role"] == "learner"]
    assert bad["session_id"].tolist() == ["SS1"] and bad["reason"].iloc[0].startswith("invalid learner e-mail address")


def test_a_damaged_cache_is_moved_aside_and_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "nlp-cache.sqlite"
    cache.put_many("ns", {"a": b"1"}, path)
    assert cache.get_many("ns", ["a"], path) == {"a": b"1"}
    path.write_bytes(path.read_bytes()[:700])
    with caplog.at_level(logging.WARNING):
        assert cache.get_many("ns", ["a"], path) == {}
    assert "damaged" in caplog.text
    cache.put_many("ns", {"a": b"2"}, path)
    assert cache.get_many("ns", ["a"], path) == {"a": b"2"}
    path.write_bytes(b"overwritten by something else" * 50)
    assert cache.get_many("ns", ["a"], path) == {}
    assert len(list(tmp_path.glob("nlp-cache.sqlite.damaged-*"))) == 2
    sqlite3.connect(path).close()


def test_a_cache_that_cannot_be_opened_is_skipped_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    path = blocker / "nlp-cache.sqlite"
    with caplog.at_level(logging.WARNING):
        cache.put_many("ns", {"a": b"1"}, path)
        assert cache.get_many("ns", ["a"], path) == {}
        cache.put_many("ns", {"b": b"2"}, path)
    assert caplog.text.count("working without the NLP cache") == 1


def test_work_folders_of_killed_runs_are_removed(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    killed = tmp_path / ".2025-09.mentortrack-abc123"
    killed.mkdir()
    (killed / MARKER).write_text(f"{MARKER_HEADER}\n{socket.gethostname()}\n{dead.pid}\n")
    running = tmp_path / ".2025-09.mentortrack-def456"
    running.mkdir()
    (running / MARKER).write_text(f"{MARKER_HEADER}\n{socket.gethostname()}\n{os.getpid()}\n")
    assert remove_leftovers(tmp_path) == [killed]
    assert not killed.exists() and running.exists()


def test_all_cases_mixed_in_one_export_are_accounted_for(tmp_path: Path) -> None:
    rows = [row(Session_ID=f"SS{i}", Session_Date=str(45908 + i)) for i in range(6)]
    rows[1]["Session_ID"] = "../../x"
    rows[2]["Learner_Email"] = "x@y.com\r\nBcc: other@z.com"
    rows[3]["Post_Session_Rating"] = "7"
    table = pd.concat([frame(rows[:3]), pd.DataFrame([HEADER], columns=HEADER), frame(rows[3:]), frame(rows[5:]),
                       pd.DataFrame([["Totals", *[""] * 20]], columns=HEADER)])
    body = table.to_csv(sep="\t", index=False)
    path = tmp_path / "mixed.csv"
    path.write_bytes("Exported from the platform\n\n".encode("utf-16") + body.encode("utf-16")[2:])
    result = load_checked(path)
    assert (result.rows_read, len(result.sessions), len(result.quarantine), len(result.duplicates),
            len(result.skipped)) == (9, 4, 2, 1, 2)
    assert sorted(result.quarantine["column"]) == ["Post_Session_Rating", "Session_ID"]
    assert result.warnings["kind"].tolist() == ["invalid_learner_email"]
    notes = " ".join(result.notes)
    for expected in ("UTF-16", "tab", "header is on row 3", "Excel serial numbers", "repeated header row",
                     "totals row"):
        assert expected in notes

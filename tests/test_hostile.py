"""The hostile set: script, event handlers, ``javascript:`` links, ``</title>``, mathtext, formulas and
line-breaking characters in every text column, a column header and the file name; every output is
built and parsed (HTML parser, workbook, CSV, e-mail, invite) for anything live."""

from __future__ import annotations

import email
import email.policy
import re
from html.parser import HTMLParser
from pathlib import Path

import mistune
import openpyxl
import pandas as pd
import pytest
from conftest import SETTINGS, TZ
from icalendar import Calendar

from mentortrack.analytics.enrich import enrich
from mentortrack.contract.load import load_sessions
from mentortrack.contract.sample import generate
from mentortrack.contract.text import LINE_BREAKS
from mentortrack.lifecycle.agenda import load_upcoming, write_agendas
from mentortrack.lifecycle.alerts import digest as alert_digest
from mentortrack.lifecycle.alerts import red_alerts
from mentortrack.lifecycle.digest import Period, compose_digest, gather
from mentortrack.lifecycle.followups import write_followups
from mentortrack.lifecycle.mailer import compose, write_eml
from mentortrack.lifecycle.reminders import compose_reminders, due_reminders
from mentortrack.reports.privacy import FORMULA_PREFIXES

MONTH = "2025-09"
SCRIPT = "<script>alert(1)</script>"
HANDLER = "<img src=x onerror=alert(2)>"
LINK = "[click me](javascript:alert(3))"
TITLE = "</title><script>alert(4)</script>"
MATH = "Budget $_$ track"
FORMULA = '=HYPERLINK("http://evil.example","click")'
BREAKS = "two\u2028lines\x85and\x0bmore"
PAYLOADS = [SCRIPT, HANDLER, LINK, TITLE, MATH, FORMULA, BREAKS]
TEXT_COLUMNS = ["Program", "Batch", "Learner_Name", "Age_Cohort", "Mentor_Name", "Session_Type", "Issue_Flag",
                "Learner_Feedback"]
HOSTILE_HEADER = "<img src=x onerror=alert(5)>"
HOSTILE_FILE = "export <img src=x onerror=alert(6)> $_$ [x](javascript:alert(7)).csv"
HOSTILE_ID = "<img src=x onerror=alert(8)>"


class Live(HTMLParser):
    """What would run in a browser: script elements with injected code, event-handler attributes,
    ``javascript:`` URLs, and elements the data could have opened (img with ``src=x``, iframe...)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and value and \
                    re.sub(r"\s", "", value).lower().startswith(("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value}>")
            if tag == "img" and name == "src" and value == "x":
                self.found.append("<img src=x>")
        if tag in {"iframe", "object", "embed"}:
            self.found.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"script: {data[:60]}")


def live(page: str) -> list[str]:
    parser = Live()
    parser.feed(page)
    parser.close()
    return parser.found


def risky_cells(values: list[object]) -> list[str]:
    """Spreadsheet cells a spreadsheet would run: text starting with = + - @ tab or CR (numbers aside)."""
    bad = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
            try:
                float(value)
            except ValueError:
                bad.append(value)
    return bad


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated export with a payload in every text column of September rows, hostile mentor, type and
    program names across the months, a hostile column header and a hostile file name."""
    frame = generate(rows=400, seed=21, mentors=12, messy=0.0)
    mentors = sorted(frame["Mentor_Name"].unique())
    frame["Mentor_Name"] = frame["Mentor_Name"].replace({mentors[i]: f"{p} M{i}" for i, p in enumerate(PAYLOADS)})
    types = sorted(frame["Session_Type"].unique())
    frame["Session_Type"] = frame["Session_Type"].replace({types[0]: MATH, types[1]: BREAKS, types[2]: TITLE})
    frame["Program"] = frame["Program"].replace({sorted(frame["Program"].unique())[0]: SCRIPT})
    september = frame.index[frame["Session_Date"].str.startswith(MONTH)]
    for position, index in enumerate(september[-3 * len(PAYLOADS):]):
        payload = PAYLOADS[position % len(PAYLOADS)]
        for column in TEXT_COLUMNS:
            if column not in {"Mentor_Name", "Session_Type", "Program"}:
                frame.loc[index, column] = payload
        frame.loc[index, ["Session_Status", "Post_Session_Rating", "Learner_Attended", "Actual_Duration_mins"]] = [
            "Completed", "1", "Yes", "40"]
    frame.loc[september[-1], "Session_ID"] = HOSTILE_ID
    frame[HOSTILE_HEADER] = SCRIPT
    path = tmp_path_factory.mktemp("hostile") / HOSTILE_FILE
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def history(hostile: Path) -> pd.DataFrame:
    return enrich(load_sessions(hostile, timezone=TZ).sessions, SETTINGS)


def test_text_reaches_the_table_normalised_and_whole(hostile: Path) -> None:
    loaded = load_sessions(hostile, timezone=TZ)
    names = set(loaded.sessions["mentor_name"])
    assert f"{SCRIPT} M0" in names and f"{MATH} M4" in names
    assert not any(ch in name for name in names for ch in LINE_BREAKS)
    assert "two lines and more M6" in names
    assert HOSTILE_ID in set(loaded.sessions["session_id"])
    assert any(HOSTILE_HEADER in note for note in loaded.notes)


@pytest.mark.slow
def test_every_report_page_and_export_is_inert(hostile: Path, tmp_path: Path) -> None:
    from mentortrack.reports.report import build_report

    run = build_report(hostile, MONTH, tmp_path / "outputs", settings=SETTINGS)  # a mathtext name would raise while drawing
    folder = run.folder
    pages = [*folder.glob("*.html"), *folder.glob("mentors/*.html")]
    assert len(pages) >= 9
    shown = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert live(text) == [], page.name
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        assert title is None or "<" not in title.group(1), page.name
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in text or "&lt;img src=x onerror=alert(2)&gt;" in text
    assert shown >= 7, "the payloads are shown, as text"
    assert "alert(5)" in (folder / "01_data_quality.html").read_text(encoding="utf-8")  # the header, as text
    book = openpyxl.load_workbook(next(folder.glob("exports/*.xlsx")))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert risky_cells([c.value for c in cells]) == []
    assert "'" + FORMULA in [c.value for c in cells]
    for table in folder.rglob("*.csv"):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        assert risky_cells(frame.to_numpy().ravel().tolist()) == [], table.name
        assert risky_cells(list(frame.columns)) == [], table.name


def _messages(paths: list[Path]) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in paths]


def _check_mail(messages: list[email.message.EmailMessage]) -> None:
    assert messages
    for message in messages:
        for name, value in message.items():
            assert not any(ch in str(value) for ch in LINE_BREAKS), (name, value)
        assert message["Bcc"] is None
        html_part = message.get_body(("html",))
        assert live(html_part.get_content()) == [], message["Subject"]
        text_part = message.get_body(("plain",)).get_content()
        assert not any(ch in text_part for ch in "\u2028\u2029\x85\x0b\x0c")


def test_session_emails_and_mentor_digests_are_inert(history: pd.DataFrame, tmp_path: Path) -> None:
    settings = SETTINGS.lifecycle.email
    directory = {name: f"m{i}@mentors.example.org" for i, name in enumerate(sorted(history["mentor_name"].unique()))}
    mails, _, _ = compose(history, MONTH, directory, settings, SETTINGS.safeguarding, SETTINGS.warnings.rules)
    written = write_eml(mails, settings.from_address, tmp_path / "eml")
    assert len(written) == len(mails) > 20  # one hostile message never stops the others
    messages = _messages(written)
    _check_mail(messages)
    assert any("two lines and more" in str(m["Subject"]) for m in messages)


def test_reminders_and_the_pm_digest_are_inert(history: pd.DataFrame, tmp_path: Path) -> None:
    lifecycle = SETTINGS.lifecycle
    settings = lifecycle.email
    table = history.copy()
    hostile_rows = table["learner_feedback"].isin(PAYLOADS)
    table.loc[hostile_rows, "learner_feedback"] = pd.NA  # completed without feedback: reminders due
    day = table.loc[hostile_rows, "session_date"].max() + pd.Timedelta(days=1)
    mails, _ = compose_reminders(due_reminders(table, day, lifecycle.reminders), settings)
    facts = gather(history, Period.month(MONTH), SETTINGS, tmp_path / "reports")
    mails.append(compose_digest(facts, "pm@school.org", settings))
    messages = _messages(write_eml(mails, settings.from_address, tmp_path / "eml"))
    assert len(messages) >= 2
    _check_mail(messages)


def test_invites_are_plain_text_and_learners_see_nothing_internal(history: pd.DataFrame, tmp_path: Path) -> None:
    lifecycle = SETTINGS.lifecycle
    as_of = history.loc[history["learner_feedback"].isin(PAYLOADS), "session_date"].max()
    queue = write_followups(history, as_of, lifecycle.followups, tmp_path, {}, "team@example.org",
                            lifecycle.timezone, show_pii=False).queue
    assert len(queue) > 5
    for invite in (tmp_path / "invites").rglob("*.ics"):
        calendar = Calendar.from_ical(invite.read_bytes())
        event = next(iter(calendar.walk("VEVENT")))
        assert list(calendar.walk("VTIMEZONE"))
        for name in ("summary", "description"):
            value = str(event[name])
            assert not any(ch in value for ch in "\r\u2028\u2029\x85\x0b\x0c"), (invite.name, name)
            if name == "summary":
                assert "\n" not in value
        if invite.parent.name == "learners":
            told = str(event["description"])
            assert not re.search(r"\b(red|amber|level|rated|flag|negative)\b", told, re.I), told
    queue_csv = pd.read_csv(tmp_path / "followup_queue.csv", dtype=str, keep_default_na=False)
    assert risky_cells(queue_csv.to_numpy().ravel().tolist()) == []
    assert not queue_csv["learner_email"].str.contains(r"^learner_\d+@", regex=True).any()


def test_agendas_and_alerts_render_nothing_live(history: pd.DataFrame, tmp_path: Path) -> None:
    upcoming_csv = tmp_path / "upcoming.csv"
    pd.DataFrame({"Session_ID": ["UP1", "UP2"], "Session_Date": ["2025-10-06", "2025-10-07"],
                  "Session_Time": ["10:00", "11:00"], "Program": [SCRIPT, "DSML"],
                  "Learner_ID": history["learner_id"].dropna().iloc[:2].tolist(),
                  "Learner_Name": [LINK, TITLE], "Learner_Email": ["a@x.org", "b@x.org"],
                  "Mentor_Name": [f"{SCRIPT} M0", f"{HANDLER} M1"], "Session_Type": [MATH, BREAKS],
                  "Scheduled_Duration_mins": ["30", "45"]}).to_csv(upcoming_csv, index=False)
    settings = SETTINGS.lifecycle.agenda
    written = write_agendas(load_upcoming(upcoming_csv).sessions, history, settings, tmp_path / "agendas",
                            SETTINGS.lifecycle.timezone)
    assert len(written) == 2
    for markdown_path, _ in written:
        assert live(markdown_path.with_suffix(".html").read_text(encoding="utf-8")) == []
        rendered = mistune.html(markdown_path.read_text(encoding="utf-8"))
        assert live(rendered) == [] and "<a " not in rendered, markdown_path.name
    red = history[history["level"] == "red"]
    moment = red["session_date"].max() + pd.Timedelta(hours=23)
    alerts = red_alerts(history, moment, 24 * 7)
    text = alert_digest(alerts, moment, 24 * 7, SETTINGS.lifecycle.timezone)
    assert len(alerts) and ("&lt;script&gt;" in text or "&lt;img" in text)
    rendered = mistune.html(text)
    assert live(rendered) == [] and "<a " not in rendered and "<em>" not in rendered


def test_transcript_notes_render_nothing_live(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app

    transcript = tmp_path / "call.txt"
    transcript.write_text(f"[00:00:03] {SCRIPT}: Hi, I will send you {LINK} by Friday.\n"
                          f"[00:01:10] Learner_18: Next step for you: please update {HANDLER} and {MATH}.\n",
                          encoding="utf-8")
    result = CliRunner().invoke(app, ["notes", str(transcript), "--out", str(tmp_path / "notes")])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "notes" / "call.md").read_text(encoding="utf-8")
    rendered = mistune.html(markdown)
    assert live(rendered) == [] and "<a " not in rendered and "&lt;script&gt;" in rendered
    table = pd.read_csv(tmp_path / "notes" / "notes.csv", dtype=str, keep_default_na=False)
    assert risky_cells(table.to_numpy().ravel().tolist()) == []


def test_a_grouping_whose_one_group_is_markup_is_said_as_text(tmp_path: Path) -> None:
    from conftest import first_months_rows, write_csv

    from mentortrack.reports.report import build_report

    rows = [{**r, "Program": HANDLER} for r in first_months_rows()]
    run = build_report(write_csv(tmp_path / "one_program.csv", rows), "2025-09", tmp_path / "out", settings=SETTINGS)
    page = (run.folder / "05_kpis.html").read_text(encoding="utf-8")
    assert live(page) == [] and "one program (&lt;img src=x onerror=alert(2)&gt;)" in page

"""E-mails through a real SMTP server on localhost (aiosmtpd with STARTTLS and AUTH)."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pandas as pd
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import SETTINGS, enriched, row
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.config import EmailSettings, ParameterError
from mentortrack.lifecycle.mailer import MailError, compose, parse_period, send, write_eml
from mentortrack.paths import default_parameters_dir

USER, PASSWORD = "pm@example.org", "s3cret-pw"


class Inbox:
    """aiosmtpd handler keeping every received message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001 (aiosmtpd's signature)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
    return AuthResult(success=ok)


@pytest.fixture()
def server() -> Iterator[tuple[Inbox, int, ssl.SSLContext]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_context, require_starttls=True,
                            authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    try:
        yield inbox, port, client_context
    finally:
        controller.stop()


@pytest.fixture()
def table(tmp_path: Path) -> pd.DataFrame:
    rows = [
        row(Session_ID="E1", Session_Date="2025-09-08", Mentor_Name="Sneha Reddy", Learner_Name="Learner_1",
            Learner_Email="learner1@x.org", Post_Session_Rating="2", Learner_Feedback="<script>alert(1)</script> too rushed",
            Follow_Up_Scheduled="No"),
        row(Session_ID="E2", Session_Date="2025-09-09", Mentor_Name="Sneha Reddy", Learner_Email="",
            Session_Status="No-show", Post_Session_Rating="", Learner_Feedback="", Actual_Duration_mins="0",
            Learner_Attended="No"),
        row(Session_ID="E3", Session_Date="2025-09-10", Mentor_Name="No Address", Learner_Email="learner3@x.org"),
        row(Session_ID="E4", Session_Date="2025-10-10", Mentor_Name="Sneha Reddy", Learner_Email="learner4@x.org"),
    ]
    return enriched(tmp_path, rows, ["Negative", "No feedback", "Positive", "Positive"], ["rushed", None, None, None])


def settings(port: int, user: str = USER) -> EmailSettings:
    base = SETTINGS.lifecycle.email
    return base.model_copy(update={"smtp": base.smtp.model_copy(update={"host": "127.0.0.1", "port": port, "user": user,
                                                                         "timeout": 3})})


DIRECTORY = {"Sneha Reddy": "sneha@mentors.org"}


def test_compose_addresses_and_reports_missing(table: pd.DataFrame) -> None:
    mails, missing, _ = compose(table, "2025-09", DIRECTORY, SETTINGS.lifecycle.email, SETTINGS.safeguarding, SETTINGS.warnings.rules)
    assert sorted(m.key for m in mails) == ["digest:2025-09:Sneha Reddy", "session:E1:learner", "session:E1:mentor",
                                            "session:E2:mentor", "session:E3:learner"]
    assert missing[["session_id", "role"]].values.tolist() == [["E2", "learner"], ["E3", "mentor"], ["", "mentor"]]
    learner = next(m for m in mails if m.key == "session:E1:learner")
    assert "rated 2/5" not in learner.text and "Thank you for attending the Mock Interview" in learner.text
    mentor = next(m for m in mails if m.key == "session:E1:mentor")
    assert "Needs attention: rated 2/5" in mentor.text and "No follow-up is scheduled yet" in mentor.text


def test_send_over_starttls_with_auth(server: tuple[Inbox, int, ssl.SSLContext], table: pd.DataFrame,
                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port, context = server
    monkeypatch.setenv("MENTORTRACK_SMTP_PASSWORD", PASSWORD)
    mails, _, _ = compose(table, "2025-09", DIRECTORY, settings(port), SETTINGS.safeguarding, SETTINGS.warnings.rules)
    log = tmp_path / "sent_log.csv"
    first = send(mails, settings(port), log, context)
    assert (first.sent, first.already_sent, first.complete) == (5, 0, True)
    assert len(inbox.messages) == 5
    message = next(m for m in inbox.messages if m["X-Mentortrack-Key"] == "session:E1:mentor")
    assert message["To"] == "sneha@mentors.org" and message["From"] == "mentorship-team@example.org"
    assert message["Subject"] == "[Mentorship] Mock Interview on 2025-09-08: summary"
    assert message.get_content_type() == "multipart/alternative"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "<script>alert(1)</script> too rushed" in text
    assert PASSWORD not in log.read_text()

    again = send(mails, settings(port), log, context)
    assert (again.sent, again.already_sent) == (0, 5)
    assert len(inbox.messages) == 5


def test_refuses_without_password(server: tuple[Inbox, int, ssl.SSLContext], table: pd.DataFrame, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port, context = server
    monkeypatch.delenv("MENTORTRACK_SMTP_PASSWORD", raising=False)
    mails, _, _ = compose(table, "2025-09", DIRECTORY, settings(port), SETTINGS.safeguarding, SETTINGS.warnings.rules)
    with pytest.raises(MailError, match=r"refusing to send: .*\$MENTORTRACK_SMTP_PASSWORD is empty"):
        send(mails, settings(port), tmp_path / "log.csv", context)
    assert inbox.messages == [] and not (tmp_path / "log.csv").exists()


def test_wrong_password_is_a_clear_error(server: tuple[Inbox, int, ssl.SSLContext], table: pd.DataFrame,
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inbox, port, context = server
    monkeypatch.setenv("MENTORTRACK_SMTP_PASSWORD", "wrong")
    mails, _, _ = compose(table, "2025-09", DIRECTORY, settings(port), SETTINGS.safeguarding, SETTINGS.warnings.rules)
    with pytest.raises(MailError, match=f"SMTP 127.0.0.1:{port}"):
        send(mails, settings(port), tmp_path / "log.csv", context)
    assert inbox.messages == []


def test_eml_files_for_review(table: pd.DataFrame, tmp_path: Path) -> None:
    mails, _, _ = compose(table, "2025-09-01:2025-09-08", DIRECTORY, SETTINGS.lifecycle.email, SETTINGS.safeguarding, SETTINGS.warnings.rules)
    paths = write_eml(mails, "team@example.org", tmp_path)
    assert sorted(p.name for p in paths) == ["digest_2025-09-01_2025-09-08_Sneha_Reddy.eml", "session_E1_learner.eml",
                                             "session_E1_mentor.eml"]
    parsed = email.message_from_bytes(paths[0].read_bytes(), policy=policy.default)
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None


def test_parse_period() -> None:
    assert parse_period("2025-09")[:2] == (pd.Timestamp("2025-09-01"), pd.Timestamp("2025-09-30"))
    assert parse_period("2025-09-01:2025-09-07")[2] == "2025-09-01 to 2025-09-07"
    with pytest.raises(ValueError, match="ends before it starts"):
        parse_period("2024-04-10:2024-04-01")


def test_a_month_that_is_no_month_and_a_recipient_that_is_no_address_are_one_line(bundled_enriched: Path,
                                                                                   tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from mentortrack.cli import app

    runner = CliRunner()
    month = runner.invoke(app, ["kpis", str(bundled_enriched), "--month", "2025-13"])
    assert month.exit_code == 2 and "--month 2025-13: not a month (YYYY-MM, e.g. 2025-09)." in month.stderr
    to = runner.invoke(app, ["digest", str(bundled_enriched), "--month", "2025-09", "--to", "not-an-email",
                             "--out", str(tmp_path / "d")])
    assert to.exit_code == 2 and "--to not-an-email: not an e-mail address" in to.stderr
    assert not (tmp_path / "d").exists()


def test_cli_send_refuses_without_password(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("MENTORTRACK_SMTP_PASSWORD", raising=False)
    params = tmp_path / "parameters"
    shutil.copytree(default_parameters_dir(), params)
    lifecycle = (params / "lifecycle.yaml").read_text()
    (params / "lifecycle.yaml").write_text(lifecycle.replace('user: ""', 'user: "pm@example.org"'))
    monkeypatch.setenv("MENTORTRACK_ROOT", str(tmp_path))
    result = CliRunner().invoke(app, ["email", "--period", "2025-10", "--send", "--out", str(tmp_path / "mail")])
    assert result.exit_code == 2 and "refusing to send" in result.stderr


def test_smtp_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from mentortrack.lifecycle.mailer import smtp_settings

    base = SETTINGS.lifecycle.email
    assert smtp_settings(base).host == "localhost"
    monkeypatch.setenv("MENTORTRACK_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("MENTORTRACK_SMTP_USER", "pm")
    smtp = smtp_settings(base)
    assert (smtp.host, smtp.user, smtp.port) == ("smtp.example.org", "pm", 587)
    assert "password" not in smtp.model_dump()
    monkeypatch.setenv("MENTORTRACK_SMTP_PORT", "twenty-five")
    with pytest.raises(ParameterError, match="MENTORTRACK_SMTP_PORT"):
        smtp_settings(base)

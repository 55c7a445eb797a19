"""A mail server that refuses, defers or drops: each message is isolated, retried or listed, never sent twice."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from aiosmtpd.controller import Controller
from conftest import SETTINGS
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.config import EmailSettings
from mentortrack.lifecycle.mailer import Mail, MailError, send
from mentortrack.paths import default_parameters_dir


class Server:
    """aiosmtpd handler that misbehaves on purpose.

    ``refuse``: recipients answered 550; ``defer_once``: the n-th message (1-based) is answered 451 the first
    time; ``drop_after``: the connection is closed after that many accepted messages, ``drops`` times.
    """

    def __init__(self, refuse: set[str] = frozenset(), defer_once: int = 0, drop_after: int = 0,
                 drops: int = 1) -> None:
        self.refuse, self.defer_once, self.drop_after, self.drops = set(refuse), defer_once, drop_after, drops
        self.received: list[str] = []
        self.seen = 0
        self.on_connection = 0
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: ANN001, ANN201
        self.connections += 1
        self.on_connection = 0
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:  # noqa: ANN001
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        self.seen += 1
        if self.seen == self.defer_once:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        if self.drop_after and self.drops and self.on_connection == self.drop_after:
            self.drops -= 1
            server.transport.close()
            return "421 closing"
        self.on_connection += 1
        key = next(line for line in envelope.content.decode().splitlines() if line.startswith("X-Mentortrack-Key"))
        self.received.append(key.split(": ", 1)[1])
        return "250 OK"


@pytest.fixture()
def serve() -> Iterator[Callable[..., tuple[Server, int]]]:
    controllers: list[Controller] = []

    def start(**behaviour: object) -> tuple[Server, int]:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        handler = Server(**behaviour)  # type: ignore[arg-type]
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


def settings(port: int, retries: int = 3) -> EmailSettings:
    base = SETTINGS.lifecycle.email
    return base.model_copy(update={"smtp": base.smtp.model_copy(update={
        "host": "127.0.0.1", "port": port, "starttls": False, "user": "", "timeout": 2, "retries": retries,
        "retry_wait": 0.01})})


MAILS = [Mail(f"session:S{i}:mentor", f"mentor{i % 4}@mentors.org", f"Summary {i}", "text", "<p>html</p>")
         for i in range(12)]


def sent_keys(log: Path) -> list[str]:
    return pd.read_csv(log)["key"].tolist()


def undeliverable(log: Path) -> pd.DataFrame:
    return pd.read_csv(log.parent / "undeliverable.csv")


def test_a_refused_recipient_is_listed_and_the_others_get_their_mail(serve, tmp_path: Path) -> None:  # noqa: ANN001
    server, port = serve(refuse={"mentor1@mentors.org"})
    log = tmp_path / "sent_log.csv"
    result = send(MAILS, settings(port), log)
    assert (result.sent, result.refused, result.deferred, result.complete) == (9, 3, 0, False)
    assert sorted(server.received) == sorted(m.key for m in MAILS if m.recipient != "mentor1@mentors.org")
    listed = undeliverable(log)
    assert listed["status"].unique().tolist() == ["refused"] and set(listed["recipient"]) == {"mentor1@mentors.org"}
    assert listed["answer"].str.startswith("550").all() and (listed["attempts"] == 1).all()
    assert result.line() == (f"sent 9, already sent 0, refused 3, deferred 0 (listed in {log.parent / 'undeliverable.csv'}; "
                             "deferred messages are tried again by the next run)")
    again = send(MAILS, settings(port), log)
    assert (again.sent, again.already_sent, again.refused) == (0, 9, 3)
    assert len(server.received) == 9


def test_a_refusal_stays_listed_until_the_message_is_sent(serve, tmp_path: Path) -> None:  # noqa: ANN001
    server, port = serve(refuse={"mentor1@mentors.org"})
    log = tmp_path / "sent_log.csv"
    refused = [m for m in MAILS if m.recipient == "mentor1@mentors.org"]
    others = [m for m in MAILS if m.recipient != "mentor1@mentors.org"]
    send(refused, settings(port), log)
    assert sorted(undeliverable(log)["key"]) == sorted(m.key for m in refused)
    # the next day's run composes other mail: yesterday's refusals are still listed
    send(others, settings(port), log)
    listed = undeliverable(log)
    assert sorted(listed["key"]) == sorted(m.key for m in refused) and set(listed["status"]) == {"refused"}
    assert listed["tried_at"].notna().all()
    server.refuse = set()
    send(refused[:1], settings(port), log)
    assert sorted(undeliverable(log)["key"]) == sorted(m.key for m in refused[1:])


def test_a_temporary_failure_is_retried_in_the_same_run(serve, tmp_path: Path) -> None:  # noqa: ANN001
    server, port = serve(defer_once=4)
    log = tmp_path / "sent_log.csv"
    result = send(MAILS, settings(port), log)
    assert (result.sent, result.refused, result.deferred, result.complete) == (12, 0, 0, True)
    assert sorted(server.received) == sorted(m.key for m in MAILS) and len(server.received) == 12
    assert sorted(sent_keys(log)) == sorted(m.key for m in MAILS)
    assert undeliverable(log).empty


def test_a_dropped_connection_is_reopened_and_nothing_is_sent_twice(serve, tmp_path: Path) -> None:  # noqa: ANN001
    server, port = serve(drop_after=5, drops=2)
    log = tmp_path / "sent_log.csv"
    result = send(MAILS, settings(port), log)
    assert (result.sent, result.deferred) == (12, 0) and server.connections == 3
    assert sorted(server.received) == sorted(m.key for m in MAILS)
    assert sent_keys(log)[:5] == [m.key for m in MAILS[:5]]


def test_what_still_fails_after_the_retries_is_deferred_to_the_next_run(serve, tmp_path: Path) -> None:  # noqa: ANN001
    server, port = serve(drop_after=2, drops=100)
    log = tmp_path / "sent_log.csv"
    waits: list[float] = []
    result = send(MAILS, settings(port, retries=2), log, sleep=waits.append)
    assert (result.sent, result.deferred, result.complete) == (6, 6, False) and waits == [0.01, 0.02]
    assert sent_keys(log) == [m.key for m in MAILS[:6]]
    listed = undeliverable(log)
    assert listed["status"].unique().tolist() == ["deferred"] and (listed["attempts"] == 3).all()
    server.drops = 0
    again = send(MAILS, settings(port), log)
    assert (again.sent, again.already_sent, again.complete) == (6, 6, True)
    assert sorted(server.received) == sorted(m.key for m in MAILS) and undeliverable(log).empty


def test_an_unreachable_server_defers_everything_with_its_reason(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = send(MAILS, settings(port, retries=1), tmp_path / "sent_log.csv", sleep=lambda _: None)
    assert (result.sent, result.deferred) == (0, 12) and "Connection refused" in result.problem


def test_a_sent_log_that_cannot_be_written_stops_sending(serve, tmp_path: Path,  # noqa: ANN001
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    server, port = serve()
    from mentortrack.lifecycle import mailer

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mailer.os, "fsync", full)
    with pytest.raises(MailError, match="cannot write the sent-log .*No space left on device; sending stopped after 1"):
        send(MAILS, settings(port), tmp_path / "sent_log.csv")
    assert len(server.received) == 1


def test_the_bundled_month_from_the_command_line(serve, tmp_path: Path, bundled_enriched: Path,  # noqa: ANN001
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    directory = pd.read_csv(Path(__file__).parents[1] / "mentortrack" / "data" / "mentor_directory.csv")
    refused = directory["Mentor_Email"].iloc[0]
    server, port = serve(refuse={refused}, defer_once=4, drop_after=30)
    params = tmp_path / "parameters"
    shutil.copytree(default_parameters_dir(), params)
    lifecycle = yaml.safe_load((params / "lifecycle.yaml").read_text())
    lifecycle["email"]["smtp"].update(host="127.0.0.1", port=port, starttls=False, timeout=2, retry_wait=0.01)
    (params / "lifecycle.yaml").write_text(yaml.safe_dump(lifecycle))
    out = tmp_path / "mail"
    command = ["--parameters", str(params), "email", str(bundled_enriched), "--period", "2025-09", "--send", "--out", str(out)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 3, result.output
    listed = undeliverable(out / "sent_log.csv")
    assert set(listed["status"]) == {"refused"} and set(listed["recipient"]) == {refused}
    total = len(server.received) + len(listed)
    assert total == 168 and len(set(server.received)) == len(server.received)
    assert f"\nsent {len(server.received)}, already sent 0, refused {len(listed)}, deferred 0 (" in result.stdout
    again = CliRunner().invoke(app, command)
    assert again.exit_code == 3 and f"sent 0, already sent {len(server.received)}" in again.stdout

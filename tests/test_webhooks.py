"""Chat notifications against a local HTTP server: Slack and Teams JSON, retries, failures, the URL kept secret."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SETTINGS as SHIPPED
from conftest import enriched, row
from typer.testing import CliRunner

from mentortrack.cli import app
from mentortrack.lifecycle.webhooks import (
    Notice,
    WebhookError,
    post,
    service_of,
    slack_payload,
    slack_text,
    teams_payload,
    webhook_url,
)

HOOKS = SHIPPED.lifecycle.webhooks.model_copy(update={"retries": 2, "retry_wait": 0.0, "timeout": 2})


class Hook:
    """A local webhook: answers the statuses in ``answers`` in turn (the last one repeats) and keeps the bodies."""

    def __init__(self, answers: list[int]) -> None:
        self.answers, self.bodies = list(answers), []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                status = hook.answers.pop(0) if len(hook.answers) > 1 else hook.answers[0]
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"error")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T000/B000/s3cr3t-token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def hook() -> Iterator:  # type: ignore[type-arg]
    started: list[Hook] = []

    def start(*answers: int) -> Hook:
        started.append(Hook(list(answers)))
        return started[-1]

    yield start
    for h in started:
        h.server.shutdown()
        h.server.server_close()


NOTICE = Notice("Mentorship alerts", "24 h", [("Safeguarding alerts: 1", ["<@channel> & *bold* \u201cquote\u201d"])])


def test_slack_json_escapes_data_text() -> None:
    body = slack_payload(NOTICE)
    assert body["text"] == "Mentorship alerts: 24 h" and body["blocks"][0]["type"] == "header"
    assert "&lt;@channel&gt; &amp; *bold*" in body["blocks"][2]["text"]["text"]
    assert slack_text("a<b>&c") == "a&lt;b&gt;&amp;c"


def _card_texts(body: dict) -> list[str]:
    card = body["attachments"][0]["content"]
    return [run["text"] for block in card["body"] for run in block["inlines"]]


def test_teams_json_is_an_adaptive_card_of_plain_text_runs() -> None:
    body = teams_payload(NOTICE)
    attachment = body["attachments"][0]
    assert body["type"] == "message" and attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard" and attachment["content"]["version"] == "1.4"
    assert {b["type"] for b in attachment["content"]["body"]} == {"RichTextBlock"}      # TextRuns: no Markdown
    assert _card_texts(body) == ["Mentorship alerts", "24 h", "Safeguarding alerts: 1",
                                 "\u2022 <@channel> & *bold* \u201cquote\u201d"]


def test_the_service_comes_from_the_host_or_the_settings() -> None:
    assert service_of("https://hooks.slack.com/services/x", "auto") == "slack"
    assert service_of("https://acme.webhook.office.com/webhookb2/x", "auto") == "teams"
    assert service_of("http://127.0.0.1:9/x", "teams") == "teams"
    with pytest.raises(WebhookError, match="set webhooks.service"):
        service_of("http://127.0.0.1:9/x", "auto")
    with pytest.raises(WebhookError):
        service_of("file:///etc/passwd", "slack")


def test_the_url_comes_from_the_option_then_the_environment_then_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MENTORTRACK_WEBHOOK_URL", raising=False)
    assert webhook_url(None, HOOKS.model_copy(update={"url": ""})) is None
    assert webhook_url(None, HOOKS.model_copy(update={"url": "http://file"})) == "http://file"
    monkeypatch.setenv("MENTORTRACK_WEBHOOK_URL", "http://env")
    assert webhook_url(None, HOOKS.model_copy(update={"url": "http://file"})) == "http://env"
    assert webhook_url("http://option", HOOKS) == "http://option"


@pytest.mark.parametrize("service", ["slack", "teams"])
def test_a_post_reaches_the_server(hook, service: str) -> None:  # noqa: ANN001
    server = hook(200)
    result = post(server.url, NOTICE, service, HOOKS)
    assert (result.status, result.attempts) == ("posted", 1)
    assert ("blocks" in server.bodies[0]) == (service == "slack") != ("attachments" in server.bodies[0])


def test_a_500_is_retried_until_it_succeeds(hook) -> None:  # noqa: ANN001
    server = hook(500, 200)
    waits: list[float] = []
    result = post(server.url, NOTICE, "slack", HOOKS.model_copy(update={"retry_wait": 1.5}), sleep=waits.append)
    assert (result.status, result.attempts, len(server.bodies), waits) == ("posted", 2, 2, [1.5])


def test_a_server_that_always_fails_is_reported_after_the_retries(hook) -> None:  # noqa: ANN001
    server = hook(500)
    result = post(server.url, NOTICE, "slack", HOOKS, sleep=lambda s: None)
    assert (result.status, result.attempts, len(server.bodies)) == ("failed", 3, 3)
    assert "HTTP 500" in result.line() and "s3cr3t" not in result.line()


def test_a_permanent_refusal_is_not_retried(hook) -> None:  # noqa: ANN001
    server = hook(404)
    result = post(server.url, NOTICE, "teams", HOOKS, sleep=lambda s: None)
    assert (result.status, result.attempts, len(server.bodies)) == ("refused", 1, 1)


def test_nobody_listening_is_a_failure_not_a_crash() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = post(f"http://127.0.0.1:{port}/x", NOTICE, "slack", HOOKS, sleep=lambda s: None)
    assert result.status == "failed" and result.attempts == 3


@pytest.fixture()
def export(tmp_path: Path) -> Path:
    from mentortrack.reports.storage import write_table

    rows = [row(Session_ID="W1", Session_Date="2025-09-12", Learner_ID="L9", Post_Session_Rating="5",
                Learner_Feedback="He asked me to add him on Instagram"),
            row(Session_ID="W2", Session_Date="2025-09-12", Post_Session_Rating="1", Learner_Feedback="Useless")]
    return write_table(enriched(tmp_path, rows, ["Positive", "Negative"], [None, None]), tmp_path / "e.parquet")


def _everything_written(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*") if p.is_file())


def test_alerts_post_to_the_webhook_and_the_url_is_written_nowhere(hook, export: Path, tmp_path: Path,  # noqa: ANN001
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    server = hook(200)
    out = tmp_path / "alerts"
    result = CliRunner().invoke(app, ["-v", "alerts", str(export), "--as-of", "2025-09-12 23:00", "--out", str(out),
                                      "--webhook", server.url, "--webhook-service", "slack"])
    assert result.exit_code == 0, result.output
    text = json.dumps(server.bodies[0])
    assert "Safeguarding alerts: 1" in text and "W1" in text and "L9" in text and "Instagram" in text
    assert text.index("Safeguarding") < text.index("Red sessions")
    assert "posted to the Slack webhook" in result.output
    assert "s3cr3t" not in result.output + _everything_written(out) + caplog.text


def test_a_failing_webhook_keeps_the_local_files_and_says_so(hook, export: Path, tmp_path: Path,  # noqa: ANN001
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    server = hook(500)
    monkeypatch.setenv("MENTORTRACK_WEBHOOK_URL", server.url)
    monkeypatch.setattr("mentortrack.lifecycle.webhooks.time.sleep", lambda s: None)
    out = tmp_path / "alerts"
    result = CliRunner().invoke(app, ["alerts", str(export), "--as-of", "2025-09-12 23:00", "--out", str(out),
                                      "--webhook-service", "teams"])
    assert result.exit_code == 3
    assert "Teams webhook failed after 4 attempt(s): HTTP 500" in result.output
    assert (out / "alerts.md").exists() and (out / "safeguarding.csv").exists()
    assert "s3cr3t" not in result.output + _everything_written(out)


def test_the_digest_posts_with_send_or_webhook(hook, export: Path, tmp_path: Path) -> None:  # noqa: ANN001
    server = hook(200)
    out = tmp_path / "digest"
    result = CliRunner().invoke(app, ["digest", str(export), "--week-of", "2025-09-12", "--out", str(out),
                                      "--reports", str(tmp_path), "--webhook", server.url,
                                      "--webhook-service", "teams"])
    assert result.exit_code == 0, result.output
    texts = _card_texts(server.bodies[0])
    assert texts[0] == "Program digest, week of 2025-09-08" and texts[2].startswith("Safeguarding alerts: 1")
    eml = _everything_written(out)
    assert "SAFEGUARDING ALERTS: 1" in eml and "s3cr3t" not in eml + result.output
    assert len(server.bodies) == 1
    # once per period: a re-run does not post the same digest again, and the log holds no URL
    again = CliRunner().invoke(app, ["digest", str(export), "--week-of", "2025-09-12", "--out", str(out),
                                     "--reports", str(tmp_path), "--webhook", server.url,
                                     "--webhook-service", "teams"])
    assert again.exit_code == 0 and len(server.bodies) == 1 and "already posted to the Teams webhook" in again.output
    log = (out / "posted_log.csv").read_text()
    assert "pm-digest:week:2025-09-08,teams," in log and "s3cr3t" not in log and "127.0.0.1" not in log
    other = CliRunner().invoke(app, ["digest", str(export), "--month", "2025-09", "--out", str(out),
                                     "--reports", str(tmp_path), "--webhook", server.url,
                                     "--webhook-service", "teams"])
    assert other.exit_code == 0 and len(server.bodies) == 2, other.output


def test_a_quiet_window_posts_nothing(hook, export: Path, tmp_path: Path) -> None:  # noqa: ANN001
    server = hook(200)
    result = CliRunner().invoke(app, ["alerts", str(export), "--as-of", "2025-09-14 23:00", "--webhook", server.url,
                                      "--webhook-service", "slack"])
    assert result.exit_code == 0, result.output
    assert server.bodies == [] and "No feedback, issue flag or transcript" in result.output


def test_a_malformed_url_is_refused_without_quoting_it() -> None:
    result = post("http://127.0.0.1:9/hooks/s3cr3t token", NOTICE, "slack", HOOKS, sleep=lambda s: None)
    assert result.status == "refused" and "s3cr3t" not in result.line()
    with pytest.raises(WebhookError) as err:
        service_of("http://[s3cr3t", "slack")
    assert "s3cr3t" not in str(err.value) and err.value.__cause__ is None

"""Chat notifications: ``alerts`` and ``digest`` posted to a Slack or Microsoft Teams incoming webhook.

A :class:`Notice` (a title and sections of lines, text from the data as it is) becomes the
JSON each service takes: Slack ``{"text": ..., "blocks": [...]}`` with mrkdwn sections
(``&``, ``<`` and ``>`` escaped, as Slack requires), Teams an Adaptive Card whose texts are
plain ``TextRun`` elements (never read as Markdown or HTML).
The URL comes from ``--webhook``, else the environment variable ``webhooks.url_env``
(``MENTORTRACK_WEBHOOK_URL``), else ``webhooks.url`` in ``parameters/lifecycle.yaml``. It is
a secret: no message, log line or file of the suite contains it (messages name the service).

Posting is retried like mail: a temporary failure (HTTP 5xx, 429, a refused or dropped
connection, a time-out) is tried again up to ``webhooks.retries`` times after
``webhooks.retry_wait`` seconds, doubling; a permanent one (another 4xx) is not. The result
says what happened; the local files the command wrote stay as they are.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from mentortrack.config import WebhookSettings

log = logging.getLogger(__name__)

SERVICES = ("slack", "teams")
MAX_LINES = 20
"""Lines shown per section; the rest is counted ("and 4 more")."""
_TEAMS_HOSTS = (".webhook.office.com", ".logic.azure.com", "outlook.office.com", "outlook.office365.com")


class WebhookError(ValueError):
    """The webhook cannot be used as configured (no service known for its address, not http(s))."""


@dataclass(frozen=True)
class Notice:
    """What a chat message says: a title, an optional line under it, and sections of lines."""

    title: str
    summary: str = ""
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass
class Posting:
    """The outcome of one post: ``posted``, ``refused`` (permanent) or ``failed`` (after the retries)."""

    service: str
    status: str
    attempts: int
    answer: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "posted"

    def line(self) -> str:
        """One line for the user, without the URL."""
        name = "Slack" if self.service == "slack" else "Teams"
        if self.ok:
            return f"posted to the {name} webhook"
        return (f"{name} webhook {self.status} after {self.attempts} attempt(s): {self.answer} "
                "(the local files are written; run again to post)")


def webhook_url(option: str | None, settings: WebhookSettings) -> str | None:
    """The URL to post to: ``--webhook``, else ``$<url_env>``, else ``webhooks.url``; None when none is set."""
    return option or os.environ.get(settings.url_env) or settings.url or None


def service_of(url: str, configured: str) -> str:
    """``slack`` or ``teams``: ``configured`` unless ``auto``, then from the URL's host.

    Raises:
        WebhookError: the address is not http(s), or ``auto`` cannot tell the service from the host.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise WebhookError("the webhook address is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookError("the webhook address is not an http(s) URL")
    if configured != "auto":
        return configured
    host = host.lower()
    if host == "hooks.slack.com":
        return "slack"
    if host.endswith(_TEAMS_HOSTS):
        return "teams"
    raise WebhookError("cannot tell Slack from Teams by the webhook's host: set webhooks.service "
                       "(parameters/lifecycle.yaml) or --webhook-service")


def slack_text(value: object) -> str:
    """Text for Slack mrkdwn: ``&``, ``<`` and ``>`` escaped (no mention, link or markup can be injected)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shown(lines: list[str]) -> list[str]:
    extra = len(lines) - MAX_LINES
    return lines[:MAX_LINES] + ([f"and {extra} more"] if extra > 0 else [])


def slack_payload(notice: Notice) -> dict[str, Any]:
    """Slack's incoming-webhook JSON: a plain ``text`` fallback and ``blocks`` (header, sections)."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": notice.title[:150]}}]
    if notice.summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": slack_text(notice.summary)}})
    for heading, lines in notice.sections:
        body = "\n".join(f"• {slack_text(line)}" for line in _shown(lines)) or "none"
        text = f"*{slack_text(heading)}*\n{body}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}})
    fallback = notice.title + (f": {notice.summary}" if notice.summary else "")
    return {"text": slack_text(fallback), "blocks": blocks[:50]}


def _run(text: str, **style: object) -> dict[str, Any]:
    return {"type": "TextRun", "text": text, **style}


def teams_payload(notice: Notice) -> dict[str, Any]:
    """A Teams message holding an Adaptive Card (1.4), the format both Workflows webhooks and the older
    incoming-webhook connectors take. Every text is a ``TextRun``, which Teams shows as plain text (no
    Markdown, no HTML), so nothing from the data can format, link or mention."""
    body = [{"type": "RichTextBlock", "inlines": [_run(notice.title, weight="Bolder", size="Medium")]}]
    if notice.summary:
        body.append({"type": "RichTextBlock", "inlines": [_run(notice.summary, isSubtle=True)]})
    for heading, lines in notice.sections:
        style: dict[str, object] = {"color": "Attention"} if heading.startswith("Safeguarding") else {}
        body.append({"type": "RichTextBlock", "inlines": [_run(heading, weight="Bolder", **style)],
                     "spacing": "Medium"})
        body += [{"type": "RichTextBlock", "inlines": [_run(f"\u2022 {line}")], "spacing": "None"}
                 for line in _shown(lines) or ["none"]]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body, "msteams": {"width": "Full"}}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "contentUrl": None, "content": card}]}


def payload(notice: Notice, service: str) -> dict[str, Any]:
    """The JSON body for ``service``."""
    return slack_payload(notice) if service == "slack" else teams_payload(notice)


Opener = Callable[..., Any]


def post(url: str, notice: Notice, service: str, settings: WebhookSettings, opener: Opener = urllib.request.urlopen,
         sleep: Callable[[float], None] | None = None) -> Posting:
    """POST ``notice`` as ``service``'s JSON to ``url``, retrying temporary failures (see the module docstring)."""
    body = json.dumps(payload(notice, service)).encode("utf-8")
    attempts_allowed = settings.retries + 1
    answer = ""
    for attempt in range(1, attempts_allowed + 1):
        if attempt > 1:
            (sleep or time.sleep)(settings.retry_wait * 2 ** (attempt - 2))
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with opener(request, timeout=settings.timeout) as response:
                response.read()
            log.info("posted to the %s webhook (attempt %d)", service, attempt)
            return Posting(service, "posted", attempt)
        except urllib.error.HTTPError as err:
            answer = f"HTTP {err.code} {err.reason}"
            if 400 <= err.code < 500 and err.code != 429:
                return Posting(service, "refused", attempt, answer)
        except (urllib.error.URLError, TimeoutError, OSError) as err:
            reason = getattr(err, "reason", err)
            answer = str(reason) or type(err).__name__
        except (http.client.HTTPException, ValueError) as err:       # their messages may quote the URL
            return Posting(service, "refused", attempt, f"{type(err).__name__} (malformed URL or answer)")
        log.info("the %s webhook failed (attempt %d): %s", service, attempt, answer)
    return Posting(service, "failed", attempts_allowed, answer)


def _day(value: Any) -> str:
    import pandas as pd

    return "date unknown" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def safeguarding_lines(alerts: list[dict[str, Any]]) -> list[str]:
    """One line per safeguarding alert: concern, session, mentor, learner ID, source and the quoted text."""
    return [f"{a['concern']}: session {a['session_id']} ({_day(a['session_date'])}), mentor {a['mentor_name']}, "
            f"learner {a['learner_id']}, {a['source']}: \u201c{a['quote']}\u201d" for a in alerts]


def alerts_notice(safeguarding: list[dict[str, Any]], red: list[dict[str, Any]], window: str) -> Notice:
    """The chat message of ``mentortrack alerts``: safeguarding alerts first, then red sessions."""
    sections = []
    if safeguarding:
        sections.append((f"Safeguarding alerts: {len(safeguarding)} (act today; not for the mentor concerned)",
                         safeguarding_lines(safeguarding)))
    sections.append((f"Red sessions with feedback: {len(red)}",
                     [f"{r['session_id']} {r['session_start']:%Y-%m-%d %H:%M}, {r['mentor_name']}: {r['reasons']}"
                      for r in red]))
    return Notice(title="Mentorship alerts", summary=window, sections=sections)


def digest_notice(facts: dict[str, Any], format_kpi: Callable[..., str]) -> Notice:
    """The chat message of ``mentortrack digest`` (from :func:`mentortrack.lifecycle.digest.gather`'s facts)."""
    period = facts["period"]
    sections = []
    if facts["safeguarding"]:
        sections.append((f"Safeguarding alerts: {len(facts['safeguarding'])} (not for the mentor concerned)",
                         safeguarding_lines(facts["safeguarding"])))
    sections.append(("KPIs", [f"{k['label']}: {format_kpi(k['kpi'], k['value'])}" + (f" ({k['base']})" if k["base"] else "")
                              + (f", {format_kpi(k['kpi'], k['delta'], True)}" if k["delta"] is not None else "")
                              for k in facts["kpis"]]))
    sections.append((f"Red sessions: {facts['red_count']}",
                     [f"{r['session_id']} {_day(r['session_date'])}, {r['mentor_name']}: {r['reasons']}"
                      for r in facts["red"]]))
    below = f"{len(facts['at_risk'])} of {facts['scored']} with a score" if facts["scored"] else "none has a score yet"
    sections.append((f"Mentors below the health threshold: {below}",
                     [f"{m['mentor_name']}: {m['explanation']}" for m in facts["at_risk"]]))
    sections.append(("Queues", [f"open follow-ups: {facts['followup_count']}",
                                f"feedback reminders due: {facts['reminder_count']}",
                                f"inactivity nudges due: {facts['nudge_count']}"]))
    return Notice(title=f"Program digest, {period.label}",
                  summary=f"{facts['sessions']} sessions ({facts['previous_sessions']} the {period.kind} before)",
                  sections=sections)

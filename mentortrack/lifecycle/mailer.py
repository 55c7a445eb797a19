"""Post-session e-mails: a summary to mentor and learner per session, and a digest per mentor.

Messages are built from Jinja2 templates (plain text and HTML, HTML escaped) as
standard ``email.message.EmailMessage`` objects. Without sending they are written
as ``.eml`` files to review. Sending uses SMTP with STARTTLS; host, port and user
come from ``parameters/lifecycle.yaml``, the password only from the environment
variable it names (never from a file, never written anywhere). A sent-log CSV
keyed by message kind, session and recipient makes a re-run skip what was sent.
Sessions or mentors without an address are listed, not dropped silently.
"""

from __future__ import annotations

import csv
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from mentortrack.analytics.summaries import mentor_digest
from mentortrack.contract.addresses import address_problem, is_valid
from mentortrack.safe_paths import inside, safe_name

SENT_LOG_COLUMNS = ["key", "recipient", "subject", "sent_at"]


class MailError(RuntimeError):
    """Mail could not be sent (or must not be: e.g. no password in the environment)."""


@dataclass(frozen=True)
class Mail:
    """One message to one recipient; ``key`` identifies it in the sent-log."""

    key: str
    recipient: str
    subject: str
    text: str
    html: str


def parse_period(period: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """``2025-09`` or ``2025-09-01:2025-09-14`` -> first day, last day (inclusive) and a label."""
    if ":" in period:
        first, last = (pd.Timestamp(p) for p in period.split(":", 1))
        return first, last, f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    month = pd.Period(period, freq="M")
    return month.start_time, month.end_time.normalize(), month.strftime("%B %Y")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as ``None`` (templates test them for truth)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"),
                              autoescape=jinja2.select_autoescape(["html.j2"]), trim_blocks=True, lstrip_blocks=True)


def compose(enriched: pd.DataFrame, period: str, directory: dict[str, str], settings: dict[str, Any]
            ) -> tuple[list[Mail], pd.DataFrame]:
    """Session e-mails (mentor and learner) for completed and no-show sessions in the period, and mentor digests.

    Returns the messages and a table of messages that could not be addressed
    (``kind``, ``session_id``, ``mentor_name``, ``role``, ``reason``).
    """
    first, last, label = parse_period(period)
    scope = enriched[(enriched["session_date"] >= first) & (enriched["session_date"] <= last)]
    env = _templates()
    prefix = settings["subject_prefix"]
    mails: list[Mail] = []
    missing: list[dict[str, str]] = []
    for row in _records(scope[scope["session_status"].isin(["Completed", "No-show"])]):
        recipients = {"mentor": directory.get(str(row["mentor_name"])), "learner": row.get("learner_email")}
        for role, address in recipients.items():
            if not isinstance(address, str) or not address.strip():
                missing.append({"kind": "session", "session_id": row["session_id"], "mentor_name": row["mentor_name"],
                                "role": role, "reason": f"no {role} e-mail address"})
                continue
            if not is_valid(address):
                missing.append({"kind": "session", "session_id": row["session_id"], "mentor_name": row["mentor_name"],
                                "role": role, "reason": f"invalid {role} e-mail address: {address_problem(address.strip())}"})
                continue
            context = {"s": row, "role": role, "date": f"{row['session_date']:%Y-%m-%d}"}
            mails.append(Mail(key=f"session:{row['session_id']}:{role}", recipient=address,
                              subject=f"{prefix} {row['session_type']} on {context['date']}: summary",
                              text=env.get_template("email_session.txt.j2").render(context),
                              html=env.get_template("email_session.html.j2").render(context)))
    digests = mentor_digest(scope, label) if len(scope) else pd.DataFrame(columns=["mentor_name", "digest"])
    for row in digests.to_dict("records"):
        address = directory.get(str(row["mentor_name"]))
        if not address or not is_valid(address):
            reason = f"invalid mentor e-mail address: {address_problem(address)}" if address else "no mentor e-mail address"
            missing.append({"kind": "digest", "session_id": "", "mentor_name": row["mentor_name"], "role": "mentor",
                            "reason": reason})
            continue
        sessions = scope[scope["mentor_name"] == row["mentor_name"]].sort_values("session_date")
        context = {"d": row, "period": label, "sessions": _records(sessions)}
        mails.append(Mail(key=f"digest:{period}:{row['mentor_name']}", recipient=address,
                          subject=f"{prefix} Your sessions, {label}",
                          text=env.get_template("email_digest.txt.j2").render(context),
                          html=env.get_template("email_digest.html.j2").render(context)))
    return mails, pd.DataFrame(missing, columns=["kind", "session_id", "mentor_name", "role", "reason"])


def to_message(mail: Mail, sender: str) -> EmailMessage:
    """A MIME message with a plain-text part and an HTML alternative."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.recipient
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain="mentortrack.local")
    message["X-Mentortrack-Key"] = mail.key
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    return message


def write_eml(mails: list[Mail], sender: str, out: str | Path) -> list[Path]:
    """Write every message as ``<key>.eml`` (a safe, unique file name) for review; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    used: set[str] = set()
    for mail in mails:
        path = inside(out, out / f"{safe_name(mail.key, used)}.eml")
        path.write_bytes(bytes(to_message(mail, sender)))
        paths.append(path)
    return paths


def _sent_keys(log: Path) -> set[tuple[str, str]]:
    if not log.exists():
        return set()
    with log.open(newline="", encoding="utf-8") as handle:
        return {(row["key"], row["recipient"]) for row in csv.DictReader(handle)}


SMTP_ENV = {"host": "MENTORTRACK_SMTP_HOST", "port": "MENTORTRACK_SMTP_PORT", "user": "MENTORTRACK_SMTP_USER"}
"""Environment variables that override the YAML's SMTP host, port and user."""


def smtp_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The ``smtp`` settings with host, port and user taken from the environment where set."""
    smtp = dict(settings["smtp"])
    smtp.update({key: os.environ[var] for key, var in SMTP_ENV.items() if os.environ.get(var)})
    return smtp


def send(mails: list[Mail], settings: dict[str, Any], sent_log: str | Path,
         context: ssl.SSLContext | None = None) -> tuple[int, int]:
    """Send through SMTP, skipping messages already in the sent-log; returns (sent, skipped).

    Host, port and user come from the settings or ``MENTORTRACK_SMTP_HOST/PORT/USER``; the
    password only from the environment variable named by ``smtp.password_env``.

    Raises:
        MailError: a user is configured but the password variable is empty, or the server refuses.
    """
    smtp = smtp_settings(settings)
    password = os.environ.get(smtp["password_env"], "")
    if smtp.get("user") and not password:
        raise MailError(f"refusing to send: SMTP user {smtp['user']!r} is set but ${smtp['password_env']} is empty "
                        "(the password is only read from the environment)")
    log = Path(sent_log)
    log.parent.mkdir(parents=True, exist_ok=True)
    done = _sent_keys(log)
    todo = [m for m in mails if (m.key, m.recipient) not in done]
    if not todo:
        return 0, len(mails)
    new_log = not log.exists()
    try:
        with smtplib.SMTP(smtp["host"], int(smtp["port"]), timeout=float(smtp.get("timeout", 30))) as server, \
                log.open("a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=SENT_LOG_COLUMNS)
            if new_log:
                writer.writeheader()
            if smtp.get("starttls", True):
                server.starttls(context=context or ssl.create_default_context())
            if smtp.get("user"):
                server.login(smtp["user"], password)
            for mail in todo:
                server.send_message(to_message(mail, settings["from_address"]))
                writer.writerow({"key": mail.key, "recipient": mail.recipient, "subject": mail.subject,
                                 "sent_at": pd.Timestamp.now(tz="UTC").isoformat()})
                handle.flush()
    except (smtplib.SMTPException, OSError) as err:
        raise MailError(f"SMTP {smtp['host']}:{smtp['port']}: {err}") from err
    return len(todo), len(mails) - len(todo)

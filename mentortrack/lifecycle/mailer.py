"""Post-session e-mails: a summary to mentor and learner per session, and a digest per mentor.

Messages are built from Jinja2 templates (plain text and HTML, HTML escaped) as
standard ``email.message.EmailMessage`` objects. Without sending they are written
as ``.eml`` files to review. Sending uses SMTP with STARTTLS; host, port and user
come from ``parameters/lifecycle.yaml``, the password only from the environment
variable it names (never from a file, never written anywhere). A sent-log CSV
keyed by message kind, session and recipient makes a re-run skip what was sent.
One refused recipient never stops the others' mail: refusals are listed in
``undeliverable.csv``, temporary failures are retried on a new connection and
then left for the next run. Sessions or mentors without an address are listed,
not dropped silently.
"""

from __future__ import annotations

import csv
import mimetypes
import os
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from pydantic import ValidationError
from tqdm.auto import tqdm

from mentortrack.analytics.safeguarding import reported_pairs, split_reported, told_to_mentor
from mentortrack.analytics.summaries import mentor_digest
from mentortrack.config import EmailSettings, ParameterError, Rule, SafeguardingSettings, SmtpSettings
from mentortrack.contract.addresses import address_problem, is_valid
from mentortrack.errors import MentortrackError
from mentortrack.reports.escape import body_text, header_text
from mentortrack.reports.privacy import formula_safe, neutralize_formulas
from mentortrack.safe_paths import inside, safe_name, writing

SENT_LOG_COLUMNS = ["key", "recipient", "subject", "sent_at"]


class MailError(MentortrackError, RuntimeError):
    """Mail could not be sent (or must not be: e.g. no password in the environment)."""


@dataclass(frozen=True)
class Mail:
    """One message to one recipient; ``key`` identifies it in the sent-log."""

    key: str
    recipient: str
    subject: str
    text: str
    html: str
    attachments: tuple[str, ...] = ()
    """Paths of files attached as they are (PDF, CSV...)."""


def parse_period(period: str) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """``2025-09`` or ``2025-09-01:2025-09-14`` -> first day, last day (inclusive) and a label.

    Raises:
        ValueError: not a month or a range, or a range that ends before it starts."""
    if ":" in period:
        first, last = (pd.Timestamp(p) for p in period.split(":", 1))
        if first > last:
            raise ValueError(f"the period ends before it starts: {period}")
        return first, last, f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
    month = pd.Period(period, freq="M")
    return month.start_time, month.end_time.normalize(), month.strftime("%B %Y")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with missing values as ``None`` (templates test them for truth)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


MISSING_COLUMNS = ["kind", "session_id", "mentor_name", "role", "reason"]
"""Columns of ``missing_addresses.csv``: messages that were not written for want of a usable address."""


def unusable(address: object, role: str) -> str | None:
    """Why ``address`` cannot receive ``role``'s message (a reason for ``missing_addresses.csv``), or None."""
    if not isinstance(address, str) or not address.strip():
        return f"no {role} e-mail address"
    if not is_valid(address):
        return f"invalid {role} e-mail address: {address_problem(address.strip())}"
    return None


def templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("mentortrack", "templates"),
                              autoescape=jinja2.select_autoescape(["html.j2"]), trim_blocks=True, lstrip_blocks=True)


def compose(enriched: pd.DataFrame, period: str, directory: dict[str, str], settings: EmailSettings,
            safeguarding: SafeguardingSettings,
            rules: dict[str, Rule]) -> tuple[list[Mail], pd.DataFrame, pd.DataFrame]:
    """Session e-mails (mentor and learner) for completed and no-show sessions in the period, and mentor digests.

    A session with a safeguarding concern (``safeguarding``: the terms) reaches its mentor's digest as one
    without feedback (:func:`mentortrack.analytics.safeguarding.told_to_mentor`, its level assessed again with
    the warning ``rules``), and no session e-mail of that learner and mentor is written, to either of them:
    nothing automatic names the mentor to the learner or asks the mentor to follow up
    (:func:`mentortrack.analytics.safeguarding.reported_pairs`).

    Returns the messages, a table of messages that could not be addressed (``kind``, ``session_id``,
    ``mentor_name``, ``role``, ``reason``) and the sessions whose e-mails were withheld.
    """
    first, last, label = parse_period(period)
    scope = enriched[(enriched["session_date"] >= first) & (enriched["session_date"] <= last)]
    mentor_view = told_to_mentor(scope, safeguarding, rules)
    env = templates()
    prefix = settings.subject_prefix
    mails: list[Mail] = []
    missing: list[dict[str, str]] = []
    shown = scope["session_status"].isin(["Completed", "No-show"])
    sent, withheld = split_reported(scope[shown], reported_pairs(enriched, safeguarding))
    for row, told in zip(records(sent), records(mentor_view.loc[sent.index])):
        recipients = {"mentor": directory.get(str(row["mentor_name"])), "learner": row.get("learner_email")}
        for role, address in recipients.items():
            if reason := unusable(address, role):
                missing.append({"kind": "session", "session_id": row["session_id"], "mentor_name": row["mentor_name"],
                                "role": role, "reason": reason})
                continue
            context = {"s": told if role == "mentor" else row, "role": role,
                       "date": f"{row['session_date']:%Y-%m-%d}"}
            mails.append(Mail(key=f"session:{row['session_id']}:{role}", recipient=address,
                              subject=f"{prefix} {row['session_type']} on {context['date']}: summary",
                              text=env.get_template("email_session.txt.j2").render(context),
                              html=env.get_template("email_session.html.j2").render(context)))
    digests = mentor_digest(mentor_view, label) if len(scope) else pd.DataFrame(columns=["mentor_name", "digest"])
    for row in digests.to_dict("records"):
        address = directory.get(str(row["mentor_name"]))
        if reason := unusable(address, "mentor"):
            missing.append({"kind": "digest", "session_id": "", "mentor_name": row["mentor_name"], "role": "mentor",
                            "reason": reason})
            continue
        sessions = mentor_view[mentor_view["mentor_name"] == row["mentor_name"]].sort_values("session_date")
        context = {"d": row, "period": label, "sessions": records(sessions)}
        mails.append(Mail(key=f"digest:{period}:{row['mentor_name']}", recipient=address,
                          subject=f"{prefix} Your sessions, {label}",
                          text=env.get_template("email_digest.txt.j2").render(context),
                          html=env.get_template("email_digest.html.j2").render(context)))
    return mails, pd.DataFrame(missing, columns=MISSING_COLUMNS), withheld


def to_message(mail: Mail, sender: str) -> EmailMessage:
    """A MIME message with a plain-text part and an HTML alternative, dated when it is made (RFC 5322 ``Date``).

    Every header value goes through :func:`mentortrack.reports.escape.header_text` (a session type
    or mentor name holding U+2028, NEL or a vertical tab becomes one line, so one message cannot
    split its headers or stop the run); the text part through :func:`~mentortrack.reports.escape.body_text`.
    """
    message = EmailMessage()
    message["From"] = header_text(sender)
    message["To"] = header_text(mail.recipient)
    message["Subject"] = header_text(mail.subject)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="mentortrack.local")
    message["X-Mentortrack-Key"] = header_text(mail.key)
    message.set_content(body_text(mail.text))
    message.add_alternative(mail.html, subtype="html")
    for attachment in map(Path, mail.attachments):
        kind = mimetypes.guess_type(attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(attachment.read_bytes(), maintype=maintype, subtype=subtype, filename=attachment.name)
    return message


def write_eml(mails: list[Mail], sender: str, out: str | Path) -> list[Path]:
    """Write every message as ``<key>.eml`` (a safe, unique file name) for review; returns the paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    used: set[str] = set()
    for mail in mails:
        path = inside(out, out / f"{safe_name(mail.key, used)}.eml")
        with writing(path):
            path.write_bytes(bytes(to_message(mail, sender)))
        paths.append(path)
    return paths


def sent_keys(log: Path) -> set[tuple[str, str]]:
    """(key, recipient) of every line of the sent-log ``log`` (empty when there is none yet)."""
    if not log.exists():
        return set()
    with log.open(newline="", encoding="utf-8") as handle:
        return {(row["key"], row["recipient"]) for row in csv.DictReader(handle)}


SMTP_ENV = {"host": "MENTORTRACK_SMTP_HOST", "port": "MENTORTRACK_SMTP_PORT", "user": "MENTORTRACK_SMTP_USER"}
"""Environment variables that override the YAML's SMTP host, port and user."""


def smtp_settings(settings: EmailSettings) -> SmtpSettings:
    """The ``smtp`` settings with host, port and user taken from the environment where set (checked again:
    a port that is not a number is a :class:`mentortrack.config.ParameterError`)."""
    changed = {key: os.environ[var] for key, var in SMTP_ENV.items() if os.environ.get(var)}
    if not changed:
        return settings.smtp
    try:
        return SmtpSettings.model_validate({**settings.smtp.model_dump(), **changed})
    except ValidationError as err:
        raise ParameterError(f"{', '.join(SMTP_ENV[k] for k in changed)}: {err.errors()[0]['msg']}") from err


UNDELIVERABLE_COLUMNS = ["status", "key", "recipient", "subject", "answer", "attempts", "tried_at"]
"""``status`` is ``refused`` (the server said no for good: 5xx) or ``deferred`` (still failing for a
temporary reason after the run's retries: 4xx, lost connection, time-out; the next run tries again);
``tried_at`` is when the run that last tried it ended (UTC, ISO 8601)."""


@dataclass
class Delivery:
    """What a sending run did; ``undeliverable`` lists refused and deferred messages with the server's answer."""

    sent: int = 0
    already_sent: int = 0
    refused: int = 0
    deferred: int = 0
    undeliverable: Path | None = None
    problem: str = ""
    """The last connection-level problem, when messages stayed deferred because of it."""

    @property
    def complete(self) -> bool:
        """True when every message was sent now or before."""
        return not (self.refused or self.deferred)

    def line(self) -> str:
        """The one-line account of the run."""
        text = f"sent {self.sent}, already sent {self.already_sent}, refused {self.refused}, deferred {self.deferred}"
        if not self.complete:
            text += f" (listed in {self.undeliverable}; deferred messages are tried again by the next run)"
        return text


class _Temporary(Exception):
    """The connection is unusable for now (dropped, timed out, 421); the rest of this round is deferred."""


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {text}".strip()


def _deliver(server: smtplib.SMTP, message: EmailMessage) -> tuple[str, str]:
    """Send one message: ``("sent", "")``, ``("refused", answer)`` or ``("deferred", answer)``.

    Raises:
        _Temporary: the connection was lost or the server is closing it.
    """
    try:
        server.send_message(message)
    except smtplib.SMTPRecipientsRefused as err:
        code, text = next(iter(err.recipients.values()))
        answer = _answer(code, text)
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as err:
        answer = _answer(err.smtp_code, err.smtp_error)
        code = err.smtp_code
    except smtplib.SMTPResponseException as err:
        if err.smtp_code == 421:
            raise _Temporary(_answer(err.smtp_code, err.smtp_error)) from err
        answer, code = _answer(err.smtp_code, err.smtp_error), err.smtp_code
    except (smtplib.SMTPServerDisconnected, OSError) as err:
        raise _Temporary(str(err) or type(err).__name__) from err
    else:
        return "sent", ""
    if code == 421:
        raise _Temporary(answer)
    return ("refused" if 500 <= code < 600 else "deferred"), answer


def _connect(smtp: SmtpSettings, password: str, context: ssl.SSLContext | None) -> smtplib.SMTP:
    """An open, authenticated session.

    Raises:
        MailError: the server took the connection but refused or broke off the login, or lacks STARTTLS.
        _Temporary: the server could not be reached or answered with a temporary failure.
    """
    where = f"SMTP {smtp.host}:{smtp.port}"
    server = None
    try:
        server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        if smtp.starttls:
            server.starttls(context=context or ssl.create_default_context())
    except smtplib.SMTPNotSupportedError as err:
        _close(server)
        raise MailError(f"{where}: {err}") from err
    except (smtplib.SMTPException, OSError) as err:
        _close(server)
        raise _Temporary(f"{smtp.host}:{smtp.port}: {err or type(err).__name__}") from err
    if smtp.user:
        try:
            server.login(smtp.user, password)
        except smtplib.SMTPResponseException as err:
            _close(server)
            raise MailError(f"{where}: login refused: {_answer(err.smtp_code, err.smtp_error)}") from err
        except (smtplib.SMTPException, OSError) as err:
            _close(server)
            raise MailError(f"{where}: login failed: {err or type(err).__name__}") from err
    return server


def _close(server: smtplib.SMTP | None) -> None:
    if server is None:
        return
    try:
        server.quit()
    except (smtplib.SMTPException, OSError):
        server.close()


def send(mails: list[Mail], settings: EmailSettings, sent_log: str | Path,
         context: ssl.SSLContext | None = None, sleep: Any = time.sleep) -> Delivery:
    """Send through SMTP, message by message, skipping messages already in the sent-log.

    A permanent refusal (5xx) of one message is recorded and the run goes on. Temporary
    failures (4xx, a dropped connection, a time-out, 421) are retried in up to
    ``smtp.retries`` further rounds, each after a wait (``smtp.retry_wait`` seconds, doubling)
    and on a new connection; what still fails is deferred to the next run. Refused and
    deferred messages are listed in ``undeliverable.csv`` beside the sent-log: every message not
    delivered yet, whichever run last tried it (a later run updates a message it tries again and drops
    one the sent-log now holds, so yesterday's refusal is not lost when today's run composes other
    mail). The sent-log gets a line as soon as the server accepts a message, so no
    message is sent twice by later runs.

    Host, port and user come from the settings or ``MENTORTRACK_SMTP_HOST/PORT/USER``; the
    password only from the environment variable named by ``smtp.password_env``.

    Raises:
        MailError: a user is configured but the password variable is empty, the server
            refuses the login, or the sent-log cannot be written (sending stops at once).
    """
    smtp = smtp_settings(settings)
    password = os.environ.get(smtp.password_env, "")
    if smtp.user and not password:
        raise MailError(f"refusing to send: SMTP user {smtp.user!r} is set but ${smtp.password_env} is empty "
                        "(the password is only read from the environment)")
    log = Path(sent_log)
    log.parent.mkdir(parents=True, exist_ok=True)
    done = sent_keys(log)
    result = Delivery(undeliverable=log.parent / "undeliverable.csv")
    pending = [m for m in mails if (m.key, m.recipient) not in done]
    result.already_sent = len(mails) - len(pending)
    failed: dict[Mail, tuple[str, str, int]] = {}
    rounds = smtp.retries + 1
    for round_number in range(rounds):
        if not pending:
            break
        if round_number:
            sleep(smtp.retry_wait * 2 ** (round_number - 1))
        pending = _send_round(pending, smtp, password, context, settings.from_address, log, failed, result)
    result.refused = sum(1 for status, _, _ in failed.values() if status == "refused")
    result.deferred = sum(1 for status, _, _ in failed.values() if status == "deferred")
    _write_undeliverable(result.undeliverable, failed, sent_keys(log))
    return result


def _send_round(pending: list[Mail], smtp: SmtpSettings, password: str, context: ssl.SSLContext | None,
                sender: str, log: Path, failed: dict[Mail, tuple[str, str, int]], result: Delivery) -> list[Mail]:
    """One pass over ``pending`` on one connection; returns the messages to try again."""
    retry: list[Mail] = []

    def defer(mails: list[Mail], answer: str) -> None:
        for mail in mails:
            attempts = failed.get(mail, ("", "", 0))[2] + 1
            failed[mail] = ("deferred", answer, attempts)
            retry.append(mail)

    try:
        server = _connect(smtp, password, context)
    except _Temporary as err:
        result.problem = str(err)
        defer(pending, str(err))
        return retry
    new_log = not log.exists() or log.stat().st_size == 0
    try:
        with log.open("a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=SENT_LOG_COLUMNS)
            if new_log:
                writer.writeheader()
            for position, mail in enumerate(tqdm(pending, desc="sending", unit="message", leave=False,
                                                 disable=len(pending) < 20)):
                try:
                    status, answer = _deliver(server, to_message(mail, sender))
                except _Temporary as err:
                    result.problem = str(err)
                    defer(pending[position:], str(err))
                    break
                if status == "sent":
                    failed.pop(mail, None)
                    result.sent += 1
                    _log_sent(writer, handle, mail, log, result)
                elif status == "refused":
                    failed[mail] = ("refused", answer, failed.get(mail, ("", "", 0))[2] + 1)
                else:
                    defer([mail], answer)
    except OSError as err:
        raise MailError(f"cannot write the sent-log {log}: {err.strerror or err}; sending stopped after "
                        f"{result.sent} message(s) so that none is sent twice") from err
    finally:
        _close(server)
    return retry


def record_sent(log: Path, key: str, recipient: str) -> None:
    """Append one line to the sent-log ``log`` outside a mail run (the digest's chat post: the service as its
    recipient, never the webhook URL), flushed to disk; :func:`sent_keys` reads it back."""
    log.parent.mkdir(parents=True, exist_ok=True)
    new_log = not log.exists() or log.stat().st_size == 0
    with log.open("a", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SENT_LOG_COLUMNS)
        if new_log:
            writer.writeheader()
        writer.writerow({"key": key, "recipient": recipient, "subject": "",
                         "sent_at": pd.Timestamp.now(tz="UTC").isoformat()})
        handle.flush()
        os.fsync(handle.fileno())


def _log_sent(writer: csv.DictWriter, handle: Any, mail: Mail, log: Path, result: Delivery) -> None:
    """Record an accepted message at once (flushed to disk)."""
    writer.writerow({"key": mail.key, "recipient": mail.recipient, "subject": formula_safe(mail.subject),
                     "sent_at": pd.Timestamp.now(tz="UTC").isoformat()})
    handle.flush()
    os.fsync(handle.fileno())


def _write_undeliverable(path: Path, failed: dict[Mail, tuple[str, str, int]], sent: set[tuple[str, str]]) -> None:
    """List in ``path`` this run's ``failed`` messages and the earlier runs' that are neither sent since
    (``sent``: the sent-log's keys) nor tried again by this run."""
    now = pd.Timestamp.now(tz="UTC").isoformat()
    rows = [{"status": status, "key": mail.key, "recipient": mail.recipient, "subject": mail.subject,
             "answer": answer, "attempts": attempts, "tried_at": now} for mail, (status, answer, attempts) in failed.items()]
    table = pd.DataFrame(rows, columns=UNDELIVERABLE_COLUMNS)
    if path.is_file():
        earlier = pd.read_csv(path, dtype="string", keep_default_na=False).reindex(columns=UNDELIVERABLE_COLUMNS)
        done = sent | {(mail.key, mail.recipient) for mail in failed}
        kept = earlier[[(k, r) not in done for k, r in zip(earlier["key"], earlier["recipient"])]]
        table = pd.concat([table.astype("string"), kept], ignore_index=True)
    table = table.sort_values(["status", "key"])
    with writing(path):
        neutralize_formulas(table).to_csv(path, index=False)

"""The e-mails of the support desk: a ticket's acknowledgement and the team's replies.

Nothing is sent while a player waits. A mail is written to the outbox table
(``mail_outbox``, model ``OutboxMail``) in the same transaction as the ticket or the
reply it tells about, so that it is never lost nor sent for something that was rolled
back; ``send_due`` then sends what is due through the SMTP server of support.yml, with
short timeouts: the Rasa server runs it every few seconds in the background
(``casino_connector.agent_tickets``), ``support-desk send-mail`` once.

A mail is ``queued`` until sent (``sent``), retried after a failure with a growing delay
(``RETRY_SECONDS``), and ``failed`` after ``max_attempts`` or at once when the server
refuses it for good (5xx: no such address...). Each attempt first claims the mail
(``claimed_until``) with an update that only one sender can win, so two servers never
send the same mail.

support.yml, section ``mail`` (every key optional; the defaults suit a local server)::

    mail:
      enabled: true
      host: localhost
      port: 25                 # 587 with starttls, 465 with ssl
      security: none           # none / starttls / ssl
      username: ""             # empty: no login
      from_address: "Casino Lumière <support@casino-lumiere.example>"
      reply_to: support@casino-lumiere.example
      timeout_seconds: 10
      max_attempts: 8

The password is never in support.yml: env ``SUPPORT_SMTP_PASSWORD`` (the name can be
changed with ``password_env``); a login over ``security: none`` is refused unless the
server is on this machine. The default sender and reply-to are the e-mail channel's
address (``channels.email.address``).

A mail goes to the ticket's own address and holds only that ticket's facts: its
reference, the player's own words, the team's reply; never the transcript nor the
account snapshot. The French text is in the catalogue (``ticket_mail`` section of
``wording.fr.yml``).
"""
from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any, Dict, List, Optional, Sequence, Union

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from .catalogue import lines, say
from .clock import aware_utc, resolve_now, to_db_time
from .config import ConfigError, SupportConfig, current_config
from .database import Database, use_session
from .models import OutboxMail, Player

logger = logging.getLogger(__name__)

Source = Union[Session, Database]

SECURITY_MODES = ("none", "starttls", "ssl")
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
DEFAULT_PASSWORD_ENV = "SUPPORT_SMTP_PASSWORD"
DEFAULT_TIMEOUT_SECONDS = 10.0
DEFAULT_MAX_ATTEMPTS = 8
# Delay before attempt n+1 after n failures (the last value repeats).
RETRY_SECONDS = (30, 120, 600, 1800, 3600)
CLAIM_SECONDS = 120  # a sender that died frees its mail after this
MAX_ERROR_LENGTH = 500
KIND_ACKNOWLEDGEMENT = "ticket_ack"
KIND_REPLY = "ticket_reply"


class MailSettingsError(ConfigError):
    """support.yml's ``mail`` section is wrong."""


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    username: Optional[str] = None
    password: Optional[str] = None  # from the environment only
    from_address: str = "support@localhost"
    reply_to: Optional[str] = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    enabled: bool = True

    @property
    def domain(self) -> str:
        address = parseaddr(self.from_address)[1]
        return address.rpartition("@")[2] or "localhost"


def settings_or_defaults(config: Optional[SupportConfig] = None) -> MailSettings:
    """``mail_settings``, or the defaults when support.yml's section is wrong (logged):
    writing a mail to the outbox never fails for that; sending reports it."""
    try:
        return mail_settings(config)
    except MailSettingsError as error:
        logger.error("ticket mail: %s", error)
        return MailSettings()


def mail_settings(config: Optional[SupportConfig] = None) -> MailSettings:
    """The ``mail`` section of support.yml, with the password from the environment."""
    config = config or current_config()
    raw = config.raw.get("mail") or config.raw.get("smtp") or {}
    if not isinstance(raw, dict):
        raise MailSettingsError("support.yml: mail must be a mapping")
    if raw.get("password"):
        raise MailSettingsError("support.yml: mail.password is not read from this file; "
                                f"set env {raw.get('password_env') or DEFAULT_PASSWORD_ENV}")
    security = str(raw.get("security", "none")).lower()
    if security not in SECURITY_MODES:
        raise MailSettingsError(f"support.yml: mail.security must be one of "
                                f"{', '.join(SECURITY_MODES)}: {security!r}")
    support_address = ((config.channels.get("email") or {}).get("address")
                       or "support@localhost")
    default_port = {"none": 25, "starttls": 587, "ssl": 465}[security]
    try:
        port = int(raw.get("port") or default_port)
        timeout = float(raw.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS)
        attempts = int(raw.get("max_attempts") or DEFAULT_MAX_ATTEMPTS)
    except (TypeError, ValueError) as error:
        raise MailSettingsError(f"support.yml: mail: {error}") from None
    host = str(raw.get("host") or "localhost")
    if raw.get("username") and security == "none" and host not in LOCAL_HOSTS:
        raise MailSettingsError("support.yml: mail.username with security none would send "
                                f"the password in clear to {host}: use starttls or ssl")
    return MailSettings(
        host=host, port=port, security=security,
        username=str(raw["username"]) if raw.get("username") else None,
        password=os.environ.get(str(raw.get("password_env") or DEFAULT_PASSWORD_ENV)) or None,
        from_address=str(raw.get("from_address")
                         or f"{config.operator_name} <{support_address}>"),
        reply_to=str(raw.get("reply_to") or support_address),
        timeout_seconds=max(1.0, timeout), max_attempts=max(1, attempts),
        enabled=raw.get("enabled", True) is not False,
    )


# --- writing to the outbox ------------------------------------------------------------

def new_message_id(domain: str, reference: Optional[str], kind: str) -> str:
    return f"<{(reference or 'mail').lower()}.{kind.rpartition('_')[2]}.{uuid.uuid4().hex[:12]}@{domain}>"


def queue_mail(session: Session, *, kind: str, to_address: str, subject: str, body: str,
               reference: Optional[str] = None, in_reply_to: Optional[str] = None,
               now: Optional[datetime] = None,
               settings: Optional[MailSettings] = None) -> int:
    """Add a queued mail to the session (the caller's transaction); its id."""
    now = resolve_now(now)
    settings = settings or settings_or_defaults()
    mail = OutboxMail(kind=kind, ticket_reference=reference, to_address=to_address,
                      subject=subject[:255], body=body,
                      message_id=new_message_id(settings.domain, reference, kind),
                      in_reply_to=in_reply_to, status="queued", attempts=0,
                      created_at=to_db_time(now), next_attempt_at=to_db_time(now))
    session.add(mail)
    session.flush()
    return mail.id


def _operator_fields(config: SupportConfig) -> Dict[str, str]:
    return {"operator": config.operator_name, "website": config.operator.get("website", "")}


def _greeting(session: Session, player_id: Optional[str]) -> str:
    player = session.get(Player, player_id) if player_id else None
    if player is not None and player.display_name:
        return say("ticket_mail.greeting_named", name=player.display_name)
    return say("ticket_mail.greeting")


def _closing(config: SupportConfig, category: str, country: Optional[str]) -> List[str]:
    result = [""]
    if category == "responsible_gambling":
        for code in dict.fromkeys([country or "FR", "FR"]):  # the player's line, and France's
            line = config.helpline(code)
            result.append(say("ticket_mail.helpline", name=line.get("name", ""),
                              phone=line.get("phone", ""), hours=line.get("hours", "")))
        result.append("")
    return result + lines("ticket_mail.signature", **_operator_fields(config))


def _country(session: Session, player_id: Optional[str]) -> Optional[str]:
    player = session.get(Player, player_id) if player_id else None
    return player.country if player is not None else None


def queue_acknowledgement(session: Session, ticket: Any, now: Optional[datetime] = None,
                          config: Optional[SupportConfig] = None) -> Optional[int]:
    """Queue the acknowledgement of a new ticket (a ``TicketInfo``) to its address: the
    reference, the response target, the player's own summary. None without an address."""
    from .tickets import describe_response_target

    if not ticket.email:
        return None
    now = resolve_now(now)
    config = config or current_config()
    settings = settings_or_defaults(config)
    due_at = ticket.due_at or now  # always set by create_ticket
    fields = {"reference": ticket.reference, "summary": ticket.summary,
              "target": describe_response_target(due_at, now, config),
              **_operator_fields(config)}
    body = [_greeting(session, ticket.player_id), "",
            *lines("ticket_mail.acknowledgement.body", **fields),
            *_closing(config, ticket.category, _country(session, ticket.player_id))]
    return queue_mail(session, kind=KIND_ACKNOWLEDGEMENT, to_address=ticket.email,
                      subject=say("ticket_mail.acknowledgement.subject", **fields),
                      body="\n".join(body) + "\n", reference=ticket.reference, now=now,
                      settings=settings)


def queue_reply(session: Session, ticket: Any, text: str, now: Optional[datetime] = None,
                config: Optional[SupportConfig] = None) -> int:
    """Queue the team's reply ``text`` on ``ticket`` (a ``TicketInfo`` with an address),
    threaded under the ticket's acknowledgement."""
    now = resolve_now(now)
    config = config or current_config()
    settings = settings_or_defaults(config)
    fields = {"reference": ticket.reference, **_operator_fields(config)}
    first = session.execute(
        select(OutboxMail.message_id).where(OutboxMail.ticket_reference == ticket.reference)
        .order_by(OutboxMail.id).limit(1)).scalar_one_or_none()
    body = [_greeting(session, ticket.player_id), "",
            say("ticket_mail.reply.intro", **fields), "", text.strip(), "",
            say("ticket_mail.reply.outro", **fields),
            *_closing(config, ticket.category, _country(session, ticket.player_id))]
    return queue_mail(session, kind=KIND_REPLY, to_address=ticket.email,
                      subject=say("ticket_mail.reply.subject", **fields),
                      body="\n".join(body) + "\n", reference=ticket.reference,
                      in_reply_to=first, now=now, settings=settings)


# --- reading the outbox ----------------------------------------------------------------

@dataclass(frozen=True)
class MailInfo:
    id: int
    kind: str
    ticket_reference: Optional[str]
    to_address: str
    subject: str
    status: str
    attempts: int
    last_error: Optional[str]
    created_at: datetime
    next_attempt_at: Optional[datetime]
    sent_at: Optional[datetime]

    def as_dict(self) -> Dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("created_at", "next_attempt_at", "sent_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _mail_info(mail: OutboxMail) -> MailInfo:
    return MailInfo(id=mail.id, kind=mail.kind, ticket_reference=mail.ticket_reference,
                    to_address=mail.to_address, subject=mail.subject, status=mail.status,
                    attempts=mail.attempts, last_error=mail.last_error,
                    created_at=resolve_now(mail.created_at),
                    next_attempt_at=(aware_utc(mail.next_attempt_at)
                                     if mail.status == "queued" else None),
                    sent_at=aware_utc(mail.sent_at))


def list_mails(source: Source, reference: Optional[str] = None,
               status: Optional[str] = None, limit: int = 200) -> List[MailInfo]:
    """Outbox mails, oldest first (of one ticket, of one status)."""
    query = select(OutboxMail).order_by(OutboxMail.id)
    if reference is not None:
        query = query.where(OutboxMail.ticket_reference == reference)
    if status is not None:
        query = query.where(OutboxMail.status == status)
    with use_session(source) as session:
        return [_mail_info(m) for m in session.execute(query.limit(limit)).scalars()]


def retry_mail(source: Source, mail_id: int, now: Optional[datetime] = None) -> MailInfo:
    """A failed mail queued again (attempts start over); ``LookupError`` if unknown."""
    now = resolve_now(now)
    with use_session(source) as session:
        mail = session.get(OutboxMail, mail_id)
        if mail is None:
            raise LookupError(f"no mail {mail_id}")
        if mail.status == "failed":
            mail.status, mail.attempts = "queued", 0
            mail.next_attempt_at, mail.claimed_until = to_db_time(now), None
            session.flush()
        return _mail_info(mail)


# --- sending ----------------------------------------------------------------------------

@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0

    def as_dict(self) -> Dict[str, int]:
        return {"sent": self.sent, "retried": self.retried, "failed": self.failed}


class PermanentMailError(Exception):
    """The server refused the mail for good (5xx): retrying will not help."""


def build_message(mail: OutboxMail, settings: MailSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.from_address
    message["To"] = mail.to_address
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(resolve_now(mail.created_at))
    message["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        message["In-Reply-To"] = mail.in_reply_to
        message["References"] = mail.in_reply_to
    if mail.kind == KIND_ACKNOWLEDGEMENT:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(mail.body, charset="utf-8")
    return message


def deliver(message: EmailMessage, settings: MailSettings) -> None:
    """Send one message through the SMTP server (``settings.timeout_seconds`` per step).

    Raises ``PermanentMailError`` when the server refuses it for good, another exception
    (``OSError``, ``smtplib.SMTPException``) when it may work later."""
    timeout = settings.timeout_seconds
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=timeout,
                context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentMailError(f"recipient refused: {error.recipients}") from error
    except smtplib.SMTPResponseException as error:
        if 500 <= error.smtp_code < 600:
            raise PermanentMailError(f"{error.smtp_code} {error.smtp_error!r}") from error
        raise


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_SECONDS[min(attempts, len(RETRY_SECONDS)) - 1])


def _due_ids(session: Session, now: datetime, limit: int) -> Sequence[int]:
    db_now = to_db_time(now)
    return session.execute(
        select(OutboxMail.id).where(OutboxMail.status == "queued",
                                    OutboxMail.next_attempt_at <= db_now,
                                    or_(OutboxMail.claimed_until.is_(None),
                                        OutboxMail.claimed_until < db_now))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id).limit(limit)).scalars().all()


def _claim(database: Database, mail_id: int, now: datetime) -> Optional[OutboxMail]:
    """The mail, if this sender won it (nobody else sends it for ``CLAIM_SECONDS``)."""
    db_now = to_db_time(now)
    with database.session_scope() as session:
        won = session.execute(
            update(OutboxMail).where(OutboxMail.id == mail_id, OutboxMail.status == "queued",
                                     or_(OutboxMail.claimed_until.is_(None),
                                         OutboxMail.claimed_until < db_now))
            .values(claimed_until=to_db_time(now + timedelta(seconds=CLAIM_SECONDS)))
            .execution_options(synchronize_session=False)).rowcount
        if won != 1:
            return None
        mail = session.get(OutboxMail, mail_id)
        session.expunge(mail)
        return mail


def _record(database: Database, mail_id: int, now: datetime, error: Optional[Exception],
            permanent: bool, max_attempts: int) -> str:
    with database.session_scope() as session:
        mail = session.get(OutboxMail, mail_id)
        mail.attempts = (mail.attempts or 0) + 1
        mail.claimed_until = None
        if error is None:
            mail.status, mail.sent_at, mail.last_error = "sent", to_db_time(now), None
        else:
            mail.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR_LENGTH]
            if permanent or mail.attempts >= max_attempts:
                mail.status = "failed"
            else:
                mail.next_attempt_at = to_db_time(now + _retry_delay(mail.attempts))
        return mail.status


def send_due(database: Database, settings: Optional[MailSettings] = None,
             now: Optional[datetime] = None, limit: int = 50) -> SendReport:
    """Send the queued mails that are due (at most ``limit``); what happened."""
    settings = settings or mail_settings()
    report = SendReport()
    if not settings.enabled:
        return report
    with database.session_scope() as session:
        ids = list(_due_ids(session, resolve_now(now), limit))
    for mail_id in ids:
        moment = resolve_now(now)
        mail = _claim(database, mail_id, moment)
        if mail is None:
            continue
        error: Optional[Exception] = None
        permanent = False
        try:
            deliver(build_message(mail, settings), settings)
        except PermanentMailError as failure:
            error, permanent = failure, True
        except (OSError, smtplib.SMTPException, ValueError) as failure:
            error = failure
        if error is not None:
            logger.warning("mail %s to ticket %s not sent (attempt %s): %s", mail.id,
                           mail.ticket_reference, (mail.attempts or 0) + 1, error)
        status = _record(database, mail_id, resolve_now(now), error, permanent,
                         settings.max_attempts)
        if status == "sent":
            report.sent += 1
        elif status == "failed":
            report.failed += 1
        else:
            report.retried += 1
    return report

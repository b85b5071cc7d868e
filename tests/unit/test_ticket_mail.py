"""The mail outbox of the tickets: written with the ticket or the reply, sent through a
real local SMTP server (aiosmtpd), retried, failed for good, never sent twice."""
import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casino_support import ticket_desk, ticket_mail
from casino_support.cli import main
from casino_support.config import SupportConfig
from casino_support.database import session_scope
from casino_support.models import OutboxMail, Ticket
from casino_support.ticket_mail import (
    MailSettings, MailSettingsError, list_mails, mail_settings, retry_mail, send_due,
)
from casino_support.tickets import create_ticket
from tests.servers import free_port
from tests.smtp_server import body_of, smtp_server


def new_ticket(source, now, config, **fields):
    values = dict(conversation_id="conv-1", player_id="P1004", email=None,
                  category="payments", priority="high",
                  summary="Mon retrait de 500 € n'est pas arrivé",
                  description="Mon retrait par virement n'est toujours pas arrivé.",
                  transcript=[{"sender": "user", "text": "mon retrait est en retard"}],
                  account_snapshot={"player_id": "P1004"}, now=now, config=config)
    values.update(fields)
    return create_ticket(source, **values)


def settings_for(port, **changes) -> MailSettings:
    values = dict(host="127.0.0.1", port=port, security="none",
                  from_address="Casino Lumière <support@casino-lumiere.example>",
                  reply_to="support@casino-lumiere.example", timeout_seconds=3)
    values.update(changes)
    return MailSettings(**values)


def with_mail(config, **mail) -> SupportConfig:
    raw = copy.deepcopy(config.raw)
    raw["mail"] = mail
    return SupportConfig(raw=raw)


# --- settings -----------------------------------------------------------------------------

def test_settings_default_to_a_local_server_and_the_support_address(config):
    settings = mail_settings(with_mail(config))
    assert (settings.host, settings.port, settings.security) == ("localhost", 25, "none")
    assert settings.username is None and settings.password is None
    assert settings.reply_to == config.channels["email"]["address"]
    assert config.channels["email"]["address"] in settings.from_address
    assert settings.domain == "casino-lumiere.example"


def test_the_password_comes_from_the_environment_only(config, monkeypatch):
    monkeypatch.setenv("SUPPORT_SMTP_PASSWORD", "s3cret-from-env")
    settings = mail_settings(with_mail(config, host="smtp.example.org", security="starttls",
                                       username="desk"))
    assert (settings.port, settings.password, settings.username) == (587, "s3cret-from-env",
                                                                     "desk")
    assert mail_settings(with_mail(config, security="ssl")).port == 465
    with pytest.raises(MailSettingsError, match="SUPPORT_SMTP_PASSWORD"):
        mail_settings(with_mail(config, password="in-the-file"))
    with pytest.raises(MailSettingsError):
        mail_settings(with_mail(config, security="tls-maybe"))
    with pytest.raises(MailSettingsError, match="in clear"):
        mail_settings(with_mail(config, host="smtp.example.org", username="desk"))
    assert mail_settings(with_mail(config, username="desk")).security == "none"  # localhost


def test_the_project_support_yml_has_a_mail_section(config):
    assert config.raw["mail"]["security"] in ("none", "starttls", "ssl")
    assert "password" not in config.raw["mail"]


# --- written with the ticket -------------------------------------------------------------

def test_a_new_ticket_queues_its_acknowledgement_in_the_same_transaction(seeded, now, config,
                                                                        monkeypatch):
    ticket = new_ticket(seeded, now, config)
    [mail] = list_mails(seeded, ticket.reference)
    assert (mail.kind, mail.status, mail.attempts) == ("ticket_ack", "queued", 0)
    assert mail.to_address == "antoine.moreau@example.com"  # the account's address
    assert ticket.reference in mail.subject
    with session_scope() as session:
        body = session.execute(select(OutboxMail.body)).scalar_one()
    assert ticket.reference in body and "Mon retrait de 500 € n'est pas arrivé" in body
    assert body.startswith("Bonjour ")

    # The mail cannot be written: no ticket either (one transaction; the action then
    # says it was not recorded and offers « Réessayer »).
    def broken_outbox(*args, **kwargs):
        raise RuntimeError("database gone while writing the mail")
    monkeypatch.setattr(ticket_mail, "queue_mail", broken_outbox)
    with pytest.raises(RuntimeError):
        new_ticket(seeded, now, config)
    with session_scope() as session:
        assert session.execute(select(func.count(Ticket.id))).scalar_one() == 1
        assert session.execute(select(func.count(OutboxMail.id))).scalar_one() == 1


def test_a_ticket_can_be_created_without_acknowledgement(seeded, now, config):
    ticket = new_ticket(seeded, now, config, acknowledge=False)
    assert list_mails(seeded, ticket.reference) == []


def test_a_broken_mail_section_never_stops_a_ticket(seeded, now, config):
    broken = with_mail(config, password="not here", security="nonsense")
    ticket = new_ticket(seeded, now, broken)
    assert len(list_mails(seeded, ticket.reference)) == 1


def test_a_responsible_gambling_acknowledgement_gives_the_helpline(seeded, now, config):
    ticket = new_ticket(seeded, now, config, category="responsible_gambling",
                        priority="urgent", player_id="P1006")
    with session_scope() as session:
        body = session.execute(select(OutboxMail.body).where(
            OutboxMail.ticket_reference == ticket.reference)).scalar_one()
    assert "Joueurs Info Service" in body and "09 74 75 13 13" in body


# --- sent -----------------------------------------------------------------------------------

def test_the_acknowledgement_and_a_reply_arrive_threaded(seeded, now, config):
    ticket = new_ticket(seeded, now, config, player_id=None, email="lea.martin@exemple.fr")
    with smtp_server() as inbox:
        settings = settings_for(inbox.port)
        assert send_due(seeded, settings, now=now).as_dict() == {"sent": 1, "retried": 0,
                                                                  "failed": 0}
        ticket_desk.reply(seeded, ticket.reference, "alice",
                          "Bonjour, votre dépôt est crédité depuis ce matin.",
                          now=now + timedelta(minutes=5), config=config)
        assert send_due(seeded, settings, now=now + timedelta(minutes=5)).sent == 1
        ack, answer = inbox.wait_for(2)
    assert ack["To"] == "lea.martin@exemple.fr"
    assert ticket.reference in ack["Subject"]
    assert ack["Reply-To"] == "support@casino-lumiere.example"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert "Nous avons bien reçu votre demande" in body_of(ack)
    assert ticket.reference in body_of(ack)
    assert answer["To"] == "lea.martin@exemple.fr" and ticket.reference in answer["Subject"]
    assert "votre dépôt est crédité depuis ce matin" in body_of(answer)
    assert answer["In-Reply-To"].strip() == ack["Message-ID"].strip()
    assert [m.status for m in list_mails(seeded, ticket.reference)] == ["sent", "sent"]
    assert send_due(seeded, settings, now=now + timedelta(hours=1)).as_dict() == {
        "sent": 0, "retried": 0, "failed": 0}  # never twice


def test_a_server_that_is_down_means_later_then_failed(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    settings = settings_for(free_port(), max_attempts=3, timeout_seconds=1)
    assert send_due(seeded, settings, now=now).retried == 1
    [mail] = list_mails(seeded, ticket.reference)
    assert (mail.status, mail.attempts) == ("queued", 1)
    assert mail.last_error and mail.next_attempt_at > now
    # Not due yet: nothing is tried.
    assert send_due(seeded, settings, now=now + timedelta(seconds=5)).as_dict() == {
        "sent": 0, "retried": 0, "failed": 0}
    assert send_due(seeded, settings, now=now + timedelta(minutes=1)).retried == 1
    assert send_due(seeded, settings, now=now + timedelta(hours=1)).failed == 1
    [mail] = list_mails(seeded, ticket.reference)
    assert (mail.status, mail.attempts) == ("failed", 3)
    # Queued again from the console, it goes once the server is back.
    retry_mail(seeded, mail.id, now=now + timedelta(hours=2))
    with smtp_server() as inbox:
        assert send_due(seeded, settings_for(inbox.port),
                        now=now + timedelta(hours=2)).sent == 1
        inbox.wait_for(1)


def test_a_refused_address_fails_at_once(seeded, now, config):
    ticket = new_ticket(seeded, now, config, player_id=None, email="nobody@exemple.fr")
    with smtp_server(refuse=["nobody@exemple.fr"]) as inbox:
        assert send_due(seeded, settings_for(inbox.port), now=now).failed == 1
    [mail] = list_mails(seeded, ticket.reference)
    assert mail.status == "failed" and "refused" in mail.last_error


def test_a_claimed_mail_is_not_sent_by_another_sender(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    [mail] = list_mails(seeded, ticket.reference)
    assert ticket_mail._claim(seeded, mail.id, now) is not None
    assert ticket_mail._claim(seeded, mail.id, now) is None  # someone is on it
    with smtp_server() as inbox:
        assert send_due(seeded, settings_for(inbox.port), now=now).sent == 0
        # A sender that died: its claim ends.
        later = now + timedelta(seconds=ticket_mail.CLAIM_SECONDS + 1)
        assert send_due(seeded, settings_for(inbox.port), now=later).sent == 1


def test_disabled_mail_sends_nothing(seeded, now, config):
    new_ticket(seeded, now, config)
    assert send_due(seeded, settings_for(free_port(), enabled=False), now=now).as_dict() == {
        "sent": 0, "retried": 0, "failed": 0}
    assert [m.status for m in list_mails(seeded)] == ["queued"]


def test_cli_send_mail_drains_the_outbox_once(seeded, now, config, tmp_path, monkeypatch,
                                              capsys):
    import yaml

    ticket = new_ticket(seeded, now, config, player_id=None, email="lea.martin@exemple.fr")
    with smtp_server() as inbox:
        raw = copy.deepcopy(config.raw)
        raw["mail"] = {"host": "127.0.0.1", "port": inbox.port, "security": "none"}
        path = tmp_path / "support.yml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        monkeypatch.setenv("SUPPORT_CONFIG", str(path))
        assert main(["send-mail", "--json"]) == 0
        [message] = inbox.wait_for(1)
    assert '"sent": 1' in capsys.readouterr().out
    assert message["To"] == "lea.martin@exemple.fr" and ticket.reference in message["Subject"]

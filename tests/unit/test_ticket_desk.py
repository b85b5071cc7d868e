"""Tickets a team can work: status open / pending / solved (audited), replies by e-mail and
internal notes as ticket events, the console's view, deadlines in the operator's zone,
the category from the escalation reason, the transcript with the buttons' titles."""
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from actions.escalation import ActionCreateTicket, transcript_of
from casino_support import ticket_desk
from casino_support.database import session_scope
from casino_support.escalation import TICKET_CATEGORIES, ticket_category
from casino_support.models import AuditEvent, Ticket
from casino_support.ticket_mail import list_mails
from casino_support.tickets import TicketError, UnknownTicket, create_ticket, get_ticket
from tests.unit.test_actions import run, secret, token, tracker  # noqa: F401 (secret: autouse)
from tests.unit.test_escalation_actions import chat_closed, live_db  # noqa: F401 (fixtures)

UTC = timezone.utc


def new_ticket(source, now, config, **fields):
    values = dict(conversation_id="conv-1", player_id="P1004", email=None,
                  category="payments", priority="high", summary="Retrait en retard",
                  description="Mon retrait n'est pas arrivé.", transcript=[],
                  account_snapshot={"player_id": "P1004"}, now=now, config=config)
    values.update(fields)
    return create_ticket(source, **values)


# --- status ---------------------------------------------------------------------------------

def test_status_open_pending_solved_and_reopened_is_audited(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    pending = ticket_desk.set_status(seeded, ticket.reference, "alice", "pending",
                                     now=now + timedelta(minutes=1))
    assert pending.status == "pending" and pending.closed_at is None
    solved = ticket_desk.set_status(seeded, ticket.reference, "bob", "solved",
                                    now=now + timedelta(minutes=2))
    assert (solved.status, solved.closed_by) == ("solved", "agent:bob")
    assert solved.closed_at == now + timedelta(minutes=2)
    same = ticket_desk.set_status(seeded, ticket.reference, "carol", "solved")
    assert same.closed_by == "agent:bob"  # unchanged
    reopened = ticket_desk.set_status(seeded, ticket.reference, "alice", "open",
                                      now=now + timedelta(minutes=3))
    assert (reopened.status, reopened.closed_at, reopened.closed_by) == ("open", None, None)
    events = ticket_desk.ticket_events(seeded, ticket.reference)
    assert [(e.kind, e.author, e.text) for e in events] == [
        ("status", "agent:alice", "open -> pending"), ("status", "agent:bob", "pending -> solved"),
        ("status", "agent:alice", "solved -> open")]
    with session_scope() as session:
        audit = session.execute(select(AuditEvent).where(
            AuditEvent.action == "ticket_status_changed").order_by(AuditEvent.id)).scalars().all()
    assert [(a.actor, a.player_id, json.loads(a.details)["status"]) for a in audit] == [
        ("agent:alice", "P1004", "pending"), ("agent:bob", "P1004", "solved"),
        ("agent:alice", "P1004", "open")]
    with pytest.raises(TicketError):
        ticket_desk.set_status(seeded, ticket.reference, "alice", "done")
    with pytest.raises(UnknownTicket):
        ticket_desk.set_status(seeded, "T-2026-999999", "alice", "solved")


def test_overdue_only_while_it_is_the_teams_move(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    late = ticket.due_at + timedelta(minutes=1)
    assert get_ticket(seeded, ticket.reference, now=late).overdue is True
    ticket_desk.set_status(seeded, ticket.reference, "alice", "pending", now=now)
    assert get_ticket(seeded, ticket.reference, now=late).overdue is False  # the player's move
    ticket_desk.set_status(seeded, ticket.reference, "alice", "solved", now=now)
    assert get_ticket(seeded, ticket.reference, now=late).overdue is False


def test_a_closed_ticket_of_an_older_version_reads_as_solved(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    with session_scope() as session:
        session.execute(select(Ticket)).scalar_one().status = "closed"
    assert get_ticket(seeded, ticket.reference).status == "solved"
    reopened = ticket_desk.set_status(seeded, ticket.reference, "alice", "open")
    assert reopened.status == "open"


# --- replies and notes -----------------------------------------------------------------------

def test_a_reply_is_an_event_and_a_queued_mail_a_note_is_not_sent(seeded, now, config):
    ticket = new_ticket(seeded, now, config)
    note = ticket_desk.add_note(seeded, ticket.reference, "alice", "  Vu avec la compta.  ",
                                now=now + timedelta(minutes=1))
    assert (note.kind, note.text, note.mail_id) == ("note", "Vu avec la compta.", None)
    reply = ticket_desk.reply(seeded, ticket.reference, "alice", "Votre virement part ce soir.",
                              now=now + timedelta(minutes=2), config=config)
    assert reply.kind == "reply" and reply.mail_id is not None
    mails = list_mails(seeded, ticket.reference)
    assert [(m.kind, m.status) for m in mails] == [("ticket_ack", "queued"),
                                                   ("ticket_reply", "queued")]
    assert mails[1].id == reply.mail_id and mails[1].to_address == "antoine.moreau@example.com"
    with pytest.raises(TicketError):
        ticket_desk.add_note(seeded, ticket.reference, "alice", "   ")
    with pytest.raises(TicketError):
        ticket_desk.reply(seeded, ticket.reference, "alice", "x" * 9000)
    with session_scope() as session:
        actions = session.execute(select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions[-2:] == ["ticket_note", "ticket_reply"]


def test_the_console_view_has_transcript_snapshot_events_mails_and_local_deadline(
        seeded, config):
    winter = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)  # Monday, Paris is UTC+1 (CET)
    ticket = new_ticket(seeded, winter, config, transcript=[
        {"sender": "user", "text": "mon retrait"}, {"sender": "bot", "text": "Je regarde."}])
    ticket_desk.add_note(seeded, ticket.reference, "alice", "Appeler la banque", now=winter)
    view = ticket_desk.ticket_view(seeded, ticket.reference, now=winter, config=config)
    assert view["transcript"][1]["text"] == "Je regarde."
    assert view["account_snapshot"] == {"player_id": "P1004"}
    assert view["email"] == "antoine.moreau@example.com"
    assert [e["kind"] for e in view["events"]] == ["note"]
    assert [m["kind"] for m in view["mails"]] == ["ticket_ack"]
    local = ticket.due_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    assert view["due_local"] == f"{local:%d/%m/%Y %H:%M} CET (Europe/Paris)"
    assert view["timezone"] == "Europe/Paris"


def test_local_time_names_the_zone_in_summer_too(config):
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert ticket_desk.local_time(summer, config) == "01/07/2026 14:00 CEST (Europe/Paris)"
    assert ticket_desk.local_time(None, config) is None


# --- category ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reason, description_intent, topic, category", [
    ("late_payment", None, None, "payments"),
    ("late_payment", "complain", None, "payments"),           # the reason's team first
    ("human_request", "late_payment", None, "payments"),      # « Mon retrait n'est jamais arrivé »
    ("human_request", "deposit_failed", None, "payments"),
    ("angry_player", "late_payment", None, "complaints"),     # a complaint about a withdrawal
    ("responsible_gambling", None, None, "responsible_gambling"),
    ("human_request", "responsible_gambling", None, "responsible_gambling"),
    ("not_understood", "responsible_gambling", "bonus", "responsible_gambling"),
    ("angry_player", "nlu_fallback", None, "complaints"),     # « vous êtes nuls »
    ("human_request", "complain", None, "complaints"),        # « je veux déposer une réclamation »
    ("human_request", "verify_account", None, "accounts"),    # « ma pièce d'identité est refusée »
    ("human_request", "account_access", None, "accounts"),    # « mot de passe oublié »
    ("human_request", "inform", "verify_account", "accounts"),
    ("human_request", None, "withdraw", "payments"),
    ("human_request", "bonus", "bonus", "general"),
    ("human_request", "greet", None, "general"),
    (None, None, None, "general"),
])
def test_the_category_follows_the_reason_then_what_the_nlu_read_in_the_description(
        reason, description_intent, topic, category):
    assert ticket_category(reason, description_intent, topic) == category
    assert category in TICKET_CATEGORIES


def ticket_from(description, intent, sender, **slots):
    """The player described the problem (read by the NLU as ``intent``) at the end of the
    ticket form; returns what the bot said and the ticket row created."""
    said, _, _ = run(ActionCreateTicket(), tracker(
        description, intent, sender=sender,
        slots={"email": "lea@exemple.fr", "ticket_description": description, **slots}))
    with session_scope() as session:
        row = session.execute(select(Ticket).where(Ticket.conversation_id == sender)).scalar_one()
        session.expunge(row)
    return said, row


def test_a_late_withdrawal_asked_as_a_human_request_is_a_payments_ticket(live_db, chat_closed):
    _, row = ticket_from("mon retrait de 200 euros n'est toujours pas arrivé", "late_payment",
                         "conv-late-human", escalation_reason="human_request")
    assert (row.category, row.reason, row.priority) == ("payments", "human_request", "normal")


def test_a_description_the_nlu_read_as_a_complaint_is_a_complaints_ticket(live_db, chat_closed):
    _, row = ticket_from("je veux porter réclamation, on m'a bloqué sans raison", "complain",
                         "conv-complaint", escalation_reason="human_request")
    assert row.category == "complaints"


# --- the transcript kept with the ticket -------------------------------------------------------

def test_the_transcript_shows_the_quick_replies_by_their_titles():
    history = [
        {"event": "bot", "text": "Aucun conseiller n'est connecté.", "data": {"buttons": [
            {"title": "Laisser un ticket", "payload": "/contact_support_ticket"},
            {"title": "Attendre un conseiller", "payload": "/human_handoff_wait"}]}},
        {"event": "user", "text": "/contact_support_ticket"},
        {"event": "user", "text": "/human_handoff_wait"},  # not offered any more: as typed
    ]
    lines = transcript_of(tracker("x", "inform", events=history))
    assert lines[0]["buttons"][0]["title"] == "Laisser un ticket"
    assert (lines[1]["text"], lines[1]["payload"]) == ("Laisser un ticket",
                                                       "/contact_support_ticket")
    assert lines[2]["text"] == "/human_handoff_wait"


def test_a_players_mail_holds_nothing_of_another_player(seeded, now, config):
    mine = new_ticket(seeded, now, config, player_id="P1004")
    other = new_ticket(seeded, now, config, player_id="P1003", summary="Bonus de P1003")
    ticket_desk.reply(seeded, mine.reference, "alice", "Réponse pour vous", config=config)
    with session_scope() as session:
        from casino_support.models import OutboxMail
        mails = session.execute(select(OutboxMail).where(
            OutboxMail.ticket_reference == mine.reference)).scalars().all()
        assert {m.to_address for m in mails} == {"antoine.moreau@example.com"}
        assert all("P1003" not in m.body and other.reference not in m.body for m in mails)


def test_the_console_masks_what_the_player_typed_not_what_the_bot_said():
    from casino_connector.agent_tickets import masked_ticket

    shown = masked_ticket({
        "summary": "ma carte 4111 1111 1111 1111 est refusée", "email": "lea@exemple.fr",
        "transcript": [
            {"sender": "user", "text": "écrivez-moi à lea@exemple.fr"},
            {"sender": "bot", "text": "Écrivez-nous à support@casino-lumiere.example."}]})
    assert "4111 1111 1111 1111" not in shown["summary"]
    assert "lea@exemple.fr" not in shown["transcript"][0]["text"]
    assert shown["transcript"][1]["text"] == "Écrivez-nous à support@casino-lumiere.example."
    assert shown["email"] == "lea@exemple.fr"  # the address the team answers to


# --- a written complaint -------------------------------------------------------------------------

def test_a_complaint_is_answered_with_the_written_path_and_leads_to_a_complaint(live_db, chat_closed):
    from actions.general_answers import AnswerComplain

    said, events, messages = run(AnswerComplain(), tracker(
        "je veux porter réclamation, c'est inadmissible", "complain", sender="conv-claim"))
    assert "réclamation écrite" in said and "sous 10 jours" in said
    assert [b["title"] for b in messages[-1]["buttons"]][-1] == "Déposer une réclamation"
    assert [e["value"] for e in events if e.get("name") == "escalation_reason"] == ["angry_player"]


def test_a_complaint_ticket_gives_the_answer_date_and_the_escalation_path(live_db, chat_closed):
    from datetime import date

    from casino_support.complaints import ComplaintSettings, complaint_clock
    from casino_support.config import current_config
    from casino_support.formatting import format_date

    said, row = ticket_from("mon retrait a été annulé sans explication", "withdraw", "conv-claim-2",
                            escalation_reason="angry_player")
    assert row.category == "complaints"
    clock = complaint_clock(row.created_at.replace(tzinfo=UTC),
                            ComplaintSettings.from_config(current_config().raw))
    assert clock.answer_by - row.created_at.date() in (timedelta(days=10), timedelta(days=11))
    assert isinstance(clock.escalate_from, date)
    assert row.reference in said and "au plus tard le " + format_date(clock.answer_by) in said
    assert "à partir du " + format_date(clock.escalate_from) in said
    assert "Malta Gaming Authority" in said and "mga.org.mt" in said and "eCOGRA" in said
    view = ticket_desk.ticket_view(live_db, row.reference)
    assert view["complaint"]["answer_by"] == clock.answer_by.isoformat()
    assert view["complaint"]["overdue"] is False


def test_asking_how_to_complain_offers_the_written_complaint_and_its_ticket_is_one(live_db, chat_closed):
    from casino_support.answers import answer_for
    from casino_support.clock import utc_now
    from casino_support.config import current_config
    from casino_support.escalation import is_complaint
    from casino_support.questions import Question

    answer = answer_for(Question("contact_support", "complaint"), current_config(), utc_now())
    assert "Malta Gaming Authority" in " ".join(answer.messages)
    assert [b["title"] for b in answer.buttons] == ["Déposer une réclamation"]
    assert is_complaint(None, "contact_support", "complaint")
    assert not is_complaint("human_request", "contact_support", "hours")
    said, row = ticket_from("on m'a fermé mon compte sans raison", "account_access", "conv-claim-3",
                            topic="contact_support", aspect="complaint")
    assert row.category == "complaints" and "Votre réclamation est enregistrée" in said

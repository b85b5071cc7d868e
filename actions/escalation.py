"""Passing the conversation to a human: the handoff queue inside hours, a ticket outside.

The rules (reason → priority, team) live in casino_support.escalation; the queue and the
tickets in casino_support.handoffs and casino_support.tickets. These actions read the
tracker, call them, and tell the player the truth: position in the queue, whether an
agent is online, when the chat reopens, the ticket's reference and response target.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answering import answer_turn
from actions.common import (
    answers_failures, ask_anything_else, config, in_support_database, not_recorded, now,
    tell_database_down,
)
from actions.player_identity import identify
from casino_support import accounts, agents, handoffs, tickets
from casino_support.answers import Answers
from casino_support.questions import URGENT_ASPECTS
from casino_support.database import SupportDatabaseUnavailable
from casino_support.escalation import Escalation, escalation_for
from casino_support.support_hours import chat_hours
from casino_support.wording import ANYTHING_ELSE, TICKET_BUTTON

logger = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
WAIT_BUTTON = {"title": "Attendre un conseiller", "payload": "/human_handoff_wait"}
RETRY_HUMAN_BUTTON = {"title": "Réessayer", "payload": "/human_handoff"}
RETRY_WAIT_BUTTON = {"title": "Réessayer", "payload": "/human_handoff_wait"}
RETRY_TICKET_BUTTON = {"title": "Réessayer", "payload": "/contact_support_ticket"}
HANDOFF_NOT_RECORDED = "votre demande de conseiller"
TICKET_NOT_RECORDED = "votre ticket"

# Outcome of an escalation, read by the rules (slot `handoff_outcome`).
QUEUED, NO_AGENT, CLOSED, FAILED = "queued", "no_agent", "closed", "failed"


def _queue_message(position: Optional[int], online: int, escalation: Escalation) -> Text:
    where = f"Vous êtes en position {position} dans la file d'attente" if position else \
        "Votre demande est dans la file d'attente"
    team = " de l'équipe paiements" if escalation.team == "payments" else ""
    agents_word = "conseiller est connecté" if online == 1 else "conseillers sont connectés"
    return (f"{where}{team} ; {online} {agents_word} en ce moment. Un conseiller humain va "
            "reprendre cette conversation ici même : restez sur cette page. Pendant l'attente, "
            "je ne réponds plus, vos messages sont transmis au conseiller.")


async def escalate(dispatcher: CollectingDispatcher, tracker: Tracker, reason: Text,
                   ticket_description: Optional[Text] = None) -> List[EventType]:
    """Queue the conversation (inside hours), or start a ticket (outside hours)."""
    escalation = escalation_for(reason)
    identity = identify(tracker)
    moment = now()
    events: List[EventType] = [SlotSet("escalation_reason", reason)]
    if ticket_description:
        events.append(SlotSet("ticket_description", ticket_description))
    if not chat_hours(config()).is_open(moment):
        dispatcher.utter_message(text=(
            f"Le chat avec un conseiller est {Answers(config(), moment).chat_status()}. "
            "Je peux créer un ticket tout de suite : notre équipe vous répondra par e-mail."
        ))
        return events + [SlotSet("handoff_outcome", CLOSED)]

    def enqueue(session):
        # Nobody joins the queue before an agent can take it or the player chose to
        # wait (action_wait_for_agent): the queue lists only players really waiting.
        online = agents.online_count(session, now=moment)
        if online == 0:
            return None, 0
        handoff = handoffs.enqueue(session, tracker.sender_id, identity.player_id,
                                   reason, escalation.priority, now=moment)
        return handoff, online
    try:
        handoff, online = await in_support_database(enqueue)
    except SupportDatabaseUnavailable as error:
        tell_database_down(dispatcher, not_recorded(HANDOFF_NOT_RECORDED), error,
                           [RETRY_HUMAN_BUTTON])
        return events + [SlotSet("handoff_outcome", FAILED)]
    if handoff is None:
        dispatcher.utter_message(
            text=("Aucun conseiller n'est connecté en ce moment, même si le chat est ouvert. "
                  "Vous pouvez laisser un ticket (réponse par e-mail), ou attendre qu'un "
                  "conseiller se connecte."),
            buttons=[TICKET_BUTTON, WAIT_BUTTON],
        )
        return events + [SlotSet("handoff_outcome", NO_AGENT)]
    dispatcher.utter_message(text=_queue_message(handoff.position, online, escalation))
    return events + [SlotSet("handoff_outcome", QUEUED), ConversationPaused()]


class ActionRequestHuman(Action):
    """The player asks for a human."""

    def name(self) -> Text:
        return "action_request_human"

    @answers_failures(lambda: not_recorded(HANDOFF_NOT_RECORDED), [RETRY_HUMAN_BUTTON],
                      events=lambda: [SlotSet("handoff_outcome", FAILED)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        return await escalate(dispatcher, tracker, "human_request")


class ActionWaitForAgent(Action):
    """No agent online: the player chose to wait, and only now joins the queue."""

    def name(self) -> Text:
        return "action_wait_for_agent"

    @answers_failures(lambda: not_recorded(HANDOFF_NOT_RECORDED), [RETRY_WAIT_BUTTON])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reason = tracker.get_slot("escalation_reason") or "human_request"
        escalation = escalation_for(reason)
        player_id, moment = identify(tracker).player_id, now()
        handoff = await in_support_database(lambda session: handoffs.enqueue(
            session, tracker.sender_id, player_id, reason, escalation.priority, now=moment))
        position = f"en position {handoff.position} " if handoff.position else ""
        dispatcher.utter_message(text=(
            f"C'est noté : vous êtes {position}dans la file d'attente. Dès qu'un conseiller se "
            "connecte, il reprend cette conversation ici. Pendant l'attente, je ne réponds plus ; "
            "vos messages sont transmis au conseiller."))
        return [SlotSet("handoff_outcome", QUEUED), ConversationPaused()]


class ActionAnswerResponsibleGambling(Action):
    """Graded: the self-service answer for routine tools (a limit, a pause, a reminder);
    distress and self-exclusion requests are escalated with top priority, at any hour, with
    the helpline (of the player's country, and the French one)."""

    def name(self) -> Text:
        return "action_answer_responsible_gambling"

    @answers_failures(lambda: not_recorded(HANDOFF_NOT_RECORDED), [RETRY_HUMAN_BUTTON],
                      events=lambda: [SlotSet("handoff_outcome", FAILED)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        turn = await answer_turn(dispatcher, tracker, "responsible_gambling",
                                 anything_else=False)
        if not any(question.aspect in URGENT_ASPECTS for question in turn.questions):
            if not turn.asked_back:
                dispatcher.utter_message(text=ANYTHING_ELSE)
            return turn.slot_events() + [SlotSet("handoff_outcome", None)]
        return turn.slot_events() + await escalate(
            dispatcher, tracker, "responsible_gambling",
            ticket_description="Demande liée au jeu responsable")


class AskEmail(Action):
    def name(self) -> Text:
        return "action_ask_email"

    @answers_failures()
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="À quelle adresse e-mail notre équipe peut-elle vous répondre ? "
                                      "(dites « non » pour annuler)")
        return []


class AskTicketDescription(Action):
    def name(self) -> Text:
        return "action_ask_ticket_description"

    @answers_failures()
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="Décrivez votre demande en une ou deux phrases : je la "
                                      "transmets avec notre conversation.")
        return []


class ValidateTicketForm(FormValidationAction):
    """Asks only for what is missing: the e-mail of an anonymous player, a description."""

    def name(self) -> Text:
        return "validate_ticket_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if identify(tracker).known:
            return [slot for slot in domain_slots if slot != "email"]
        return domain_slots

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        match = EMAIL_PATTERN.search(value) if isinstance(value, str) else None
        if not match:
            dispatcher.utter_message(text="Cette adresse e-mail ne semble pas valide "
                                          "(exemple : prenom.nom@exemple.fr).")
            return {"email": None}
        return {"email": match.group(0)}

    def validate_ticket_description(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) < 3:
            dispatcher.utter_message(text="Décrivez votre demande en une phrase, s'il vous plaît.")
            return {"ticket_description": None}
        return {"ticket_description": text[:1000]}


def transcript_of(tracker: Tracker, limit: int = 200) -> List[Dict[Text, Any]]:
    lines = []
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            lines.append({"sender": "user", "text": event["text"], "at": event.get("timestamp")})
        elif kind == "bot" and event.get("text"):
            agent = (event.get("metadata") or {}).get("agent")
            lines.append({"sender": "agent" if agent else "bot", "text": event["text"],
                          "agent": agent, "at": event.get("timestamp")})
    return lines[-limit:]


class ActionCreateTicket(Action):
    """Creates the ticket with the transcript and the account snapshot; gives its reference.

    When the database is down, nothing is reset: the player's « Réessayer » (the ticket
    button) creates it without asking again for the e-mail and the description."""

    def name(self) -> Text:
        return "action_create_ticket"

    @answers_failures(lambda: not_recorded(TICKET_NOT_RECORDED), [RETRY_TICKET_BUTTON],
                      events=lambda: [SlotSet("handoff_outcome", None)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reason = tracker.get_slot("escalation_reason") or "human_request"
        escalation = escalation_for(reason)
        description = tracker.get_slot("ticket_description") or ""
        identity = identify(tracker)
        moment = now()
        settings = config()
        transcript = transcript_of(tracker)
        reset = [SlotSet("ticket_description", None), SlotSet("escalation_reason", None),
                 SlotSet("handoff_outcome", None)]

        def create(session):
            email, snapshot = tracker.get_slot("email"), None
            if identity.known:
                player = accounts.get_player(session, identity.player_id, moment)
                email = player.email if player else email
                snapshot = accounts.account_snapshot(session, identity.player_id, moment, settings)
            ticket = tickets.create_ticket(
                session, conversation_id=tracker.sender_id, player_id=identity.player_id,
                email=email, category=escalation.category, priority=escalation.priority,
                summary=description[:120] or escalation.category, description=description,
                transcript=transcript, account_snapshot=snapshot, now=moment, config=settings,
            )
            # A player who chose a ticket waits for no agent.
            handoffs.end(session, tracker.sender_id, handoffs.TICKET, now=moment)
            return ticket, email
        try:
            ticket, email = await in_support_database(create)
        except ValueError as error:
            logger.warning("ticket refused: %s", error)
            dispatcher.utter_message(text="Je n'ai pas pu créer le ticket : il me faut une adresse "
                                          "e-mail valide pour vous répondre.")
            return reset + [SlotSet("email", None)]
        target = tickets.describe_response_target(ticket.due_at, moment, settings)
        dispatcher.utter_message(text=(
            f"Votre ticket {ticket.reference} est créé. Notre équipe vous répondra par e-mail "
            f"({email}) {target}. Gardez cette référence si vous nous recontactez."))
        ask_anything_else(dispatcher, tracker)
        return reset


class ActionCancelTicket(Action):
    """The player said no while the bot was collecting the ticket."""

    def name(self) -> Text:
        return "action_cancel_ticket"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text="Très bien, je ne crée pas de ticket. "
                                      + Answers(config(), now()).reach_support())
        return [SlotSet("ticket_description", None), SlotSet("escalation_reason", None),
                SlotSet("handoff_outcome", None), SlotSet("requested_slot", None)]

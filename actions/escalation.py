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
from actions.player_protection import offer_protection
from casino_support import accounts, agents, handoffs, ticket_contacts, tickets
from casino_support.answers import Answers
from casino_support.catalogue import say
from casino_support.questions import URGENT_ASPECTS
from casino_support.database import SupportDatabaseUnavailable
from casino_support.complaints import ComplaintSettings, complaint_clock
from casino_support.escalation import (
    CATEGORY_COMPLAINTS, Escalation, escalation_for, is_complaint, ticket_category,
)
from casino_support.formatting import format_date
from casino_support.support_hours import chat_hours
from casino_support.wording import ANYTHING_ELSE, TICKET_BUTTON

logger = logging.getLogger(__name__)

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
WAIT_BUTTON = {"title": say("escalation.buttons.wait"), "payload": "/human_handoff_wait"}
RETRY_HUMAN_BUTTON = {"title": say("escalation.buttons.retry"), "payload": "/human_handoff"}
RETRY_WAIT_BUTTON = {"title": say("escalation.buttons.retry"), "payload": "/human_handoff_wait"}
RETRY_TICKET_BUTTON = {"title": say("escalation.buttons.retry"), "payload": "/contact_support_ticket"}
HANDOFF_NOT_RECORDED = say("escalation.not_recorded")
TICKET_NOT_RECORDED = say("tickets.not_recorded")

# Outcome of an escalation, read by the rules (slot `handoff_outcome`).
QUEUED, NO_AGENT, CLOSED, FAILED = "queued", "no_agent", "closed", "failed"


def _queue_message(position: Optional[int], online: int, escalation: Escalation) -> Text:
    team = say("escalation.team_payments") if escalation.team == "payments" else ""
    where = (say("escalation.queue_position", position=position, team=team) if position
             else say("escalation.queue_no_position", team=team))
    agents_online = (say("escalation.agents_one", online=online) if online == 1
                     else say("escalation.agents_many", online=online))
    return say("escalation.queued", where=where, agents=agents_online)


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
        dispatcher.utter_message(text=say("escalation.chat_closed",
                                          status=Answers(config(), moment).chat_status()))
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
            text=say("escalation.no_agent"),
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
        dispatcher.utter_message(text=(
            say("escalation.waiting_position", position=handoff.position) if handoff.position
            else say("escalation.waiting")))
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
        aspects = [q.aspect for q in turn.questions if q.topic == "responsible_gambling"]
        if aspects and "distress" not in aspects:
            offered = await offer_protection(dispatcher, tracker, aspects[-1])
            if offered:  # the protection form asks what is missing, then confirms
                return turn.slot_events() + offered + [SlotSet("handoff_outcome", None)]
        if not any(question.aspect in URGENT_ASPECTS for question in turn.questions):
            if not turn.asked_back:
                dispatcher.utter_message(text=ANYTHING_ELSE)
            return turn.slot_events() + [SlotSet("handoff_outcome", None)]
        return turn.slot_events() + await escalate(
            dispatcher, tracker, "responsible_gambling",
            ticket_description=say("tickets.responsible_gambling"))


class AskEmail(Action):
    def name(self) -> Text:
        return "action_ask_email"

    @answers_failures()
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=say("tickets.ask_email"))
        return []


class AskTicketDescription(Action):
    def name(self) -> Text:
        return "action_ask_ticket_description"

    @answers_failures()
    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=say("tickets.ask_description"))
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
            dispatcher.utter_message(text=say("tickets.invalid_email"))
            return {"email": None}
        return {"email": match.group(0)}

    def validate_ticket_description(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) < 3:
            dispatcher.utter_message(text=say("tickets.description_too_short"))
            return {"ticket_description": None}
        return {"ticket_description": text[:1000]}


def transcript_of(tracker: Tracker, limit: int = 200) -> List[Dict[Text, Any]]:
    """The conversation for the ticket: a quick reply the player clicked is shown by its
    button's title (« Attendre un conseiller »), not its payload."""
    lines: List[Dict[Text, Any]] = []
    offered: Dict[Text, Text] = {}  # payload -> title, of the bot's latest buttons
    for event in tracker.events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            text = event["text"].lstrip("\u200b")
            line = {"sender": "user", "text": text, "at": event.get("timestamp")}
            if text in offered:
                line.update(text=offered[text], payload=text)
            lines.append(line)
            offered = {}
        elif kind == "bot" and (event.get("text") or (event.get("data") or {}).get("buttons")):
            data = event.get("data") or {}
            buttons = [b for b in (data.get("buttons") or data.get("quick_replies") or [])
                       if isinstance(b, dict) and isinstance(b.get("payload"), str)]
            offered.update({b["payload"]: str(b.get("title") or b["payload"]) for b in buttons})
            agent = (event.get("metadata") or {}).get("agent")
            line = {"sender": "agent" if agent else "bot", "text": event.get("text") or "",
                    "agent": agent, "at": event.get("timestamp")}
            if buttons:
                line["buttons"] = [{"title": str(b.get("title") or b["payload"]),
                                    "payload": b["payload"]} for b in buttons]
            lines.append(line)
    return lines[-limit:]


def complaint_registered(reference: Text, email: Text, opened_at: Any, settings: Any) -> Text:
    """The written complaint's receipt: its reference, the answer date and the escalation
    path from that date (support.yml operator.complaints)."""
    complaints = ComplaintSettings.from_config(settings.raw)
    clock = complaint_clock(opened_at, complaints)
    adr = (say("tickets.complaint_adr", adr=complaints.adr.name, adr_url=complaints.adr.url)
           if complaints.adr else "")
    return say("tickets.complaint_created", reference=reference, email=email,
               answer_by=format_date(clock.answer_by), escalate_from=format_date(clock.escalate_from),
               authority=complaints.authority.name, authority_url=complaints.authority.url, adr=adr)


def description_intent(events: List[Dict[Text, Any]], description: Text) -> Optional[Text]:
    """The intent the NLU read in the player's message that became the ticket's description
    (None when the description was not typed, e.g. filled by an escalation)."""
    for event in reversed(events):
        if event.get("event") == "user" and (event.get("text") or "").strip()[:1000] == description:
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            return intent if isinstance(intent, str) else None
    return None


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
        topic = tracker.get_slot("topic")
        category = ticket_category(reason, description_intent(tracker.events, description), topic,
                                   complaint=is_complaint(reason, topic, tracker.get_slot("aspect")))
        identity = identify(tracker)
        moment = now()
        settings = config()
        transcript = transcript_of(tracker)
        reset = [SlotSet("ticket_description", None), SlotSet("escalation_reason", None),
                 SlotSet("handoff_outcome", None)]

        def create(session):
            email, snapshot = tracker.get_slot("email"), None
            if ticket_contacts.is_masked(email):  # the tracker store keeps it masked
                email = ticket_contacts.latest(session, tracker.sender_id)
            if identity.known:
                player = accounts.get_player(session, identity.player_id, moment)
                email = player.email if player else email
                snapshot = accounts.account_snapshot(session, identity.player_id, moment, settings)
            ticket = tickets.create_ticket(
                session, conversation_id=tracker.sender_id, player_id=identity.player_id,
                email=email, category=category, priority=escalation.priority,
                summary=description[:120] or category, description=description,
                transcript=transcript, account_snapshot=snapshot, now=moment, config=settings,
                reason=reason,
            )
            # A player who chose a ticket waits for no agent.
            handoffs.end(session, tracker.sender_id, handoffs.TICKET, now=moment)
            return ticket, email
        try:
            ticket, email = await in_support_database(create)
        except ValueError as error:
            logger.warning("ticket refused: %s", error)
            dispatcher.utter_message(text=say("tickets.no_email"))
            return reset + [SlotSet("email", None)]
        if category == CATEGORY_COMPLAINTS:
            dispatcher.utter_message(text=complaint_registered(ticket.reference, email,
                                                               moment, settings))
        else:
            target = tickets.describe_response_target(ticket.due_at, moment, settings)
            dispatcher.utter_message(text=say("tickets.created", reference=ticket.reference,
                                              email=email, target=target))
        ask_anything_else(dispatcher, tracker)
        return reset


class ActionCancelTicket(Action):
    """The player said no while the bot was collecting the ticket."""

    def name(self) -> Text:
        return "action_cancel_ticket"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        dispatcher.utter_message(text=say("tickets.not_created",
                                          reach_support=Answers(config(), now()).reach_support()))
        return [SlotSet("ticket_description", None), SlotSet("escalation_reason", None),
                SlotSet("handoff_outcome", None), SlotSet("requested_slot", None)]

"""The protection tools used from the chat: a deposit limit (day, week, month), a break, a
self-exclusion, each set after a clear confirmation, through the account service.

``offer_protection`` starts it after the responsible-gambling answer (actions/escalation.py)
for a logged-in player; ``protection_form`` asks what is missing (the period and the amount
of a limit, the length of a break or an exclusion), then what will change and from when, and
``action_apply_protection`` records it (audited with the conversation id). A no, at any
step, changes nothing. The rules are in casino_support/protection_rules.py, what is said in
casino_support/protection_answers.py; the player is the one of the token of each message.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    answers_failures, ask_anything_else, config, confirmation, in_support_database, now, send,
    tell_database_down,
)
from actions.player_identity import identify, login_hint
from casino_support import accounts, player_protection, protection_answers
from casino_support.accounts import UnknownPlayer
from casino_support.catalogue import say
from casino_support.confirmations import clear_yes_or_no
from casino_support.database import SupportDatabaseUnavailable
from casino_support.protection_requests import Duration, amount_of, duration_of, period_of
from casino_support.protection_rules import (
    ExclusionCannotBeShortened, ProtectionRuleError, ProtectionRules,
)
from casino_support.wording import UNKNOWN_PLAYER

# What the player asked (the ResponseSelector's aspect of responsible_gambling) → the tool.
TOOL_OF_ASPECT = {"limits": "deposit_limit", "pause": "break", "self_exclusion": "self_exclusion"}
STEPS = {"deposit_limit": ["limit_period", "limit_amount"], "break": ["protection_duration"],
         "self_exclusion": ["protection_duration"]}
FORM_SLOTS = ("protection_kind", "protection_offered", "limit_period", "limit_amount",
              "protection_duration", "protection_confirmed")
MAXIMUM_LIMIT = Decimal("1000000")
FAILED = say("protection.failed")


def _reset() -> List[EventType]:
    return [SlotSet(name, None) for name in FORM_SLOTS]


def _rules() -> ProtectionRules:
    return ProtectionRules.from_config(config().raw)


def _entity(tracker: Tracker, name: Text) -> Optional[Text]:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and isinstance(entity.get("value"), str):
            return entity["value"]
    return None


def _exclusion_args(kind: Text, duration: Duration) -> Dict[Text, Any]:
    """The service's arguments for a break or a self-exclusion of ``duration``."""
    if kind == "break":
        return {"hours": duration.hours, "days": duration.days + 30 * duration.months,
                "weeks": duration.weeks}
    if duration.indefinite:
        return {"months": None}
    if not duration.only_months:
        raise ProtectionRuleError("a self-exclusion is counted in months or years")
    return {"months": duration.months}


def _preview_exclusion(session, player_id: Text, kind: Text, duration: Duration):
    if kind == "break":
        if duration.indefinite:
            raise ProtectionRuleError("a break has an end")
        return player_protection.preview_break(session, player_id, now=now(),
                                               **_exclusion_args(kind, duration))
    return player_protection.preview_self_exclusion(session, player_id, now=now(),
                                                    **_exclusion_args(kind, duration))


def _exclusion_end(status: player_protection.ProtectionStatus) -> Optional[datetime]:
    """The end of the break or self-exclusion in force (None: none, or indefinite)."""
    return max([d for d in (status.break_until, status.excluded_until) if d], default=None)


def _in_force_until(session, player_id: Text) -> Optional[Text]:
    status = player_protection.protection_status(session, player_id, now())
    if status.indefinitely_excluded:
        return None
    until = _exclusion_end(status)
    return protection_answers.end_text(until, config().timezone) if until else None


async def offer_protection(dispatcher: CollectingDispatcher, tracker: Tracker,
                           aspect: Text) -> List[EventType]:
    """After the answer to a limit, a pause or a self-exclusion: a logged-in player is offered
    to set it now (the form starts with what the message already said); an anonymous one
    is told to log in first. Empty when nothing is offered."""
    kind = TOOL_OF_ASPECT.get(aspect)
    if kind is None:
        return []
    identity = identify(tracker)
    if not identity.known:
        dispatcher.utter_message(text=say("protection.not_logged_in"))
        return []
    player_id = str(identity.player_id)
    try:
        status = await in_support_database(
            lambda session: player_protection.protection_status(session, player_id, now()))
    except (SupportDatabaseUnavailable, UnknownPlayer):
        return []  # the answer already said where the tool is in the account
    if status.indefinitely_excluded or (status.excluded and kind != "self_exclusion"):
        return []  # their account answer already said what stands
    text = tracker.latest_message.get("text")
    period = period_of(text)
    amount = amount_of(_entity(tracker, "amount"))
    duration = protection_answers.duration_value(duration_of(text))
    in_force = None if kind == "deposit_limit" else _exclusion_end(status)
    if in_force is not None:  # it can only be made longer: the length is asked again
        dispatcher.utter_message(text=protection_answers.offer_longer(
            protection_answers.end_text(in_force, config().timezone)))
        duration = None
    else:
        dispatcher.utter_message(text=protection_answers.offer(kind))
    return _reset() + [
        SlotSet("protection_kind", kind), SlotSet("protection_offered", True),
        SlotSet("limit_period", period if kind == "deposit_limit" else None),
        SlotSet("limit_amount", str(amount) if amount and kind == "deposit_limit"
                and amount <= MAXIMUM_LIMIT else None),
        SlotSet("protection_duration", duration if kind != "deposit_limit" else None)]


class ValidateProtectionForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_protection_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        steps = STEPS.get(tracker.get_slot("protection_kind") or "")
        if steps is None:
            return []
        if tracker.get_slot("protection_confirmed") is False:  # a no: nothing more to ask
            return ["protection_confirmed"]
        return steps + ["protection_confirmed"]

    async def extract_protection_confirmed(self, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """A no the NLU ranked stops the form at any step (« non laisse tomber »)."""
        if tracker.get_slot("requested_slot") and clear_yes_or_no(tracker.latest_message) is False:
            return {"protection_confirmed": False}
        return {}

    async def extract_limit_period(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        """The period typed at the period or the amount question (« mensuel », « 100 € par
        semaine » : the player may still change it before the confirmation)."""
        if tracker.get_slot("requested_slot") not in ("limit_period", "limit_amount") \
                or _entity(tracker, "limit_period"):
            return {}
        period = period_of(tracker.latest_message.get("text"))
        return {"limit_period": period} if period else {}

    async def extract_limit_amount(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        """A bare number answers the amount question (« 100 »)."""
        if tracker.get_slot("requested_slot") != "limit_amount" or _entity(tracker, "amount"):
            return {}
        amount = amount_of(tracker.latest_message.get("text"))
        return {"limit_amount": str(amount)} if amount else {}

    async def extract_protection_duration(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "protection_duration" or _entity(tracker, "duration"):
            return {}
        text = tracker.latest_message.get("text")
        return {"protection_duration": text} if duration_of(text) else {}

    def validate_limit_period(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        return {"limit_period": period_of(str(value))}

    def validate_limit_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> Dict[Text, Any]:
        amount = amount_of(str(value))
        if amount is None:
            dispatcher.utter_message(text=say("protection.unclear.amount"))
            return {"limit_amount": None}
        if amount > MAXIMUM_LIMIT:
            dispatcher.utter_message(text=protection_answers.amount_out_of_range(MAXIMUM_LIMIT))
            return {"limit_amount": None}
        return {"limit_amount": str(amount)}

    async def validate_protection_duration(self, value: Any, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """A length the rules accept for this account: in range, and not shorter than a
        break or exclusion in force."""
        duration, kind = duration_of(str(value)), tracker.get_slot("protection_kind")
        identity = identify(tracker)
        if duration is None or not identity.known:
            dispatcher.utter_message(text=say("protection.unclear.duration"))
            return {"protection_duration": None}
        player_id = str(identity.player_id)
        try:
            await in_support_database(
                lambda session: _preview_exclusion(session, player_id, kind, duration))
        except ExclusionCannotBeShortened:
            until = await in_support_database(lambda session: _in_force_until(session, player_id))
            dispatcher.utter_message(text=protection_answers.not_shorter(until))
            return {"protection_duration": None} if until else {"protection_confirmed": False}
        except ProtectionRuleError:
            dispatcher.utter_message(text=protection_answers.out_of_range(kind, _rules()))
            return {"protection_duration": None}
        return {"protection_duration": str(value)}

    def validate_protection_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        """Only a clear yes or no counts, as for cancelling a bonus."""
        return {"protection_confirmed": confirmation(value, dispatcher, tracker)}


class AskLimitPeriod(Action):
    def name(self) -> Text:
        return "action_ask_limit_period"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, protection_answers.ask_period())
        return []


class AskLimitAmount(Action):
    """The amount, with the limit in force for that period if there is one."""

    def name(self) -> Text:
        return "action_ask_limit_amount"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        period, identity = tracker.get_slot("limit_period") or "week", identify(tracker)
        current = None
        if identity.known:
            status = await in_support_database(lambda session: player_protection.protection_status(
                session, str(identity.player_id), now()))
            state = status.limits.get(period)
            current = state.amount if state else None
        send(dispatcher, protection_answers.ask_amount(period, current))
        return []


class AskProtectionDuration(Action):
    def name(self) -> Text:
        return "action_ask_protection_duration"

    @answers_failures()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        send(dispatcher, protection_answers.ask_duration(
            tracker.get_slot("protection_kind") or "break", _rules()))
        return []


class AskProtectionConfirmed(Action):
    """What will change and from when, computed by the rules for this account now."""

    def name(self) -> Text:
        return "action_ask_protection_confirmed"

    @answers_failures(lambda: FAILED)
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        identity = identify(tracker)
        if not identity.known:
            dispatcher.utter_message(text=login_hint(identity))
            return [SlotSet("protection_confirmed", False)]
        player_id, kind, timezone = str(identity.player_id), tracker.get_slot("protection_kind"), \
            config().timezone
        if kind == "deposit_limit":
            period = tracker.get_slot("limit_period")
            amount = amount_of(tracker.get_slot("limit_amount"))
            change = await in_support_database(lambda session: player_protection.preview_deposit_limit(
                session, player_id, period, amount, now()))
            send(dispatcher, protection_answers.confirm_limit(change, timezone, _rules()))
            return []
        duration = duration_of(tracker.get_slot("protection_duration")) or Duration()
        exclusion = await in_support_database(
            lambda session: _preview_exclusion(session, player_id, kind, duration))
        send(dispatcher, protection_answers.confirm_exclusion(exclusion, duration, timezone))
        return []


class ActionApplyProtection(Action):
    """Records what the player confirmed, checking the token and the rules again."""

    def name(self) -> Text:
        return "action_apply_protection"

    @answers_failures(lambda: FAILED, events=_reset)
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if tracker.get_slot("protection_confirmed") is not True:
            dispatcher.utter_message(text=say("protection.kept"))
            ask_anything_else(dispatcher, tracker)
            return _reset()
        identity = identify(tracker)
        if not identity.known:
            dispatcher.utter_message(text=login_hint(identity))
            return _reset()
        player_id, kind = str(identity.player_id), tracker.get_slot("protection_kind")
        actor, conversation, settings = f"player:{player_id} via assistant", tracker.sender_id, config()
        try:
            if kind == "deposit_limit":
                period, amount = tracker.get_slot("limit_period"), amount_of(tracker.get_slot("limit_amount"))
                change = await in_support_database(lambda session: player_protection.set_deposit_limit(
                    session, player_id, period, amount, actor=actor, conversation_id=conversation,
                    now=now()))
                dispatcher.utter_message(text=protection_answers.limit_recorded(
                    change, settings.timezone, _rules()))
            else:
                duration = duration_of(tracker.get_slot("protection_duration")) or Duration()
                args = _exclusion_args(kind, duration)
                record = (player_protection.take_break if kind == "break"
                          else player_protection.self_exclude)
                exclusion = await in_support_database(lambda session: record(
                    session, player_id, actor=actor, conversation_id=conversation, now=now(), **args))
                country = await in_support_database(lambda session: _country(session, player_id))
                send(dispatcher, protection_answers.exclusion_recorded(
                    exclusion, settings.timezone, settings.helpline(country)))
        except ExclusionCannotBeShortened:
            until = await in_support_database(lambda session: _in_force_until(session, player_id))
            dispatcher.utter_message(text=protection_answers.not_shorter(until))
        except ProtectionRuleError:
            dispatcher.utter_message(text=FAILED)
        except UnknownPlayer:
            dispatcher.utter_message(text=UNKNOWN_PLAYER)
        except SupportDatabaseUnavailable as error:
            tell_database_down(dispatcher, FAILED, error)
        ask_anything_else(dispatcher, tracker)
        return _reset()



def _country(session, player_id: Text) -> Optional[Text]:
    player = accounts.get_player(session, player_id, now())
    return player.country if player else None

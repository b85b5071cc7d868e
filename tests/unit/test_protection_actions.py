"""The protection tools from the chat, run with trackers as Rasa would send them: the
offer after the answer, the form's questions and checks, the confirmation and the change
recorded in the account with its audit trail."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal

from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.escalation import ActionAnswerResponsibleGambling
from actions.player_protection import (
    ActionApplyProtection, AskLimitAmount, AskProtectionConfirmed, ValidateProtectionForm,
)
from casino_support import player_protection
from casino_support.models import AuditEvent, DepositLimit, PlayerExclusion
from tests.unit.test_actions import run, secret, seeded, token, tracker  # noqa: F401 (fixtures)


def slot(events, name):
    values = [e["value"] for e in events if e.get("event") == "slot" and e.get("name") == name]
    return values[-1] if values else "unset"


def limits_question(player=None, text="je veux une limite de dépôt de 100 € par semaine", entities=None):
    return tracker(text, "responsible_gambling", token(player) if player else None,
                   key="responsible_gambling/limits",
                   entities=entities if entities is not None else [
                       {"entity": "amount", "value": "100"},
                       {"entity": "limit_period", "value": "par semaine"}])


def form_tracker(text, intent, player="P1001", requested=None, confidence=0.95, sender="conversation-1",
                 extracted=None, **slots):
    """A tracker inside the form; ``extracted``: the slots Rasa's mappings filled from this
    message (the events the form validates)."""
    t = tracker(text, intent, token(player) if player else None, sender=sender, slots={
        "protection_kind": "deposit_limit", "requested_slot": requested, **slots, **(extracted or {})},
        active_loop="protection_form")
    t.events.extend({"event": "slot", "name": name, "value": value}
                    for name, value in (extracted or {}).items())
    t.latest_message["intent"]["confidence"] = confidence
    t.latest_message["intent_ranking"] = [{"name": intent, "confidence": confidence}]
    return t


def validate(t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateProtectionForm().run(dispatcher, t, {"slots": {}, "forms": {
        "protection_form": {"required_slots": ["limit_period", "limit_amount",
                                               "protection_duration", "protection_confirmed"]}}}))
    return events, "\n".join(m.get("text") or "" for m in dispatcher.messages)


def test_a_logged_in_player_is_offered_the_limit_with_what_the_message_said(seeded):
    text, events, _ = run(ActionAnswerResponsibleGambling(), limits_question("P1001"))
    assert "Je peux fixer cette limite de dépôt pour vous maintenant" in text
    assert slot(events, "protection_offered") is True
    assert slot(events, "protection_kind") == "deposit_limit"
    assert slot(events, "limit_period") == "week" and slot(events, "limit_amount") == "100"
    assert slot(events, "handoff_outcome") is None


def test_an_anonymous_visitor_is_told_to_log_in_and_nothing_starts(seeded):
    text, events, _ = run(ActionAnswerResponsibleGambling(), limits_question())
    assert "connectez-vous d'abord à votre compte" in text
    assert slot(events, "protection_offered") == "unset"


def test_a_self_excluded_player_is_not_offered_a_pause(seeded):
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je veux faire une pause", "responsible_gambling", token("P1006"),
        key="responsible_gambling/pause"))
    assert slot(events, "protection_offered") == "unset"
    assert "Je peux activer cette pause" not in text


def test_distress_goes_to_a_person_not_to_the_form(seeded):
    _, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je perds tout je n'arrive plus à m'arrêter", "responsible_gambling", token("P1004"),
        key="responsible_gambling/distress"))
    assert slot(events, "protection_offered") == "unset"
    assert slot(events, "escalation_reason") == "responsible_gambling"


def test_the_form_asks_only_what_is_missing_and_reads_a_bare_amount(seeded):
    events, _ = validate(form_tracker("par mois", "inform", requested="limit_period",
                                      extracted={"limit_period": "par mois"}))
    assert slot(events, "limit_period") == "month"
    assert slot(events, "requested_slot") == "limit_amount"
    events, _ = validate(form_tracker("250", "out_of_scope", requested="limit_amount",
                                      limit_period="month"))
    assert slot(events, "limit_amount") == "250"
    assert slot(events, "requested_slot") == "protection_confirmed"


def test_a_no_at_any_step_ends_the_form(seeded):
    events, _ = validate(form_tracker("non laisse tomber", "deny", requested="limit_amount",
                                      limit_period="week", extracted={"protection_confirmed": False}))
    assert slot(events, "requested_slot") is None  # Rasa's mapping set the no: the form ends
    ranked = form_tracker("non attends", "nlu_fallback", requested="limit_amount", limit_period="week",
                          confidence=0.45)
    ranked.latest_message["intent_ranking"].append({"name": "deny", "confidence": 0.43})
    events, _ = validate(ranked)
    assert slot(events, "protection_confirmed") is False
    assert slot(events, "requested_slot") is None


def test_a_break_out_of_range_is_refused_with_the_bounds(seeded):
    events, said = validate(form_tracker("3 mois", "out_of_scope", requested="protection_duration",
                                         protection_kind="break",
                                         extracted={"protection_duration": "3 mois"}))
    assert "Une pause dure de 24 heures à 6 semaines" in said
    assert slot(events, "protection_duration") is None
    events, _ = validate(form_tracker("2 semaines", "out_of_scope", requested="protection_duration",
                                      protection_kind="break",
                                      extracted={"protection_duration": "2 semaines"}))
    assert slot(events, "protection_duration") == "2 semaines"


def test_a_raise_is_confirmed_with_its_delay_then_recorded_with_the_conversation(seeded):
    player_protection.set_deposit_limit(seeded, "P1001", "week", Decimal("100"), actor="test")
    asked, _, _ = run(AskLimitAmount(), form_tracker("", "inform", limit_period="week"))
    assert "Votre limite actuelle est de 100,00 € par semaine" in asked
    confirm, _, messages = run(AskProtectionConfirmed(), form_tracker(
        "300", "inform", limit_period="week", limit_amount="300"))
    assert "de 100,00 € à 300,00 €" in confirm and "24 heures" in confirm
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/deny", "/affirm"]

    done, events, _ = run(ActionApplyProtection(), form_tracker(
        "oui", "affirm", sender="conv-raise", limit_period="week", limit_amount="300",
        protection_confirmed=True))
    assert "passera de 100,00 € à 300,00 €" in done
    assert slot(events, "protection_kind") is None
    status = player_protection.protection_status(seeded, "P1001")
    assert status.limits["week"].amount == Decimal("100")
    assert status.limits["week"].pending_amount == Decimal("300")
    with seeded.session_scope() as session:
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "deposit_limit_set")
                                .order_by(AuditEvent.id.desc())).scalars().first()
        assert json.loads(audit.details)["conversation_id"] == "conv-raise"
        assert "P1001" in audit.actor


def test_nothing_is_recorded_without_a_yes_or_without_a_token(seeded):
    kept, _, _ = run(ActionApplyProtection(), form_tracker(
        "non", "deny", protection_kind="break", protection_duration="1 semaine",
        protection_confirmed=False))
    assert "je n'ai rien changé" in kept
    forged = form_tracker("oui", "affirm", player=None, protection_kind="break",
                          protection_duration="1 semaine", protection_confirmed=True)
    run(ActionApplyProtection(), forged)
    with seeded.session_scope() as session:
        assert session.execute(select(PlayerExclusion)).first() is None
        assert session.execute(select(DepositLimit)).first() is None


def test_a_self_exclusion_is_recorded_and_the_helpline_given(seeded):
    done, _, _ = run(ActionApplyProtection(), form_tracker(
        "oui", "affirm", player="P1002", sender="conv-excl", protection_kind="self_exclusion",
        protection_duration="1 an", protection_confirmed=True))
    assert "vous êtes auto-exclu(e) jusqu'au" in done and "09 74 75 13 13" in done
    status = player_protection.protection_status(seeded, "P1002")
    assert status.excluded and not status.offers_allowed


def test_a_period_typed_in_words_answers_the_period_question(seeded):
    events, _ = validate(form_tracker("mensuel stp", "out_of_scope", requested="limit_period"))
    assert slot(events, "limit_period") == "month"
    events, _ = validate(form_tracker("je sais pas", "out_of_scope", requested="limit_period"))
    assert slot(events, "limit_period") == "unset"  # not an answer: the form asks again


def test_the_signal_of_a_question_carries_its_conversation(seeded):
    run(ActionAnswerResponsibleGambling(), limits_question("P1003", entities=[]))
    with seeded.session_scope() as session:
        audit = session.execute(select(AuditEvent).where(AuditEvent.action == "protection_signal")
                                ).scalars().first()
        assert json.loads(audit.details)["conversation_id"] == "conversation-1"


def test_a_self_excluded_player_asking_for_a_shorter_exclusion_is_offered_only_a_longer_one(seeded):
    text, events, _ = run(ActionAnswerResponsibleGambling(), tracker(
        "je veux m'auto exclure 6 mois", "responsible_gambling", token("P1006"),
        key="responsible_gambling/self_exclusion"))
    assert "ne peut pas être écourtée, mais je peux la prolonger" in text
    assert slot(events, "protection_kind") == "self_exclusion"
    assert slot(events, "protection_duration") is None  # the length is asked again


def test_a_player_on_a_break_may_still_set_a_limit(seeded):
    player_protection.take_break(seeded, "P1001", weeks=1, actor="test")
    text, events, _ = run(ActionAnswerResponsibleGambling(), limits_question("P1001"))
    assert "Je peux fixer cette limite de dépôt pour vous maintenant" in text
    assert slot(events, "limit_amount") == "100"


def test_the_period_may_still_be_changed_at_the_amount_question(seeded):
    events, _ = validate(form_tracker("100 € par semaine", "inform", requested="limit_amount",
                                      limit_period="day", extracted={"limit_amount": "100"}))
    assert slot(events, "limit_period") == "week" and slot(events, "limit_amount") == "100"

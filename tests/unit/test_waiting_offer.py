"""A player waiting with nobody coming is offered a ticket once; their answer decides."""
from datetime import timedelta

from casino_support import handoffs, waiting_offer
from casino_support.waiting_offer import (
    KEEP_WAITING_PAYLOAD, TICKET_PAYLOAD, answer_ends_the_wait, due_offers, offer_after_seconds,
    offered)


def test_the_setting_in_minutes_default_and_off():
    assert offer_after_seconds({"agent_desk": {"offer_ticket_after_minutes": 3}}) == 180
    assert offer_after_seconds({"agent_desk": {"offer_ticket_after_minutes": 0.05}}) == 3
    assert offer_after_seconds({}) == 600
    assert offer_after_seconds({"agent_desk": {"offer_ticket_after_minutes": 0}}) is None
    assert offer_after_seconds({"agent_desk": {"offer_ticket_after_minutes": False}}) is None
    assert offer_after_seconds({"agent_desk": {"offer_ticket_after_minutes": "soon"}}) == 600


def test_the_shipped_support_yml_sets_it(config):
    assert offer_after_seconds(config.raw) == config.raw["agent_desk"][
        "offer_ticket_after_minutes"] * 60


def test_only_players_waiting_long_enough_are_offered_once(db, now):
    handoffs.enqueue(db, "long", None, "human_request", now=now)
    handoffs.enqueue(db, "taken", None, "human_request", now=now)
    handoffs.take(db, "taken", "alice", now=now + timedelta(minutes=1))
    handoffs.enqueue(db, "recent", None, "human_request", now=now + timedelta(minutes=8))
    assert due_offers(db, now + timedelta(minutes=9), after_seconds=600) == []
    assert offered(db, "long") is None
    due = due_offers(db, now + timedelta(minutes=10), after_seconds=600)
    assert [(h.conversation_id, h.position) for h in due] == [("long", 1)]
    assert offered(db, "long") == due[0].handoff_id
    assert due_offers(db, now + timedelta(minutes=11), after_seconds=600) == []  # once
    assert [h.conversation_id for h in due_offers(db, now + timedelta(minutes=18),
                                                 after_seconds=600)] == ["recent"]
    assert due_offers(db, now + timedelta(hours=2), after_seconds=None) == []  # all offered


def test_switched_off_nobody_is_offered(db, now, monkeypatch):
    handoffs.enqueue(db, "long", None, "human_request", now=now)
    monkeypatch.setattr(waiting_offer, "offer_after_seconds", lambda *_: None)
    assert due_offers(db, now + timedelta(days=1)) == []


def test_the_answer_to_the_offer():
    offer = [TICKET_PAYLOAD, KEEP_WAITING_PAYLOAD]
    assert answer_ends_the_wait(KEEP_WAITING_PAYLOAD, offer) is False
    assert answer_ends_the_wait(TICKET_PAYLOAD, offer) is True
    assert answer_ends_the_wait("c'est quoi le dépôt minimum ?", offer) is True
    assert answer_ends_the_wait("vous êtes là ?", []) is None  # not the bot's last word
    assert answer_ends_the_wait(KEEP_WAITING_PAYLOAD, [KEEP_WAITING_PAYLOAD]) is None


def test_going_on_with_the_bot_ends_the_queue_entry(db, now):
    handoffs.enqueue(db, "long", "P1002", "human_request", now=now)
    handoff_id = due_offers(db, now + timedelta(minutes=10), after_seconds=600)[0].handoff_id
    ended = waiting_offer.end_wait(db, "long", handoff_id, now=now + timedelta(minutes=11))
    assert ended.status == "closed"
    assert handoffs.current_handoff(db, "long") is None
    assert offered(db, "long") is None
    assert waiting_offer.end_wait(db, "long", handoff_id) is None  # already ended
    assert handoffs.queue_problems(db, now=now + timedelta(minutes=11)) == []


# --- the channels' side: the player's answer to the offer ---------------------------------

def _agent_with(events):
    from rasa.shared.core.trackers import DialogueStateTracker

    class Store:
        def __init__(self):
            self.tracker = DialogueStateTracker.from_events("conv", events)

        async def retrieve(self, _):
            return self.tracker

    class Agent:
        tracker_store = Store()

    appended = []

    async def append(_agent, _cid, new_events):
        appended.extend(new_events)

    return Agent(), appended, append


def test_before_message_reads_the_database_only_when_the_offer_is_pending(db, now,
                                                                        monkeypatch):
    import asyncio

    from rasa.shared.core.events import BotUttered, ConversationPaused, UserUttered

    from casino_connector import waiting_offers

    offer = BotUttered("offre", data={"buttons": waiting_offers.offer_buttons()})
    queries = []
    real_offered = waiting_offer.offered
    monkeypatch.setattr(waiting_offer, "offered",
                        lambda *args: queries.append(args) or real_offered(*args))
    monkeypatch.setattr(waiting_offers, "get_database", lambda: db)

    not_paused, _, _ = _agent_with([offer])
    assert asyncio.run(waiting_offers.before_message(not_paused, "conv", "bonjour")) is None
    answered, _, _ = _agent_with([ConversationPaused(), offer, UserUttered("ok")])
    assert asyncio.run(waiting_offers.before_message(answered, "conv", "bonjour")) is None
    assert queries == []  # nothing pending: the support database is not asked

    handoffs.enqueue(db, "conv", None, "human_request", now=now)
    due_offers(db, now + timedelta(minutes=10), after_seconds=600)
    pending, appended, append = _agent_with([ConversationPaused(), offer])
    monkeypatch.setattr(waiting_offers, "append_events", append)
    assert asyncio.run(waiting_offers.before_message(
        pending, "conv", KEEP_WAITING_PAYLOAD)) == waiting_offers.KEEP
    assert handoffs.current_handoff(db, "conv").status == "waiting" and appended == []
    assert asyncio.run(waiting_offers.before_message(
        pending, "conv", "le dépôt minimum ?")) == waiting_offers.ENDED
    assert handoffs.current_handoff(db, "conv") is None
    assert [type(e).__name__ for e in appended] == ["ConversationResumed", "SlotSet",
                                                    "ActionExecuted"]

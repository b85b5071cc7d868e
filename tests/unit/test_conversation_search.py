"""Past conversations for the agents: by player, by reference, by the text of messages
(bound and escaped, bounded), with the outcome and the rating."""
import asyncio
from datetime import timedelta

import pytest
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from casino_connector.conversation_search import (
    events_match, like_pattern, matching_conversations_sql, sql_store)
from casino_support import conversation_search, handoffs, satisfaction, tickets
from casino_support.conversation_search import kind_of, search


def chat(db, now, conversation, player, agent="alice", minutes=0):
    start = now + timedelta(minutes=minutes)
    handoffs.enqueue(db, conversation, player, "human_request", now=start)
    handoffs.take(db, conversation, agent, now=start)
    handoffs.record_reply(db, conversation, agent, now=start)
    return handoffs.close(db, conversation, agent, now=start + timedelta(minutes=1))


def test_kind_of_a_query():
    assert kind_of("P1003") == "player" and kind_of(" p1003 ") == "player"
    assert kind_of("H-12") == "reference" and kind_of("h-12") == "reference"
    assert kind_of("T-2026-000123") == "reference"
    assert kind_of("retrait bloqué") == "text" and kind_of("1003") == "text"


def test_by_player_newest_first_with_rating_and_tickets(db, now):
    first = chat(db, now, "c1", "P1003")
    second = chat(db, now, "c2", "P1003", agent="bob", minutes=30)
    chat(db, now, "c3", "P1004", minutes=40)
    satisfaction.rate(db, "c1", first.handoff_id, 4, "bien", now=now + timedelta(minutes=2))
    ticket = tickets.create_ticket(db, conversation_id="c2", player_id="P1003", email=None,
                                   category="general", priority="normal", summary="suite",
                                   description=None, transcript=None, account_snapshot=None,
                                   now=now + timedelta(minutes=35))
    page = search(db, player_id="p1003")
    assert [(r.reference, r.agent, r.outcome, r.rating) for r in page.results] == [
        (f"H-{second.handoff_id}", "bob", "closed", None),
        (f"H-{first.handoff_id}", "alice", "closed", 4)]
    assert page.results[0].tickets == [ticket.reference]
    assert page.results[1].comment == "bien"
    assert page.more is False
    assert search(db, player_id="nobody!").results == []


def test_by_reference_handoff_ticket_or_conversation(db, now):
    ended = chat(db, now, "c1", "P1003")
    outside = tickets.create_ticket(db, conversation_id="night", player_id=None,
                                    email="a@example.com", category="general",
                                    priority="normal", summary="la nuit", description=None,
                                    transcript=None, account_snapshot=None, now=now)
    assert [r.conversation_id for r in search(db, reference=f"H-{ended.handoff_id}").results] \
        == ["c1"]
    found = search(db, reference=outside.reference.lower()).results
    assert [(r.kind, r.outcome, r.conversation_id) for r in found] == [
        ("ticket", "ticket", "night")]
    assert [r.reference for r in search(db, reference="c1").results] == [
        f"H-{ended.handoff_id}"]
    assert search(db, reference="H-999999").results == []


def test_results_are_bounded_and_paged(db, now):
    for index in range(60):
        handoffs.enqueue(db, f"c{index}", "P1001", "human_request",
                         now=now + timedelta(minutes=index))
    page = search(db, player_id="P1001", limit=500)
    assert len(page.results) == conversation_search.MAX_RESULTS and page.more
    rest = search(db, player_id="P1001", offset=50)
    assert len(rest.results) == 10 and not rest.more
    assert rest.results[-1].conversation_id == "c0"


def test_text_matches_come_in_the_order_given(db, now):
    chat(db, now, "old", "P1002")
    chat(db, now, "new", "P1003", minutes=10)
    page = search(db, conversation_ids=["old", "unknown", "new"])
    assert [r.conversation_id for r in page.results] == ["old", "new"]
    assert search(db, conversation_ids=[]).results == []
    with pytest.raises(ValueError):
        search(db)


# --- text in the tracker store ---------------------------------------------------------

DOMAIN = Domain.from_yaml("intents:\n  - greet\n")


@pytest.fixture
def store(tmp_path):
    config = EndpointConfig(type="casino_connector.tracker_store.CasinoSQLTrackerStore",
                            dialect="sqlite", db=str(tmp_path / "tracker.db"))
    wrapped = TrackerStore.create(config, DOMAIN)
    inner = sql_store(type("Agent", (), {"tracker_store": wrapped})())
    assert inner is not None

    def save(sender, *texts):
        events = []
        for index, text in enumerate(texts):
            kind = UserUttered if index % 2 == 0 else BotUttered
            events.append(kind(text, timestamp=1_800_000_000 + len(events)))
        asyncio.run(inner.save(DialogueStateTracker.from_events(sender, events)))

    inner.save_conversation = save
    return inner


def test_like_pattern_escapes_wildcards_and_encodes_like_rasa():
    assert like_pattern("100%") == "%100\\\\%%".replace("\\\\", "\\")
    assert like_pattern("a_b") == "%a\\_b%"
    assert like_pattern("dépôt") == "%d\\\\u00e9p\\\\u00f4t%"


def test_text_search_in_the_tracker_store(store):
    store.save_conversation("conv-a", "Mon retrait de 500 € est bloqué", "Je regarde.")
    store.save_conversation("conv-b", "c'est quoi le DÉPÔT minimum ?", "10 €.")
    store.save_conversation("conv-c", "écrivez à jean@example.com", "Noté.")
    store.save_conversation("conv-d", "taux de 100% ? et a_b", "Oui.")
    assert matching_conversations_sql(store, "RETRAIT") == ["conv-a"]
    assert matching_conversations_sql(store, "DÉPÔT") == ["conv-b"]
    assert matching_conversations_sql(store, "je regarde") == ["conv-a"]  # the bot's words
    # what agents never see is not found through the search (masked e-mail)
    assert matching_conversations_sql(store, "jean@example.com") == []
    # wildcards are literal; SQL in the query is text
    assert matching_conversations_sql(store, "100%") == ["conv-d"]
    assert matching_conversations_sql(store, "%") == ["conv-d"]
    assert matching_conversations_sql(store, "_") == ["conv-d"]
    assert matching_conversations_sql(store, "' OR 1=1 --") == []
    assert matching_conversations_sql(store, "\"text\"") == []
    assert matching_conversations_sql(store, "intent") == []  # not the JSON's keys


def test_events_match_for_other_stores():
    events = [UserUttered("mon retrait"), BotUttered("Je regarde.")]
    assert events_match(events, "RETRAIT") and events_match(events, "regarde")
    assert not events_match(events, "bonus")

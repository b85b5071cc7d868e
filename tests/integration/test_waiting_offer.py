"""A player waiting with nobody coming is offered a ticket, against the real servers.

support.yml ``agent_desk.offer_ticket_after_minutes`` is set to 0.05 (3 s) for this
module; an agent is online (so that asking for a person queues the player) but takes
nobody.
"""
from __future__ import annotations

import asyncio
import time

import pytest
import yaml

from casino_support import handoffs
from casino_support.database import get_database
from tests.integration.conftest import ALWAYS_OPEN
from tests.integration.socket_fixtures import Peer, create_agent, run, text_of
from tests.integration.test_queue_truth import logout, write_config

OFFER_AFTER_MINUTES = 0.05
TOLD = 20  # seconds: the wait, a tick of the desk (at most 5 s), the tracker write
OFFER = "Aucun conseiller n'a encore pu vous répondre"


@pytest.fixture(scope="module")
def desk(bot):
    original = bot.config_path.read_text()
    raw = yaml.safe_load(original)
    raw["hours"], raw["holidays"] = ALWAYS_OPEN, False
    raw["agent_desk"] = {"offline_after_seconds": 120,
                         "offer_ticket_after_minutes": OFFER_AFTER_MINUTES}
    write_config(bot, yaml.safe_dump(raw, allow_unicode=True))
    database = get_database(bot.env["SUPPORT_DB_URL"])
    account = create_agent(bot, "idle")
    yield bot, database, account
    logout(account)
    write_config(bot, original)


async def queued_and_offered(bot, account, player: Peer) -> str:
    conversation_id, _ = await player.session()
    async with Peer(bot.url, auth={"agent_token": account.token}):  # online, takes nobody
        answer = text_of(await player.say("je voudrais parler à un conseiller"))
        assert "file d'attente" in answer, answer
        asked = time.monotonic()
        offer = await player.wait_for("bot_uttered", lambda m: OFFER in m["text"], timeout=TOLD)
        assert time.monotonic() - asked >= OFFER_AFTER_MINUTES * 60 - 0.5
    assert [b["payload"] for b in offer["buttons"]] == ["/contact_support_ticket",
                                                        "/human_handoff_wait"]
    assert [b["title"] for b in offer["buttons"]] == ["Laisser un ticket",
                                                      "Continuer d'attendre"]
    assert "position" in offer["text"]
    return conversation_id


def test_keep_waiting_keeps_the_place_and_the_offer_comes_once(desk):
    bot, database, account = desk

    async def scenario():
        async with Peer(bot.url) as player:
            conversation_id = await queued_and_offered(bot, account, player)
            entry = handoffs.current_handoff(database, conversation_id)
            assert entry.status == "waiting"
            await player.sio.emit("user_uttered", {"message": "/human_handoff_wait"})
            kept = await player.wait_for("bot_uttered",
                                         lambda m: "gardez votre place" in m["text"], timeout=20)
            assert "position" in kept["text"]
            still = handoffs.current_handoff(database, conversation_id)
            assert still.status == "waiting" and still.handoff_id == entry.handoff_id
            # paused as before: what the player writes goes to the agents, not the bot
            assert await player.say("vous êtes là ?") == []
            assert not [e for e in await player.quiet(7)  # a few ticks: no second offer
                        if e[0] == "bot_uttered" and OFFER in e[1]["text"]]
            handoffs.end(database, conversation_id, "test_done", actor="test")
    run(scenario())


def test_writing_to_the_bot_ends_the_wait_and_the_bot_answers(desk):
    bot, database, account = desk

    async def scenario():
        async with Peer(bot.url) as player:
            conversation_id = await queued_and_offered(bot, account, player)
            answer = text_of(await player.say("c'est quoi le dépôt minimum ?"))
            assert "10,00" in answer or "dépôt" in answer.lower(), answer
            assert handoffs.current_handoff(database, conversation_id) is None
            queue = await asyncio.to_thread(bot.cli, "queue", "--json")
            assert conversation_id not in queue.stdout
    run(scenario())


def test_the_ticket_button_ends_the_wait_and_starts_the_ticket(desk):
    bot, database, account = desk

    async def scenario():
        async with Peer(bot.url) as player:
            conversation_id = await queued_and_offered(bot, account, player)
            answer = text_of(await player.say("/contact_support_ticket"))
            assert handoffs.current_handoff(database, conversation_id) is None
            assert "mail" in answer.lower() or "décri" in answer.lower(), answer
    run(scenario())


def test_over_rest_too(desk):
    bot, database, account = desk
    sender = f"wait-rest-{int(time.time() * 1000)}"

    async def scenario():
        async with Peer(bot.url, auth={"agent_token": account.token}):
            assert "file d'attente" in await asyncio.to_thread(
                bot.text, "je voudrais parler à un conseiller", sender)
            await asyncio.sleep(OFFER_AFTER_MINUTES * 60 + 1)
            deadline = time.monotonic() + TOLD
            while True:  # the offer is in the tracker: the keep-waiting button is accepted
                kept = await asyncio.to_thread(bot.text, "/human_handoff_wait", sender)
                if "gardez votre place" in kept:
                    break
                assert time.monotonic() < deadline, kept
                await asyncio.sleep(1)
        assert handoffs.current_handoff(database, sender).status == "waiting"
        handoffs.end(database, sender, "test_done", actor="test")
    run(scenario())

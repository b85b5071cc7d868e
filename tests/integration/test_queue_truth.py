"""No conversation stranded, a queue that tells the truth, against the real servers.

The presence grace (support.yml ``agent_desk.offline_after_seconds``, 120 s shipped) is
set to a few seconds for this module; every agent created here logs out at the end, so
that the next modules find nobody online.
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests
import yaml

from casino_support import agents, handoffs
from casino_support.database import get_database
from tests.integration.conftest import ALWAYS_OPEN
from tests.integration.socket_fixtures import AgentAccount, Peer, create_agent, run, text_of

GRACE_SECONDS = 3
TOLD = 20  # seconds for the player to be told (grace + a tick + the tracker write)
CLOSED_BY_AGENT = "Le conseiller a clôturé la conversation"


@pytest.fixture(scope="module")
def desk(bot):
    """Chat open, a 3-second grace; the queue emptied first so that positions are known."""
    original = bot.config_path.read_text()
    raw = yaml.safe_load(original)
    raw["hours"], raw["holidays"] = ALWAYS_OPEN, False
    raw["agent_desk"] = {"offline_after_seconds": GRACE_SECONDS}
    write_config(bot, yaml.safe_dump(raw, allow_unicode=True))
    database = get_database(bot.env["SUPPORT_DB_URL"])
    for entry in handoffs.open_queue(database):  # left by other modules' tests
        handoffs.end(database, entry.conversation_id, "test_reset", actor="test")
    accounts: List[AgentAccount] = []
    yield Desk(bot, database, accounts)
    for account in accounts:
        logout(account)
    write_config(bot, original)


def write_config(bot, text: str) -> None:
    bot.config_path.write_text(text)
    stamp = time.time() + 1
    os.utime(bot.config_path, (stamp, stamp))  # re-read by both servers
    time.sleep(1.5)  # one tick of the desk at the old setting


class Desk:
    def __init__(self, bot, database, accounts: List[AgentAccount]):
        self.bot, self.database, self.accounts = bot, database, accounts

    def agent(self, prefix: str) -> AgentAccount:
        account = create_agent(self.bot, prefix)
        self.accounts.append(account)
        return account

    def entry(self, conversation_id: str) -> Optional[handoffs.HandoffInfo]:
        return handoffs.current_handoff(self.database, conversation_id)

    def queue_json(self) -> List[Dict[str, Any]]:
        """``support-desk queue --json``, the contract's view."""
        return json.loads(self.bot.cli("queue", "--json").stdout)

    def nobody_online(self) -> None:
        """Agents of earlier tests logged in without a console: offline after the grace."""
        deadline = time.monotonic() + GRACE_SECONDS + 5
        while agents.online_agents(self.database, window_seconds=GRACE_SECONDS):
            assert time.monotonic() < deadline, "an agent stays online"
            time.sleep(0.5)


def logout(account: AgentAccount) -> requests.Response:
    return requests.post(f"{account.url}/casino/agent/logout", headers=account.headers,
                         timeout=30)


def agent_socket(desk: Desk, account: AgentAccount) -> Peer:
    return Peer(desk.bot.url, auth={"agent_token": account.token})


async def eventually(check: Callable[[], Any], timeout: float = TOLD) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(check)
        if value:
            return value
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.3)


async def taken_by_the_agent(player: Peer, console: Peer) -> str:
    """The player asks for a person and the agent of ``console`` takes the conversation."""
    conversation_id, _ = await player.session()
    await player.say("je voudrais parler à un conseiller")
    assert (await console.sio.call("agent_take", {"conversation_id": conversation_id},
                                   timeout=20))["ok"]
    return conversation_id


def new_sender() -> str:
    return f"truth-{uuid.uuid4().hex[:10]}"


def test_an_agent_gone_for_good_gives_the_conversation_back_first_in_line(desk):
    alice, bob = desk.agent("alice"), desk.agent("bob")
    newer = new_sender()

    async def scenario():
        async with Peer(desk.bot.url) as player, agent_socket(desk, bob) as other:
            conversation_id, _ = await player.session()
            console = agent_socket(desk, alice)
            await console.__aenter__()
            answer = text_of(await player.say("je voudrais parler à un conseiller"))
            assert "file d'attente" in answer, answer
            taken = await console.sio.call("agent_take", {"conversation_id": conversation_id},
                                           timeout=20)
            assert taken["ok"] is True, taken
            assert (await console.sio.call("agent_reply", {
                "conversation_id": conversation_id, "text": "Bonjour, ici Alice."},
                timeout=20))["ok"]
            # a newer request waits behind
            assert "file d'attente" in await asyncio.to_thread(
                desk.bot.text, "un conseiller svp", newer)

            await console.sio.disconnect()  # the tab closed, the connection lost for good
            gone = time.monotonic()
            assert desk.entry(conversation_id).agent == alice.name  # the grace
            told = await player.wait_for("bot_uttered", lambda m: "déconnecté" in m["text"],
                                         timeout=TOLD)
            assert time.monotonic() - gone >= GRACE_SECONDS - 0.5
            assert "de nouveau en tête de la file d'attente" in told["text"], told
            assert "un autre conseiller va reprendre" in told["text"]
            assert told["sender"] == "bot"

            def back_first(queue: List[Dict[str, Any]]) -> bool:
                waiting = [h["conversation_id"] for h in queue if h["status"] == "waiting"]
                return (conversation_id in waiting and newer in waiting
                        and waiting.index(conversation_id) < waiting.index(newer))

            await other.wait_for_any("queue", back_first)  # the agents' view updated
            rows = {row["conversation_id"]: row for row in desk.queue_json()}
            assert rows[conversation_id]["agent"] is None
            assert rows[conversation_id]["position"] == 1 and rows[newer]["position"] == 2
            # the player's messages still reach the agents, another agent takes over
            assert await player.say("vous êtes là ?") == []
            taken = await other.sio.call("agent_take", {"conversation_id": conversation_id},
                                         timeout=20)
            assert taken["ok"] is True and taken["handoff"]["agent"] == bob.name, taken
            assert (await other.sio.call("agent_handback", {"conversation_id": conversation_id},
                                         timeout=20))["ok"]
            assert (await other.sio.call("agent_close", {"conversation_id": newer},
                                         timeout=20))["ok"]
    run(scenario())
    for account in (alice, bob):
        assert logout(account).json()["ok"] is True


def test_a_logout_frees_the_conversation_at_once_and_nobody_else_means_a_ticket_or_waiting(desk):
    alice = desk.agent("alice")

    async def scenario():
        async with Peer(desk.bot.url) as player, agent_socket(desk, alice) as console:
            conversation_id = await taken_by_the_agent(player, console)
            answer = await asyncio.to_thread(logout, alice)
            assert answer.status_code == 200 and answer.json()["released"] == 1
            await console.wait_for("logged_out", timeout=10)
            told = await player.wait_for("bot_uttered", lambda m: "déconnecté" in m["text"],
                                         timeout=5)  # no grace for a logout
            assert "aucun autre conseiller n'est disponible" in told["text"], told
            assert [b["payload"] for b in told["buttons"]] == ["/contact_support_ticket",
                                                               "/human_handoff_wait"]
            assert desk.entry(conversation_id) is None  # the player has not chosen yet
            assert agents.online_agents(desk.database, window_seconds=GRACE_SECONDS) == []
            # the bot answers again; the player chooses to wait: in the queue now
            waiting = text_of(await player.say("/human_handoff_wait"))
            assert "file d'attente" in waiting, waiting
            assert desk.entry(conversation_id).status == "waiting"
            handoffs.end(desk.database, conversation_id, "test_done", actor="test")
    run(scenario())


def test_without_an_agent_online_nobody_is_queued_before_choosing_to_wait(desk):
    desk.nobody_online()
    sender = new_sender()
    answer = desk.bot.say("je veux parler à un conseiller", sender=sender)
    assert "Aucun conseiller n'est connecté" in "\n".join(m.get("text", "") for m in answer)
    assert desk.entry(sender) is None
    assert sender not in {row["conversation_id"] for row in desk.queue_json()}
    assert "bonus" in desk.bot.text("c'est quoi les conditions du bonus ?", sender=sender).lower()
    assert desk.entry(sender) is None  # went on with the bot: still nobody queued
    assert "Aucun conseiller" in desk.bot.text("un conseiller svp", sender=sender)
    waiting = desk.bot.text("/human_handoff_wait", sender=sender)  # the button just offered
    assert "file d'attente" in waiting
    [row] = [r for r in desk.queue_json() if r["conversation_id"] == sender]
    assert row["status"] == "waiting" and row["agent"] is None
    handoffs.end(desk.database, sender, "test_done", actor="test")


def test_a_player_who_chooses_a_ticket_is_never_in_the_queue(desk):
    desk.nobody_online()
    sender = new_sender()
    desk.bot.say("je veux parler à un conseiller", sender=sender)
    assert "adresse e-mail" in desk.bot.text("/contact_support_ticket", sender=sender)
    assert desk.entry(sender) is None
    assert "Décrivez votre demande" in desk.bot.text("lea.martin@exemple.fr", sender=sender)
    created = desk.bot.text("mon retrait de 80 euros est bloqué depuis lundi", sender=sender)
    assert "Votre ticket T-" in created
    assert desk.entry(sender) is None
    assert sender not in {row["conversation_id"] for row in desk.queue_json()}


def test_closing_without_having_spoken_announces_no_agent(desk):
    alice = desk.agent("alice")

    async def scenario():
        async with Peer(desk.bot.url) as player, agent_socket(desk, alice) as console:
            conversation_id = await taken_by_the_agent(player, console)
            closed = await console.sio.call("agent_close", {"conversation_id": conversation_id},
                                            timeout=20)
            assert closed["ok"] is True and closed["handoff"]["agent_replied"] is False
            told = await player.wait_for("bot_uttered",
                                         lambda m: "l'assistant automatique" in m["text"])
            assert told["text"] == ("Votre demande de conseiller est terminée : je suis de "
                                    "nouveau l'assistant automatique. Je reste disponible "
                                    "pour toute autre question.")
            await player.quiet(0.5)
            assert CLOSED_BY_AGENT not in json.dumps(player.received, ensure_ascii=False)
            assert desk.entry(conversation_id) is None
    run(scenario())
    assert logout(alice).status_code == 200


def test_a_player_who_left_leaves_the_queue(desk):
    alice = desk.agent("alice")

    async def scenario():
        async with agent_socket(desk, alice) as console:
            player = Peer(desk.bot.url)
            await player.__aenter__()
            conversation_id, _ = await player.session()
            await player.say("je voudrais parler à un conseiller")
            assert desk.entry(conversation_id).status == "waiting"
            await player.sio.disconnect()  # a new conversation, the tab closed
            note = await console.wait_for(
                "conversation_message", lambda m: m["conversation_id"] == conversation_id
                and "quitté" in m["text"], timeout=TOLD)
            assert note["sender"] == "bot"
            assert desk.entry(conversation_id) is None
            await console.wait_for_any("queue", lambda q: conversation_id not in {
                h["conversation_id"] for h in q})
    run(scenario())
    assert logout(alice).status_code == 200

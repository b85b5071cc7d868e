"""The socket.io connector against the real servers (widget and agent console protocol,
docs/escalation.md): server-issued sessions, isolation of conversations, typed intents,
agent API and agent socket, handoff to a human and back."""
from __future__ import annotations

import http.client
import json
import re
import uuid
import sqlite3
from pathlib import Path
from typing import List

import pytest
import requests
import socketio

from casino_support import handoffs
from casino_support.database import get_database
from tests.integration.socket_fixtures import (  # noqa: F401  (fixtures imported)
    Peer, agent_account, create_agent, login, rasa_without_actions, run, text_of)

HEX32 = re.compile(r"^[0-9a-f]{32}$")
P1003_FIGURES = ("2 300", "2300", "1 200", "1200", "3 500", "3500")


def tracker_events(bot, conversation_id: str) -> List[dict]:
    """The events Rasa stored for the conversation (the fixture's SQL tracker store)."""
    database = Path(bot.env["SUPPORT_DB_URL"][len("sqlite:///"):]).parent / "tracker.db"
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                  (conversation_id,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def user_events(bot, conversation_id: str) -> List[dict]:
    return [e for e in tracker_events(bot, conversation_id) if e["event"] == "user"]


# --- sessions -------------------------------------------------------------------------------

def test_the_server_issues_and_signs_the_session(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            chosen = "0123456789abcdef0123456789abcdef"
            session_id, token = await peer.session(session_id=chosen)
            assert HEX32.match(session_id) and session_id != chosen
            assert token.startswith(session_id + ".") and len(token) == 32 + 1 + 64
            replies = await peer.say("bonjour")
            assert replies and all(r["sender"] == "bot" for r in replies)
            assert user_events(bot, session_id)[-1]["text"] == "bonjour"
            assert user_events(bot, chosen) == []
    run(scenario())


def test_the_same_token_gives_the_same_conversation_and_its_history(bot):
    async def scenario():
        async with Peer(bot.url) as first:
            session_id, token = await first.session()
            replies = await first.say("comment faire un retrait ?")
            assert replies
        async with Peer(bot.url) as again:
            assert await again.session(token) == (session_id, token)
            history = await again.history()
            said = [h["text"] for h in history if h["sender"] == "user"]
            assert said == ["comment faire un retrait ?"]
            bot_texts = [h["text"] for h in history if h["sender"] == "bot"]
            assert [r["text"] for r in replies] == bot_texts[-len(replies):]
            # and the conversation goes on in the same tracker
            await again.say("merci")
            assert [e["text"] for e in user_events(bot, session_id)][-2:] == [
                "comment faire un retrait ?", "merci"]
    run(scenario())


def test_a_forged_token_gives_a_new_conversation(bot):
    async def scenario():
        async with Peer(bot.url) as victim:
            victim_id, victim_token = await victim.session()
            await victim.say("mon code secret est 4321")
        forged = [
            victim_id,  # the id alone
            victim_id + "." + "0" * 64,  # a made-up signature
            victim_id + "." + victim_token.split(".")[1][::-1],
            victim_token.upper(),
            victim_token + "x",
            {"nested": victim_token},
            12345,
        ]
        async with Peer(bot.url) as attacker:
            for token in forged:
                session_id, _ = await attacker.session(token)
                assert session_id != victim_id
                assert "4321" not in json.dumps(await attacker.history())
    run(scenario())


def test_a_client_cannot_read_another_conversation(bot):
    async def scenario():
        async with Peer(bot.url) as victim, Peer(bot.url) as attacker:
            victim_id, _ = await victim.session()
            attacker_id, _ = await attacker.session()
            # the attacker names the victim's conversation everywhere it could
            await attacker.sio.emit("session_request", {"session_id": victim_id})
            await attacker.wait_for("session_confirm", lambda d: d["session_id"] != victim_id)
            await attacker.say("je veux voir une autre conversation", session_id=victim_id,
                               sender=victim_id, conversation_id=victim_id)
            await victim.say("mon adresse est 12 rue des Lilas")
            events = await attacker.quiet(1.0)
            assert "Lilas" not in json.dumps(attacker.received + events)
            assert "Lilas" not in json.dumps(await attacker.history())
            assert not any("autre conversation" in e.get("text", "")
                           for e in user_events(bot, victim_id))
            assert not any(e == "bot_uttered" and "voir une autre" in json.dumps(d)
                           for e, d in victim.received)
    run(scenario())


# --- messages -------------------------------------------------------------------------------

def test_a_typed_intent_with_entities_is_text_and_gives_no_account_data(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            session_id, _ = await peer.session()
            typed = '/verify_account{"player_id":"P1003"}'
            replies = await peer.say(typed)
            assert replies, "the bot must answer"
            answer = text_of(replies)
            assert not any(figure in answer for figure in P1003_FIGURES), answer
            assert "P1003" not in answer
            for typed_again in ("/bonus{\"player_id\":\"P1003\"}", "/restart"):
                answer = text_of(await peer.say(typed_again))
                assert not any(figure in answer for figure in P1003_FIGURES), answer
            stored = user_events(bot, session_id)[0]
            assert stored["text"].lstrip("\u200b") == typed and stored["text"] != typed
            assert stored["parse_data"]["intent"].get("confidence", 0) < 1.0 or \
                stored["parse_data"]["intent"]["name"] != "verify_account"
            assert all(e.get("value") != "P1003" or e.get("extractor") != "RegexMessageHandler"
                       for e in stored["parse_data"].get("entities", []))
            assert not any(e["event"] == "restart" for e in tracker_events(bot, session_id))
            # the history shows what the player typed
            said = [h["text"] for h in await peer.history() if h["sender"] == "user"]
            assert said[0] == typed
    run(scenario())


def test_a_button_payload_the_bot_just_offered_passes_as_an_intent(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            session_id, _ = await peer.session()
            offered = None
            for text in ("blablabla xkcd zorglub", "zorglub xkcd blablabla", "qsdfgh jklm"):
                replies = await peer.say(text)
                buttons = [b for r in replies for b in r.get("buttons", [])]
                if buttons:
                    offered = buttons[0]["payload"]
                    break
            if offered is None:
                pytest.skip("the model offered no buttons to these messages")
            await peer.say(offered)
            stored = user_events(bot, session_id)[-1]
            assert stored["text"] == offered
            intent = stored["parse_data"]["intent"]
            assert "/" + intent["name"] == offered.split("{")[0] and intent["confidence"] == 1.0
            # offered once: typed again after another answer, it is text again
            await peer.say("bonjour")
            await peer.say(offered)
            assert user_events(bot, session_id)[-1]["text"] == "\u200b" + offered
    run(scenario())


def test_typing_events_surround_the_answer(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            await peer.session()
            start = len(peer.received)
            await peer.say("bonjour")
            names = [(e, d) for e, d in peer.received[start:] if e in ("typing", "bot_uttered")]
            assert names[0] == ("typing", {"on": True})
            assert names[-1] == ("typing", {"on": False})
            assert any(e == "bot_uttered" for e, _ in names[1:-1])
    run(scenario())


def test_a_message_that_is_not_text_is_refused_in_french_and_a_long_one_cut(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            session_id, _ = await peer.session()
            for bad in (42, {"text": "x"}, None, ["a"]):
                await peer.sio.emit("user_uttered", {"message": bad})
                error = await peer.wait_for("error")
                assert error["code"] == "invalid_message" and "texte" in error["message"]
            await peer.sio.emit("user_uttered", "pas un objet")
            await peer.wait_for("error")
            await peer.say("retrait " * 1000)
            assert len(user_events(bot, session_id)[-1]["text"]) <= 2000
    run(scenario())


def test_a_message_before_session_request_gets_its_own_session(bot):
    async def scenario():
        async with Peer(bot.url) as peer:
            replies = await peer.say("bonjour")
            confirm = peer.events("session_confirm")
            assert replies and len(confirm) == 1 and HEX32.match(confirm[0]["session_id"])
    run(scenario())


def test_the_player_is_told_when_the_action_server_is_down(rasa_without_actions):
    async def scenario():
        async with Peer(rasa_without_actions) as peer:
            await peer.session()
            replies = await peer.say("comment faire un retrait ?")
            assert [r["text"] for r in replies] == [
                "Désolé, un problème technique m'empêche de vous répondre pour le moment. "
                "Merci de réessayer dans quelques instants."]
            assert peer.events("typing")[-1] == {"on": False}
    run(scenario())


# --- origins, pages -------------------------------------------------------------------------

def test_only_the_same_origin_may_open_a_socket(bot):
    async def scenario():
        with pytest.raises(socketio.exceptions.ConnectionError):
            async with Peer(bot.url, headers={"Origin": "https://evil.example"}):
                pass
        async with Peer(bot.url, headers={"Origin": bot.url}) as peer:
            assert HEX32.match((await peer.session())[0])
    run(scenario())


def test_pages_are_served_and_nothing_outside_static(bot):
    widget = requests.get(f"{bot.url}/casino/widget", timeout=10)
    assert widget.status_code == 200 and "text/html" in widget.headers["content-type"]
    assert requests.get(f"{bot.url}/casino/health", timeout=10).json() == {"status": "ok"}
    for path in ("/casino/static/../socketio_channel.py", "/casino/static/%2e%2e/sessions.py",
                 "/casino/static/..%2f..%2fcredentials.yml", "/casino/static/nothing.js",
                 "/casino/static/%2e%2e/%2e%2e/credentials.yml"):
        answer = requests.get(f"{bot.url}{path}", timeout=10)
        assert answer.status_code in (400, 404), path
        assert "casino_connector" not in answer.text and "rest:" not in answer.text
    client = requests.get(f"{bot.url}/casino/static/vendor/socket.io.min.js", timeout=10)
    if client.status_code == 200:
        assert "javascript" in client.headers["content-type"]


# --- agents -----------------------------------------------------------------------------------

def test_agent_endpoints_need_an_agent_token(bot, agent_account):
    player_token = bot.token("P1001")
    for headers in ({}, {"Authorization": "Bearer nonsense"},
                    {"Authorization": f"Bearer {player_token}"},
                    {"Authorization": agent_account.token}):
        for method, path in (("GET", "/casino/agent/queue"), ("GET", "/casino/agent/tickets"),
                             ("GET", "/casino/agent/conversations/abc"),
                             ("POST", "/casino/agent/tickets/T-2026-000001/close")):
            answer = requests.request(method, f"{bot.url}{path}", headers=headers, timeout=10)
            assert answer.status_code == 401, (path, headers)
            assert "error" in answer.json()
    assert agent_account.get("/casino/agent/queue").status_code == 200
    tickets = agent_account.get("/casino/agent/tickets")
    assert tickets.status_code == 200 and isinstance(tickets.json(), list)


def login_from(url: str, address: str, name: str, password: str) -> int:
    """Log in from another loopback address (the limit is per address: the other
    tests, from 127.0.0.1, are not locked out)."""
    host, port = url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30,
                                            source_address=(address, 0))
    try:
        connection.request("POST", "/casino/agent/login",
                           json.dumps({"name": name, "password": password}),
                           {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_agent_login_refuses_bad_passwords_and_limits_failures(bot, agent_account):
    assert login(bot.url, "nobody-here", "whatever password").status_code == 401
    bad_body = requests.post(f"{bot.url}/casino/agent/login", data="not json", timeout=10)
    assert bad_body.status_code in (400, 401)
    address = "127.0.0.%d" % (2 + uuid.uuid4().int % 250)
    codes = [login_from(bot.url, address, agent_account.name, f"wrong {i} password")
             for i in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password waits: the address is limited, not the guess
    assert login_from(bot.url, address, agent_account.name, agent_account.password) == 429
    assert login(bot.url, agent_account.name, agent_account.password).status_code == 200


def test_the_agent_socket_is_refused_without_a_valid_agent_token(bot):
    async def scenario():
        for auth in ({"agent_token": "nonsense"}, {"agent_token": bot.token("P1002")},
                     {"agent_token": None}, {"agent_token": {"name": "admin"}}):
            with pytest.raises(socketio.exceptions.ConnectionError):
                async with Peer(bot.url, auth=auth):
                    pass
        # a player socket cannot act as an agent
        async with Peer(bot.url) as player:
            await player.session()
            answer = await player.sio.call("agent_reply", {"conversation_id": "x" * 32,
                                                           "text": "hello"}, timeout=10)
            assert answer["ok"] is False and answer["error"] == "not_an_agent"
    run(scenario())


def test_an_agent_takes_replies_and_hands_back(bot, agent_account):
    database = get_database(bot.env["SUPPORT_DB_URL"])

    async def scenario():
        auth = {"agent_token": agent_account.token}
        async with Peer(bot.url) as player, Peer(bot.url, auth=auth) as agent:
            first_queue = await agent.wait_for("queue")
            assert isinstance(first_queue, list)
            conversation_id, _ = await player.session()
            await player.say("bonjour")
            handoffs.enqueue(database, conversation_id, None, "human_request", "normal")

            def listed(queue, status="waiting"):
                return any(h["conversation_id"] == conversation_id and h["status"] == status
                           for h in queue)

            await player.say("je voudrais parler à quelqu'un")  # forwarded to the agents
            message = await agent.wait_for(
                "conversation_message", lambda m: m["conversation_id"] == conversation_id)
            assert message["sender"] == "user" and "parler" in message["text"] and message["at"]
            # The queue update may reach the agent before or after the forwarded message.
            await agent.wait_for_any("queue", listed)
            queue = agent_account.get("/casino/agent/queue").json()
            assert listed(queue)

            taken = await agent.sio.call("agent_take", {"conversation_id": conversation_id},
                                         timeout=20)
            assert taken["ok"] is True and taken["handoff"]["agent"] == agent_account.name
            await agent.wait_for("queue", lambda q: listed(q, "active"))

            reply = "Bonjour, je suis Camille du support. Je regarde votre demande."
            answer = await agent.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                          "text": reply}, timeout=20)
            assert answer["ok"] is True, answer
            received = await player.wait_for("bot_uttered", lambda m: m["text"] == reply)
            # The player sees an agent by the first name they chose, never by their login
            # (this agent has none: « Conseiller » alone).
            assert received["sender"] == "agent" and received["agent"] is None

            history = await player.history()
            assert {"sender": "agent", "text": reply, "agent": None}.items() <= history[-1].items()
            assert agent_account.name not in json.dumps(history)
            detail = agent_account.get(f"/casino/agent/conversations/{conversation_id}").json()
            assert detail["handoff"]["status"] == "active"
            assert any(line["sender"] == "agent" and line["text"] == reply
                       for line in detail["transcript"])
            assert any(line["sender"] == "user" and line["text"] == "bonjour"
                       for line in detail["transcript"])

            back = await agent.sio.call("agent_handback", {"conversation_id": conversation_id},
                                        timeout=20)
            assert back["ok"] is True and back["handoff"]["status"] == "handed_back"
            resumed = await player.wait_for("bot_uttered",
                                            lambda m: "rendu la main" in m["text"])
            assert resumed["sender"] == "bot"
            assert handoffs.current_handoff(database, conversation_id) is None
            await agent.wait_for("queue", lambda q: not any(
                h["conversation_id"] == conversation_id for h in q))
            again = await agent.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                         "text": "encore moi"}, timeout=20)
            assert again["ok"] is False and again["error"] == "no_open_handoff"
            # the bot answers again
            assert await player.say("merci")
    run(scenario())


def test_an_agent_closes_and_another_agent_cannot_take_a_taken_conversation(
        bot, agent_account):
    database = get_database(bot.env["SUPPORT_DB_URL"])
    colleague = create_agent(bot, "colleague")

    async def scenario():
        async with Peer(bot.url) as player, \
                Peer(bot.url, auth={"agent_token": agent_account.token}) as agent, \
                Peer(bot.url, auth={"agent_token": colleague.token}) as other:
            conversation_id, _ = await player.session()
            await player.say("bonjour")
            handoffs.enqueue(database, conversation_id, "P1003", "late_payment", "high")
            early = await agent.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                         "text": "trop tôt"}, timeout=20)
            assert early["ok"] is False and early["error"] == "not_taken"
            assert (await agent.sio.call("agent_take", {"conversation_id": conversation_id},
                                         timeout=20))["ok"]
            detail = agent_account.get(f"/casino/agent/conversations/{conversation_id}").json()
            assert detail["account"]["player_id"] == "P1003"
            assert detail["handoff"]["priority"] == "high"
            # another agent is refused while this one holds it
            for event in ("agent_take", "agent_close"):
                refused = await other.sio.call(event, {"conversation_id": conversation_id},
                                               timeout=20)
                assert refused["ok"] is False and refused["error"] == "conflict"
            refused = await other.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                           "text": "moi aussi"}, timeout=20)
            assert refused["ok"] is False and refused["error"] == "conflict"
            assert "moi aussi" not in json.dumps(player.received)
            # an agent who wrote to the player is announced as closing (see
            # test_queue_truth.py for one who did not)
            assert (await agent.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                         "text": "C'est réglé, au revoir."},
                                         timeout=20))["ok"]
            closed = await agent.sio.call("agent_close", {"conversation_id": conversation_id},
                                          timeout=20)
            assert closed["ok"] is True and closed["handoff"]["status"] == "closed"
            message = await player.wait_for("bot_uttered", lambda m: "clôturé" in m["text"])
            assert message["text"] == ("Le conseiller a clôturé la conversation. Je reste "
                                       "disponible pour toute autre question.")
            events = [e["event"] for e in tracker_events(bot, conversation_id)]
            assert "resume" in events
    run(scenario())

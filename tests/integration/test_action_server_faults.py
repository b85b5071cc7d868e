"""The action server killed, restarted or slow: the player always gets a French answer
within 5 s, over REST and socket.io, and the conversation goes on once it is back.

The Rasa server of this module calls its action server through a small HTTP proxy run
by the test: transparent by default, it can hold each call for 20 s (a slow action
server). When the action server is down, the proxy drops the connection without an
answer, as a dead server does (Rasa takes both as a connection error).
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional

import pytest
import requests

from tests.integration.socket_fixtures import Peer, run
from tests.servers import BIN, MODEL, free_port, server_environment, started_servers

DEADLINE_S = 5.0
SLOW_S = 20.0
TECHNICAL = ("Désolé, un problème technique m'empêche de vous répondre pour le moment. "
             "Merci de réessayer dans quelques instants.")
STILL_LOOKING_REST = "Je cherche encore : la réponse prend plus de temps que prévu."
STILL_LOOKING_WIDGET = "Je cherche encore, merci de patienter quelques secondes…"
WITHDRAW_QUESTION = "comment faire un retrait ?"
WITHDRAW_ANSWER = "Pour retirer vos gains"


class ActionProxy:
    """An HTTP proxy in front of the action server that can delay every call."""

    def __init__(self, upstream_port: int):
        self.upstream = f"http://127.0.0.1:{upstream_port}"
        self.delay = 0.0
        self.calls = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_):  # quiet
                pass

            def do_GET(self):
                self._forward(None)

            def do_POST(self):
                self._forward(self.rfile.read(int(self.headers.get("Content-Length", 0))))

            def _forward(self, body):
                proxy.calls += 1
                time.sleep(proxy.delay)
                request = urllib.request.Request(
                    proxy.upstream + self.path, data=body, method=self.command,
                    headers={k: v for k, v in self.headers.items()
                             if k.lower() in ("content-type", "content-encoding")})
                try:
                    with urllib.request.urlopen(request, timeout=60) as answer:
                        status, payload = answer.status, answer.read()
                        content_type = answer.headers.get("Content-Type", "application/json")
                except urllib.error.HTTPError as error:
                    status, payload = error.code, error.read()
                    content_type = error.headers.get("Content-Type", "application/json")
                except OSError:  # the action server is down: no answer at all
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FaultyBot:
    def __init__(self, servers, proxy: ActionProxy):
        self.servers, self.proxy = servers, proxy
        self.url, self.env = servers.url, servers.env

    def post(self, text: str, sender: str, token: Optional[str] = None) -> requests.Response:
        body = {"sender": sender, "message": text}
        if token:
            body["metadata"] = {"player_token": token}
        return requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)

    def timed(self, text: str, sender: str, token: Optional[str] = None):
        started = time.monotonic()
        answer = self.post(text, sender, token)
        assert answer.status_code == 200, answer.text
        return [m.get("text", "") for m in answer.json()], time.monotonic() - started

    def token(self, player_id: str) -> str:
        return subprocess.run([str(BIN / "support-desk"), "token", player_id], env=self.env,
                              capture_output=True, text=True, check=True).stdout.strip()

    def events(self, sender: str) -> List[Dict]:
        database = self.servers.work / "tracker.db"
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
            rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                                      (sender,)).fetchall()
        return [json.loads(data) for (data,) in rows]

    def wait_for_event(self, sender: str, predicate, timeout: float = 60) -> Dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in self.events(sender) if predicate(e)]
            if found:
                return found[-1]
            time.sleep(0.5)
        raise AssertionError(f"no such event for {sender} after {timeout} s")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory) -> FaultyBot:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("faults")
    actions_port = free_port()
    proxy = ActionProxy(actions_port)
    try:
        with started_servers(work, server_environment(work), action_endpoint=proxy.url,
                             actions_port=actions_port) as servers:
            yield FaultyBot(servers, proxy)
    finally:
        proxy.close()


@pytest.fixture
def healthy(faulty):
    """Each test starts and ends with a running, prompt action server."""
    faulty.proxy.delay = 0
    if faulty.servers.actions.poll() is not None:
        faulty.servers.start_actions()
    yield faulty
    faulty.proxy.delay = 0
    if faulty.servers.actions.poll() is not None:
        faulty.servers.start_actions()


# --- killed, then restarted ----------------------------------------------------------------

def test_rest_action_server_killed_then_restarted(healthy):
    bot, sender, token = healthy, f"fault-rest-{uuid.uuid4().hex[:8]}", healthy.token("P1003")
    texts, _ = bot.timed("bonjour", sender, token)
    assert any("assistant automatique" in t for t in texts)

    bot.servers.kill_actions()
    texts, elapsed = bot.timed("il me reste combien a miser sur mon bonus", sender, token)
    assert elapsed < DEADLINE_S and texts == [TECHNICAL], (elapsed, texts)
    assert bot.events(sender)[-1]["event"] != "restart"

    bot.servers.start_actions()
    texts, elapsed = bot.timed("il me reste combien a miser sur mon bonus", sender, token)
    answer = "\n".join(texts)
    assert "2 300,00 €" in answer, answer
    assert "assistant automatique" not in answer  # the same conversation, not a new one
    said = [e["text"] for e in bot.events(sender) if e["event"] == "user"]
    assert said == ["bonjour"] + ["il me reste combien a miser sur mon bonus"] * 2


def test_socketio_action_server_killed_then_restarted(healthy):
    bot = healthy

    async def scenario():
        async with Peer(bot.url) as peer:
            session_id, _ = await peer.session()
            assert await peer.say("bonjour")
            bot.servers.kill_actions()
            started = time.monotonic()
            await peer.sio.emit("user_uttered", {"message": WITHDRAW_QUESTION})
            first = await peer.wait_for("bot_uttered", timeout=DEADLINE_S)
            assert time.monotonic() - started < DEADLINE_S
            assert first["text"] == TECHNICAL
            await peer.wait_for("typing", lambda d: d == {"on": False})

            await asyncio.to_thread(bot.servers.start_actions)
            replies = await peer.say(WITHDRAW_QUESTION)
            answer = "\n".join(r["text"] for r in replies)
            assert WITHDRAW_ANSWER in answer and "assistant automatique" not in answer
            said = [e["text"] for e in bot.events(session_id) if e["event"] == "user"]
            assert said == ["bonjour", WITHDRAW_QUESTION, WITHDRAW_QUESTION]
    run(scenario())


# --- slow ---------------------------------------------------------------------------------------

def test_rest_slow_action_server_gets_a_french_answer_in_time_and_nothing_is_lost(healthy):
    bot, sender = healthy, f"fault-slow-{uuid.uuid4().hex[:8]}"
    bot.timed("bonjour", sender)
    bot.proxy.delay = SLOW_S
    texts, elapsed = bot.timed(WITHDRAW_QUESTION, sender)
    assert elapsed < DEADLINE_S, elapsed
    assert texts[-1].startswith(STILL_LOOKING_REST), texts
    # Rasa went on in the background: once the action server answered, the message and
    # its answer are in the conversation
    bot.wait_for_event(sender, lambda e: e["event"] == "bot"
                       and WITHDRAW_ANSWER in (e.get("text") or ""), timeout=SLOW_S + 30)
    said = [e["text"] for e in bot.events(sender) if e["event"] == "user"]
    assert said == ["bonjour", WITHDRAW_QUESTION]

    bot.proxy.delay = 0
    texts, elapsed = bot.timed("mdp oublié", sender)
    assert any("Mot de passe oublié" in t for t in texts), texts


def test_socketio_slow_action_server_says_it_is_looking_then_answers(healthy):
    bot = healthy

    async def scenario():
        async with Peer(bot.url) as peer:
            await peer.session()
            assert await peer.say("bonjour")
            bot.proxy.delay = SLOW_S
            started = time.monotonic()
            await peer.sio.emit("user_uttered", {"message": WITHDRAW_QUESTION})
            first = await peer.wait_for("bot_uttered", timeout=DEADLINE_S)
            assert time.monotonic() - started < DEADLINE_S
            assert first["text"] == STILL_LOOKING_WIDGET
            late = await peer.wait_for("bot_uttered", timeout=SLOW_S + 30)
            assert WITHDRAW_ANSWER in late["text"]
            assert time.monotonic() - started >= SLOW_S
            await peer.wait_for("typing", lambda d: d == {"on": False})
    run(scenario())

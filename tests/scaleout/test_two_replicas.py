"""Rasa's own scale-out path, for real (docs/scale-out.md): two Rasa servers and two action
servers behind nginx (deploy/nginx.conf.template), conversations in PostgreSQL and the
support database too, the Redis lock store and socket.io's Redis client manager, all
started by the test on free localhost ports (missing Debian packages are installed).

Both Rasa servers read deploy/endpoints.scale-out.yml and the same environment (same
secrets), as two machines would. nginx's access log names the replica that served each
request (``upstream=127.0.0.1:PORT``).
"""
from __future__ import annotations

import asyncio
import http.client
import json
import re
import subprocess
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest
import requests
import sqlalchemy
import yaml

from tests.integration.socket_fixtures import Peer, login, run, text_of
from tests.scaleout.services import Nginx, running_nginx
from tests.servers import BIN, MODEL, ROOT, free_port, server_environment, wait_until_up
from tests.system_services import PostgresServer, running_postgres, running_redis

ENDPOINTS = ROOT / "deploy" / "endpoints.scale-out.yml"
ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in
               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
LOGS_KEPT = ROOT / "results" / "scaleout"
STARTUP_TIMEOUT = 300  # two Rasa servers loading their model together on 2 cores


@dataclass
class Cluster:
    url: str  # nginx, what players and agents use
    replicas: List[str]  # the Rasa servers themselves: "127.0.0.1:PORT"
    env: Dict[str, str]
    nginx: Nginx
    postgres: PostgresServer

    def messages(self, text: str, sender: str, token: Optional[str] = None) -> List[dict]:
        """The bot's messages to ``text``, over the REST channel through nginx."""
        body = {"sender": sender, "message": text}
        if token:
            body["metadata"] = {"player_token": token}
        answer = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=90)
        answer.raise_for_status()
        return answer.json()

    def say(self, text: str, sender: str, token: Optional[str] = None) -> str:
        return "\n".join(m.get("text", "") for m in self.messages(text, sender, token))

    def cli(self, *args: str, stdin: Optional[str] = None) -> str:
        result = subprocess.run([str(BIN / "support-desk"), *args], env=self.env, input=stdin,
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def tracker_events(self, conversation_id: str) -> List[dict]:
        """The events stored in the shared PostgreSQL tracker store."""
        engine = sqlalchemy.create_engine(self.postgres.database_url("rasa_tracker"))
        try:
            with engine.connect() as connection:
                rows = connection.execute(sqlalchemy.text(
                    "SELECT data FROM events WHERE sender_id = :id ORDER BY id"),
                    {"id": conversation_id}).fetchall()
        finally:
            engine.dispose()
        return [json.loads(row[0]) for row in rows]

    def replica_of(self, source_address: str) -> str:
        """The Rasa server nginx sends this client address to (sticky), from its log."""
        before = len(self.nginx.upstreams("GET /casino/health"))
        assert request_from(self.url, source_address, "GET", "/casino/health") == 200
        return self.nginx.wait_for_upstreams("GET /casino/health", before + 1)[-1]


def request_from(url: str, source_address: str, method: str, path: str,
                 body: Optional[dict] = None) -> int:
    """An HTTP request from another loopback address (another client for nginx)."""
    host, port = url.split("//")[1].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30,
                                            source_address=(source_address, 0))
    try:
        connection.request(method, path, json.dumps(body) if body is not None else None,
                           {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def write_support_config(path: Path) -> None:
    """support.yml with the chat always open, so that an agent can take a conversation."""
    raw = yaml.safe_load((ROOT / "support.yml").read_text())
    raw["hours"], raw["holidays"] = ALWAYS_OPEN, False
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("scaleout")
    started = time.monotonic()
    with ExitStack() as stack:
        postgres = stack.enter_context(running_postgres(work / "logs"))
        redis = stack.enter_context(running_redis(work / "redis"))
        postgres.create_database("rasa_tracker")
        support_db_url = postgres.create_database("casino_support")
        rasa_ports = [free_port(), free_port()]
        action_ports = [free_port(), free_port()]
        public_port, actions_port = free_port(), free_port()
        write_support_config(work / "support.yml")
        env = server_environment(  # one environment, the same secrets for every server
            work,
            SUPPORT_DB_URL=support_db_url,
            SOCKETIO_REDIS_URL=redis.url,
            ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}/webhook",
            TRACKER_DB_HOST="127.0.0.1", TRACKER_DB_PORT=str(postgres.port),
            TRACKER_DB_NAME="rasa_tracker", TRACKER_DB_USER="postgres",
            TRACKER_DB_PASSWORD="",
            REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis.port), REDIS_PASSWORD="",
            REDIS_LOCK_DB="1",
            # the client address is the one nginx puts in X-Forwarded-For: for Sanic
            # (agent logins) and for the message rate limits
            SUPPORT_TRUSTED_PROXIES="127.0.0.1",
        )
        subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True,
                       capture_output=True)

        processes = []  # (name, process, log, health URL)
        stack.callback(stop_and_keep_logs, processes)

        def start(name: str, command: List[str], health: str) -> None:
            log = work / f"{name}.log"
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"),
                                       stderr=subprocess.STDOUT)
            processes.append((name, process, log, health))

        for number, port in enumerate(action_ports, 1):
            start(f"actions-{number}", [str(BIN / "rasa"), "run", "actions", "--port", str(port)],
                  f"http://127.0.0.1:{port}/health")
        for number, port in enumerate(rasa_ports, 1):
            start(f"rasa-{number}",
                  [str(BIN / "rasa"), "run", "-i", "127.0.0.1", "--port", str(port),
                   "--model", str(MODEL), "--credentials", str(ROOT / "credentials.yml"),
                   "--endpoints", str(ENDPOINTS)],
                  f"http://127.0.0.1:{port}/casino/health")
        nginx = stack.enter_context(running_nginx(work / "nginx", {
            "CASINO_LISTEN": f"127.0.0.1:{public_port}",
            "RASA_SERVER_1": f"127.0.0.1:{rasa_ports[0]}",
            "RASA_SERVER_2": f"127.0.0.1:{rasa_ports[1]}",
            "ACTIONS_LISTEN": f"127.0.0.1:{actions_port}",
            "ACTION_SERVER_1": f"127.0.0.1:{action_ports[0]}",
            "ACTION_SERVER_2": f"127.0.0.1:{action_ports[1]}",
            "CASINO_ACCESS_LOG": str(work / "nginx" / "access.log"),
        }, public_port))
        for _, process, log, health in processes:
            wait_until_up(health, process, log, timeout=STARTUP_TIMEOUT)
        print(f"\nscale-out cluster up in {time.monotonic() - started:.0f} s ({work})")
        yield Cluster(f"http://127.0.0.1:{public_port}",
                      [f"127.0.0.1:{port}" for port in rasa_ports], env, nginx, postgres)


def stop_and_keep_logs(processes) -> None:
    for _, process, _, _ in processes:
        process.terminate()
    for _, process, _, _ in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    LOGS_KEPT.mkdir(parents=True, exist_ok=True)
    for name, _, log, _ in processes:
        if log.exists():
            (LOGS_KEPT / log.name).write_text(log.read_text(errors="replace"))


# --- REST: any replica continues the conversation -------------------------------------------

def test_a_rest_conversation_continues_whichever_replica_serves_each_turn(cluster):
    sender = f"scaleout-{uuid.uuid4().hex[:10]}"
    token = cluster.cli("token", "P1003").strip()
    served_before = len(cluster.nginx.upstreams("POST /webhooks/rest/"))

    wagering = cluster.say("il me reste combien a miser sur mon bonus", sender, token)
    assert "2 300,00 €" in wagering and "1 200,00 €" in wagering
    question = cluster.messages("je veux annuler mon bonus", sender, token)
    assert "Si vous annulez votre bonus" in text_of(question)
    assert "Confirmez-vous l'annulation de votre bonus ?" in text_of(question)
    buttons = {b["title"]: b["payload"] for m in question for b in m.get("buttons", [])}
    # the button payload passes as an intent only if it is what the bot just offered (read
    # in the shared tracker), and it confirms only inside the form the other replica started
    done = cluster.say(buttons["Oui, annuler le bonus"], sender, token)
    assert "C'est fait : votre bonus" in done and "est annulé" in done

    served = cluster.nginx.wait_for_upstreams("POST /webhooks/rest/",
                                              served_before + 3)[served_before:]
    assert len(served) == 3 and set(served) == set(cluster.replicas), served
    assert served[0] != served[1] != served[2], f"turns not alternated: {served}"
    said = [e["text"] for e in cluster.tracker_events(sender) if e["event"] == "user"]
    assert said == ["il me reste combien a miser sur mon bonus", "je veux annuler mon bonus",
                    buttons["Oui, annuler le bonus"]]
    # the support database is shared too: the bonus is gone for every replica
    after = [cluster.say("il me reste combien a miser sur mon bonus", sender, token)
             for _ in cluster.replicas]
    assert all("aucun bonus actif" in text for text in after), after


# --- socket.io: an agent on one replica reaches a widget on the other -----------------------

async def arrives(peer: Peer, event: str, predicate: Callable[[Any], bool]) -> Any:
    """The event, sent by the other Rasa server: only socket.io's Redis manager carries it."""
    try:
        return await peer.wait_for(event, predicate, timeout=30)
    except asyncio.TimeoutError:
        pytest.fail(f"no {event} from the other replica within 30 s "
                    "(socket.io Redis manager: SOCKETIO_REDIS_URL)")


def test_an_agent_on_the_other_replica_reaches_the_widget_through_redis(cluster):
    sticky = cluster.replica_of("127.0.0.1")  # where nginx sends this test's widget
    other = next(replica for replica in cluster.replicas if replica != sticky)
    name, password = f"agent-{uuid.uuid4().hex[:8]}", "correct horse battery"
    cluster.cli("agent", "add", name, "--password-stdin", stdin=password + "\n")
    logged_in = login(f"http://{other}", name, password)  # the other replica, directly
    assert logged_in.status_code == 200, logged_in.text
    agent_token = logged_in.json()["token"]
    reply = "Bonjour, ici Camille du support. Je regarde votre demande tout de suite."

    async def scenario() -> str:
        async with Peer(f"http://{other}", auth={"agent_token": agent_token}) as agent, \
                Peer(cluster.url, headers={"Origin": cluster.url}) as widget:
            await agent.wait_for("queue")
            conversation_id, _ = await widget.session()
            answer = text_of(await widget.say("je voudrais parler à un conseiller humain"))
            assert "file d'attente" in answer, answer
            assert re.search(r"[1-9]\d* conseillers? (?:est|sont) connectés?", answer), answer
            # the sticky replica forwards the player's message to the agents' room
            forwarded = await arrives(agent, "conversation_message", lambda m: (
                m["conversation_id"] == conversation_id and m["sender"] == "user"))
            assert "conseiller humain" in forwarded["text"]

            taken = await agent.sio.call("agent_take", {"conversation_id": conversation_id},
                                         timeout=30)
            assert taken["ok"] is True and taken["handoff"]["agent"] == name, taken
            sent = await agent.sio.call("agent_reply", {"conversation_id": conversation_id,
                                                        "text": reply}, timeout=30)
            assert sent["ok"] is True, sent
            received = await arrives(widget, "bot_uttered", lambda m: m["text"] == reply)
            # the player sees an agent by the first name they chose, never by the login
            assert received["sender"] == "agent" and received["agent"] is None

            # written by the other replica, read back by the sticky one
            history = await widget.history()
            assert any(line["sender"] == "agent" and line["text"] == reply for line in history)
            back = await agent.sio.call("agent_handback", {"conversation_id": conversation_id},
                                        timeout=30)
            assert back["ok"] is True, back
            await arrives(widget, "bot_uttered", lambda m: "rendu la main" in m["text"])
            assert await widget.say("merci"), "the bot answers again after the hand-back"
            return conversation_id

    conversation_id = run(scenario())
    stored = [e for e in cluster.tracker_events(conversation_id) if e["event"] == "bot"]
    assert any(e["text"] == reply and (e.get("metadata") or {}).get("agent") == name
               for e in stored)
    # the widget's socket went through nginx to the sticky replica (logged once closed)
    assert cluster.nginx.wait_for_upstreams("GET /socket.io/", 1) == [sticky]


# --- nginx --------------------------------------------------------------------------------------

def test_nginx_serves_the_pages_and_the_rest_channel_and_nothing_else_of_rasa(cluster):
    for page in ("/casino/widget", "/casino/agent"):
        answer = requests.get(cluster.url + page, timeout=10)
        assert answer.status_code == 200 and "text/html" in answer.headers["content-type"]
    assert requests.get(cluster.url + "/webhooks/rest/", timeout=10).json() == {"status": "ok"}
    for path in ("/", "/version", "/status", "/conversations/x/tracker", "/model/parse"):
        assert requests.get(cluster.url + path, timeout=10).status_code == 404, path


# --- the client address behind nginx ----------------------------------------------------------

def test_failed_agent_logins_are_counted_per_client_not_for_nginx(cluster):
    """Each replica limits failed logins per client address: behind nginx that is the
    X-Forwarded-For address (SUPPORT_TRUSTED_PROXIES lists nginx), else every agent would share one."""
    attacker = "127.0.0.%d" % (10 + uuid.uuid4().int % 100)
    replica = cluster.replica_of(attacker)
    colleague = next((address for address in (f"127.0.1.{n}" for n in range(1, 60))
                      if cluster.replica_of(address) == replica), None)
    assert colleague, "no other client address reaches the same replica"
    name, password = f"agent-{uuid.uuid4().hex[:8]}", "correct horse battery"
    cluster.cli("agent", "add", name, "--password-stdin", stdin=password + "\n")

    def attempt(address: str, secret: str) -> int:
        return request_from(cluster.url, address, "POST", "/casino/agent/login",
                            {"name": name, "password": secret})

    assert [attempt(attacker, f"wrong {n}") for n in range(6)] == [401] * 5 + [429]
    assert attempt(attacker, password) == 429
    assert attempt(colleague, password) == 200  # same replica, another client

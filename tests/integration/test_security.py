"""Security of the channels against the real servers (docs/security.md): typed intents,
rate limits, Rasa's HTTP API behind its token, CORS, masking in the console and the logs.

The servers of this module run as in production behind nginx: the HTTP API on with a
token, ``SUPPORT_TRUSTED_PROXIES=127.0.0.1`` (each test is its own client, named by
``X-Forwarded-For`` as nginx would), low rate limits, and debug logs (so that Rasa
writes every user message to its log: the masking must hold there too).
"""
from __future__ import annotations

import http.client
import json
import subprocess
import uuid
from typing import Dict, List, Optional

import pytest
import requests

from tests.integration.socket_fixtures import Peer, create_agent, run, text_of
from tests.servers import BIN, MODEL, server_environment, started_servers

PER_CONVERSATION = 5
PER_ADDRESS = 12
API_TOKEN = "security-test-api-token-" + uuid.uuid4().hex
P1003_FIGURES = ("2 300", "2300", "1 200", "1200", "3 500", "3500")
TOO_FAST = "Vous envoyez beaucoup de messages en peu de temps"
VISA = "4111 1111 1111 1111"


class SecuredBot:
    """The module's servers, spoken to over REST as a client behind the trusted proxy."""

    def __init__(self, servers):
        self.servers, self.url, self.env = servers, servers.url, servers.env

    def post(self, text: str, sender: Optional[str] = None, token: Optional[str] = None,
             client: Optional[str] = None, **extra) -> requests.Response:
        body = {"sender": sender or f"sec-{uuid.uuid4().hex[:12]}", "message": text, **extra}
        if token:
            body["metadata"] = {"player_token": token}
        headers = {"X-Forwarded-For": client or new_client()}
        return requests.post(f"{self.url}/webhooks/rest/webhook", json=body, headers=headers,
                             timeout=60)

    def text(self, *args, **kwargs) -> str:
        answer = self.post(*args, **kwargs)
        assert answer.status_code == 200, answer.text
        return "\n".join(m.get("text", "") for m in answer.json())

    def token(self, player_id: str) -> str:
        return subprocess.run([str(BIN / "support-desk"), "token", player_id], env=self.env,
                              capture_output=True, text=True, check=True).stdout.strip()

    def tracker(self, sender: str) -> Dict:
        answer = requests.get(f"{self.url}/conversations/{sender}/tracker",
                              params={"token": API_TOKEN}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def user_events(self, sender: str) -> List[Dict]:
        return [e for e in self.tracker(sender)["events"] if e["event"] == "user"]


def new_client() -> str:
    """A client address of its own (TEST-NET-2), as nginx would forward it."""
    return f"198.51.{uuid.uuid4().int % 256}.{uuid.uuid4().int % 254 + 1}"


@pytest.fixture(scope="module")
def secured(tmp_path_factory) -> SecuredBot:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("secured")
    env = server_environment(work, RASA_API_TOKEN=API_TOKEN,
                             SUPPORT_RATE_PER_CONVERSATION=str(PER_CONVERSATION),
                             SUPPORT_RATE_PER_ADDRESS=str(PER_ADDRESS),
                             SUPPORT_TRUSTED_PROXIES="127.0.0.1")
    with started_servers(work, env, debug_logs=True) as servers:
        yield SecuredBot(servers)


# --- typed intents over REST -------------------------------------------------------------

TYPED_INTENTS = ['/bonus{"player_id":"P1003"}', "/bonus_cancel",
                 '/inform{"payment_method":"zz-injected"}']


def test_a_typed_intent_with_entities_is_text_and_sets_nothing(secured):
    sender = f"sec-typed-{uuid.uuid4().hex[:8]}"
    for typed in TYPED_INTENTS:
        answer = secured.text(typed, sender=sender)
        assert answer and not any(figure in answer for figure in P1003_FIGURES), answer
    events = secured.tracker(sender)["events"]
    users = [e for e in events if e["event"] == "user"]
    assert [u["text"] for u in users] == ["\u200b" + typed for typed in TYPED_INTENTS]
    for user, typed in zip(users, TYPED_INTENTS):
        # read by the NLU, not by Rasa's "/intent{...}" shortcut (confidence 1, entities)
        intent = user["parse_data"]["intent"]
        assert intent.get("confidence", 0) < 1.0 or "/" + intent["name"] != typed.split("{")[0]
        assert not any(e.get("value") in ("P1003", "zz-injected")
                       for e in user["parse_data"]["entities"])
    assert not any(e["event"] == "slot" and e.get("value") in ("P1003", "zz-injected")
                   for e in events)


def test_a_typed_restart_is_text_and_restarts_nothing(secured):
    sender, token = f"sec-restart-{uuid.uuid4().hex[:8]}", secured.token("P1003")
    client = new_client()
    secured.text("bonjour", sender=sender, token=token, client=client)
    secured.text("/restart", sender=sender, token=token, client=client)
    events = secured.tracker(sender)["events"]
    assert not any(e["event"] == "restart" for e in events)
    assert [e["text"] for e in events if e["event"] == "user"] == ["bonjour", "\u200b/restart"]
    answer = secured.text("il me reste combien a miser sur mon bonus", sender=sender,
                          token=token, client=client)
    assert "2 300,00 €" in answer and "assistant automatique" not in answer  # same session


def test_a_button_the_bot_just_offered_passes_as_an_intent(secured):
    sender, token = f"sec-button-{uuid.uuid4().hex[:8]}", secured.token("P1003")
    client = new_client()
    answer = secured.post("je veux annuler mon bonus", sender=sender, token=token,
                          client=client).json()
    offered = [b["payload"] for m in answer for b in m.get("buttons", [])]
    assert "/deny" in offered, answer
    secured.text("/deny", sender=sender, token=token, client=client)
    stored = secured.user_events(sender)[-1]
    assert stored["text"] == "/deny"
    assert stored["parse_data"]["intent"] == {"name": "deny", "confidence": 1.0}
    # offered once only: typed again later, it is text
    secured.text("/deny", sender=sender, token=token, client=client)
    assert secured.user_events(sender)[-1]["text"] == "\u200b/deny"


# --- bad requests ---------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"{not json", b"[]", json.dumps({"message": "bonjour"}).encode(),
    json.dumps({"sender": "a b", "message": "bonjour"}).encode(),
    json.dumps({"sender": "x" * 200, "message": "bonjour"}).encode(),
    json.dumps({"sender": "ok", "message": 12}).encode(),
])
def test_a_bad_request_is_a_400_in_french(secured, body):
    answer = requests.post(f"{secured.url}/webhooks/rest/webhook", data=body,
                           headers={"Content-Type": "application/json",
                                    "X-Forwarded-For": new_client()}, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["error"].startswith("Requête invalide")


def test_the_health_check_still_answers(secured):
    assert requests.get(f"{secured.url}/webhooks/rest/", timeout=10).json() == {"status": "ok"}


# --- rate limits ---------------------------------------------------------------------------

def test_over_the_conversation_rate_rest_answers_429_and_rasa_gets_nothing(secured):
    sender, client = f"sec-rate-{uuid.uuid4().hex[:8]}", new_client()
    codes = [secured.post(f"question {i}", sender=sender, client=client).status_code
             for i in range(PER_CONVERSATION)]
    assert codes == [200] * PER_CONVERSATION
    refused = secured.post("encore une", sender=sender, client=client)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.json() == [{"recipient_id": sender, "text": refused.json()[0]["text"]}]
    assert refused.json()[0]["text"].startswith(TOO_FAST)
    assert len(secured.user_events(sender)) == PER_CONVERSATION  # the refused one is not there
    assert secured.post("bonjour", client=client).status_code == 200  # another conversation


def test_over_the_address_rate_rest_answers_429_for_that_address_only(secured):
    client = new_client()
    codes = [secured.post("bonjour", client=client).status_code for _ in range(PER_ADDRESS)]
    assert codes == [200] * PER_ADDRESS
    assert secured.post("bonjour", client=client).status_code == 429
    assert secured.post("bonjour", client=new_client()).status_code == 200


def test_an_untrusted_peer_cannot_escape_the_address_limit_with_x_forwarded_for(secured):
    """From 127.0.0.7 (not a trusted proxy) the header is ignored: one address."""
    host, port = secured.url.split("//")[1].split(":")

    def post_from_127_0_0_7() -> int:
        connection = http.client.HTTPConnection(host, int(port), timeout=60,
                                                source_address=("127.0.0.7", 0))
        try:
            connection.request("POST", "/webhooks/rest/webhook", json.dumps(
                {"sender": f"sec-spoof-{uuid.uuid4().hex[:8]}", "message": "bonjour"}),
                {"Content-Type": "application/json", "X-Forwarded-For": new_client()})
            return connection.getresponse().status
        finally:
            connection.close()

    codes = [post_from_127_0_0_7() for _ in range(PER_ADDRESS + 1)]
    assert codes == [200] * PER_ADDRESS + [429]


def test_over_the_rates_the_widget_is_told_politely(secured):
    async def scenario():
        client = new_client()
        async with Peer(secured.url, headers={"X-Forwarded-For": client}) as peer:
            session_id, _ = await peer.session()
            for i in range(PER_CONVERSATION):
                assert TOO_FAST not in text_of(await peer.say(f"question {i}"))
            assert text_of(await peer.say("encore une")).startswith(TOO_FAST)
            assert len(secured.user_events(session_id)) == PER_CONVERSATION
        # the address: PER_ADDRESS messages over all its conversations, then refused
        left = PER_ADDRESS - PER_CONVERSATION
        while left > 0:
            async with Peer(secured.url, headers={"X-Forwarded-For": client}) as other:
                await other.session()
                for _ in range(min(left, PER_CONVERSATION - 1)):
                    assert TOO_FAST not in text_of(await other.say("bonjour"))
                    left -= 1
        async with Peer(secured.url, headers={"X-Forwarded-For": client}) as last:
            await last.session()
            assert text_of(await last.say("bonjour")).startswith(TOO_FAST)
        async with Peer(secured.url, headers={"X-Forwarded-For": new_client()}) as elsewhere:
            await elsewhere.session()
            assert TOO_FAST not in text_of(await elsewhere.say("bonjour"))
    run(scenario())


# --- Rasa's HTTP API --------------------------------------------------------------------------

def test_the_http_api_needs_the_token(secured):
    sender = f"sec-api-{uuid.uuid4().hex[:8]}"
    secured.text("bonjour", sender=sender)
    for params in ({}, {"token": "wrong"}, {"token": API_TOKEN[:-1]}):
        assert requests.get(f"{secured.url}/conversations/{sender}/tracker", params=params,
                            timeout=30).status_code == 401
        injected = requests.post(f"{secured.url}/conversations/{sender}/messages", params=params,
                                 json={"text": "/restart", "sender": "user"}, timeout=30)
        assert injected.status_code == 401
        assert requests.post(f"{secured.url}/model/parse", params=params,
                             json={"text": "bonjour"}, timeout=30).status_code == 401
    assert [e["text"] for e in secured.user_events(sender)] == ["bonjour"]


def test_the_token_is_not_on_the_rasa_servers_command_line(secured):
    command_line = open(f"/proc/{secured.servers.rasa.pid}/cmdline", "rb").read()
    assert API_TOKEN.encode() not in command_line and b"scripts.rasa_api" in command_line


# --- CORS ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("POST", "/webhooks/rest/webhook"), ("OPTIONS", "/webhooks/rest/webhook"),
    ("GET", "/conversations/abc/tracker"), ("OPTIONS", "/conversations/abc/tracker"),
    ("POST", "/casino/agent/login"), ("OPTIONS", "/casino/agent/login"),
])
def test_an_unknown_origin_gets_no_cors_header(secured, method, path):
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "content-type",
               "X-Forwarded-For": new_client()}
    body = {"sender": "sec-cors", "message": "bonjour"} if method == "POST" else None
    answer = requests.request(method, f"{secured.url}{path}", headers=headers, json=body,
                              params={"token": API_TOKEN}, timeout=30)
    assert answer.status_code < 500
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert "Access-Control-Allow-Credentials" not in answer.headers


# --- masking --------------------------------------------------------------------------------------

def test_a_card_number_is_masked_before_rasa_and_the_player_is_warned(secured):
    sender = f"sec-card-{uuid.uuid4().hex[:8]}"
    email = f"joueur.{uuid.uuid4().hex[:6]}@exemple.fr"
    answer = secured.post(f"j'ai payé avec ma carte {VISA}, écrivez-moi à {email}", sender=sender)
    assert answer.status_code == 200
    first, *rest = [m["text"] for m in answer.json()]
    assert "numéro de carte" in first and "jamais" in first
    assert rest, "the bot still answers the question"
    # The tracker store has the message without the card number nor the e-mail (a ticket
    # keeps the e-mail a player gives apart: casino_support.ticket_contacts).
    stored = secured.user_events(sender)[-1]["text"]
    assert stored == "j'ai payé avec ma carte [carte masquée ****1111], écrivez-moi à [e-mail masqué]"
    assert email not in json.dumps(secured.tracker(sender))
    assert VISA.replace(" ", "")[6:12] not in json.dumps(secured.tracker(sender))

    agent = create_agent(secured)
    conversation = agent.get(f"/casino/agent/conversations/{sender}")
    assert conversation.status_code == 200
    said = [line["text"] for line in conversation.json()["transcript"] if line["sender"] == "user"]
    assert said == ["j'ai payé avec ma carte [carte masquée ****1111], écrivez-moi à "
                    "[e-mail masqué]"]

    rasa_log = secured.servers.rasa_log.read_text(errors="replace")
    assert "****1111" in rasa_log  # Rasa logged the message, masked
    for log in (rasa_log, secured.servers.actions_log.read_text(errors="replace")):
        assert VISA not in log and VISA.replace(" ", "") not in log
        assert email not in log


def test_a_card_number_in_the_widget_is_masked_and_the_player_warned(secured):
    async def scenario():
        async with Peer(secured.url, headers={"X-Forwarded-For": new_client()}) as peer:
            session_id, _ = await peer.session()
            said = text_of(await peer.say(f"ma cb {VISA.replace(' ', '')} est refusée"))
            assert said.startswith("Pour votre sécurité") and "numéro de carte" in said
            assert secured.user_events(session_id)[-1]["text"] == (
                "ma cb [carte masquée ****1111] est refusée")
    run(scenario())

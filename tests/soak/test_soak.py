"""Soak: the real servers under a realistic load for SOAK_SECONDS (default 600), then the
tracker store is checked message by message.

SOAK_CONVERSATIONS players (default 50) chat at once, each one conversation after
another, 2 to 5 s of thinking between messages, half over socket.io (the widget's
protocol) and half over REST. The conversations are the load benchmark's
(benchmarks/conversations.py: logged-in demo players and anonymous visitors) plus one
where the player asks for a human. The chat is open and an agent is online (the agent
console's socket API): every conversation that reaches the queue (a human asked for, a
late withdrawal) is taken by the agent, who answers and then hands it back to the bot.

Afterwards, every message a player sent must be in the tracker store, followed by a bot
message (answered) or sent while the conversation was paused for an agent, with its
handoff recorded (delivered to an agent). Printed: messages sent, answered, delivered to
an agent, errors (HTTP errors, timeouts, the "technical problem" / "still looking"
answers), latency p50/p95/p99, the servers' memory.

`make test-soak` runs it; SOAK_SECONDS=60 for a short run.
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import aiohttp
import numpy
import pytest
import socketio

from benchmarks.conversations import PROJECT_SCRIPTS, Conversation, GREET, THANKS, BYE
from tests.integration.conftest import ALWAYS_OPEN, Bot
from tests.integration.socket_fixtures import Peer, create_agent
from tests.restartable_servers import all_tracker_events, restartable_servers
from tests.servers import MODEL, ROOT, server_environment

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
CONVERSATIONS = int(os.environ.get("SOAK_CONVERSATIONS", "50"))
THINK_SECONDS = (2.0, 5.0)
SEED = 7
TIMEOUT_S = 30
AGENT_HOLDS_SECONDS = (4.0, 10.0)  # how long the agent keeps a conversation
RESULTS = ROOT / "results" / "soak"

ASK_HUMAN = ["je voudrais parler à un conseiller", "je veux parler a un humain",
             "passez moi un conseiller svp"]
WHILE_WAITING = ["vous êtes là ?", "j'attends toujours", "allo ?"]
SCRIPTS = dict(PROJECT_SCRIPTS)
SCRIPTS["asks for a human (P1002)"] = ("P1002", [GREET, ASK_HUMAN, WHILE_WAITING, THANKS,
                                                 ["ok merci beaucoup", "super"], BYE])

# The connectors' degraded answers: a reply, but counted as an error of the run.
DEGRADED = ("problème technique", "Je cherche encore", "incident technique",
            "beaucoup de messages en peu de temps")


@dataclass
class Sent:
    conversation: str
    channel: str
    text: str
    latency_ms: Optional[float]  # None: no answer (timeout, connection) or none expected
    outcome: str  # answered, silent (paused?), degraded, http_<status>, timeout, connection
    reply: str = ""  # what a degraded answer said


@dataclass
class Run:
    sent: List[Sent] = field(default_factory=list)
    conversations: Counter = field(default_factory=Counter)
    agent: Counter = field(default_factory=Counter)
    agent_errors: List[str] = field(default_factory=list)


def outcome_of(texts: List[str]) -> str:
    if not texts:
        return "silent"
    return "degraded" if any(marker in t for t in texts for marker in DEGRADED) else "answered"


# --- the players ---------------------------------------------------------------------------

async def rest_conversation(session: aiohttp.ClientSession, url: str, conversation: Conversation,
                            token: Optional[str], rng: random.Random, deadline: float,
                            run: Run) -> None:
    sender = f"soak-rest-{uuid.uuid4().hex[:12]}"
    run.conversations["rest"] += 1
    for index, line in enumerate(conversation.lines):
        if index:
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))
        if time.monotonic() >= deadline:
            return
        body: Dict[str, Any] = {"sender": sender, "message": line}
        if token:
            body["metadata"] = {"player_token": token}
        started = time.perf_counter()
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json=body,
                                    timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as response:
                replies = await response.json(content_type=None)
                latency = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    run.sent.append(Sent(sender, "rest", line, latency, f"http_{response.status}"))
                    continue
        except asyncio.TimeoutError:
            run.sent.append(Sent(sender, "rest", line, None, "timeout"))
            continue
        except aiohttp.ClientError:
            run.sent.append(Sent(sender, "rest", line, None, "connection"))
            continue
        texts = [m.get("text") or "" for m in replies if isinstance(m, dict)]
        run.sent.append(Sent(sender, "rest", line, latency, outcome_of(texts), " / ".join(texts)))


async def socket_conversation(url: str, conversation: Conversation, token: Optional[str],
                              rng: random.Random, deadline: float, run: Run) -> None:
    custom = {"player_token": token} if token else None
    try:
        async with Peer(url) as peer:
            conversation_id, _ = await asyncio.wait_for(peer.session(), TIMEOUT_S)
            run.conversations["socket.io"] += 1
            for index, line in enumerate(conversation.lines):
                if index:
                    await asyncio.sleep(rng.uniform(*THINK_SECONDS))
                if time.monotonic() >= deadline:
                    return
                started = time.perf_counter()
                try:
                    replies = await asyncio.wait_for(peer.say(line, custom_data=custom), TIMEOUT_S)
                except asyncio.TimeoutError:
                    run.sent.append(Sent(conversation_id, "socket.io", line, None, "timeout"))
                    continue
                latency = (time.perf_counter() - started) * 1000
                texts = [m.get("text") or "" for m in replies if m.get("sender") != "agent"]
                run.sent.append(Sent(conversation_id, "socket.io", line, latency,
                                     outcome_of(texts), " / ".join(texts)))
                if line in ASK_HUMAN:  # the agent's answer comes while the player waits
                    try:
                        await peer.wait_for("bot_uttered", lambda m: m.get("sender") == "agent",
                                            timeout=60)
                        run.agent["replies seen by players"] += 1
                    except asyncio.TimeoutError:
                        pass
    except (socketio.exceptions.ConnectionError, asyncio.TimeoutError, OSError):
        run.sent.append(Sent("?", "socket.io", "(connection)", None, "connection"))


async def player(slot: int, url: str, tokens: Dict[str, str], deadline: float,
                 run: Run) -> None:
    """One player after another in this slot: socket.io for even slots, REST for odd."""
    rng = random.Random(SEED * 1000 + slot)
    kinds = sorted(SCRIPTS)
    await asyncio.sleep(rng.uniform(0, THINK_SECONDS[1]))  # not all at the same second
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            kind = rng.choice(kinds)
            player_id, slots = SCRIPTS[kind]
            conversation = Conversation(kind, [rng.choice(s) for s in slots], player_id)
            token = tokens.get(player_id) if player_id else None
            if slot % 2 == 0:
                await socket_conversation(url, conversation, token, rng, deadline, run)
            else:
                await rest_conversation(session, url, conversation, token, rng, deadline, run)
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))


# --- the agent -------------------------------------------------------------------------------

async def agent_at_work(url: str, agent_token: str, stop: asyncio.Event, run: Run) -> None:
    """Takes every waiting conversation, answers, and hands it back to the bot a few
    seconds later (the agent console's socket API)."""
    rng = random.Random(SEED)
    sio = socketio.AsyncClient(reconnection=True)
    await sio.connect(url, transports=["websocket"], auth={"agent_token": agent_token},
                      wait_timeout=20)
    held: Dict[str, float] = {}  # conversation -> when to hand back
    headers = {"Authorization": f"Bearer {agent_token}"}

    async def act(event: str, conversation_id: str, **data: Any) -> bool:
        answer = await sio.call(event, {"conversation_id": conversation_id, **data}, timeout=30)
        if isinstance(answer, dict) and answer.get("ok"):
            run.agent[event] += 1
            return True
        run.agent_errors.append(f"{event} {conversation_id}: {answer}")
        return False

    try:
        async with aiohttp.ClientSession(headers=headers) as session:
            while not stop.is_set() or held:
                async with session.get(f"{url}/casino/agent/queue") as response:
                    queue = await response.json() if response.status == 200 else []
                for item in queue:
                    conversation_id = item["conversation_id"]
                    if item["status"] == "waiting" and conversation_id not in held:
                        if await act("agent_take", conversation_id):
                            await act("agent_reply", conversation_id,
                                      text="Bonjour, ici le support : je regarde votre demande.")
                            held[conversation_id] = time.monotonic() + rng.uniform(
                                *AGENT_HOLDS_SECONDS)
                for conversation_id, when in list(held.items()):
                    if time.monotonic() >= when or stop.is_set():
                        await act("agent_handback", conversation_id)
                        del held[conversation_id]
                await asyncio.sleep(1.0)
    finally:
        await sio.disconnect()


# --- the servers and the check ------------------------------------------------------------------

def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture(scope="module")
def soak_bot(tmp_path_factory) -> Iterator[Bot]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("soak-servers")
    # Every player here comes from 127.0.0.1: no per-address limit for this run.
    env = server_environment(work, SUPPORT_RATE_PER_ADDRESS="0")
    with restartable_servers(work, env) as servers:
        bot = Bot(servers.url, env, work / "support.yml")
        bot.servers = servers
        bot.set_chat_hours(ALWAYS_OPEN)
        yield bot


def handoffs_recorded(db_url: str) -> set:
    """The conversations that have a handoff in the support database."""
    from sqlalchemy import select

    from casino_support.database import session_scope
    from casino_support.models import Handoff

    with session_scope(db_url) as session:
        return set(session.execute(select(Handoff.conversation_id)).scalars())


# The agent desk checks presence and the queue every 5 s at most (casino_connector/agent_api.py).
QUEUE_SETTLE_SECONDS = 6


def untrue_queue(db_url: str, stored: Dict[str, List[dict]]) -> List[str]:
    """The queue's invariants at the end of the run (casino_support.handoffs.queue_problems):
    an entry only for a player waiting for or talking with an agent, none held by an
    offline agent, each conversation in the queue paused."""
    from casino_support import handoffs
    from casino_support.database import get_database

    return handoffs.queue_problems(
        get_database(db_url),
        pause_of=lambda cid: handoffs.pause_state(stored[cid]) if cid in stored else None)


def classify(run: Run, stored: Dict[str, List[dict]], handoff_conversations: set
             ) -> Tuple[Counter, List[str]]:
    """Each message sent, found in order in its conversation's tracker events: answered
    (a bot message follows before the next user message) or delivered to an agent (the
    conversation was paused and has a handoff); else a problem."""
    verdicts: Counter = Counter()
    problems: List[str] = []
    by_conversation: Dict[str, List[Sent]] = {}
    for item in run.sent:
        if item.outcome not in ("timeout", "connection") and not item.outcome.startswith("http_"):
            by_conversation.setdefault(item.conversation, []).append(item)
    for conversation, sent in by_conversation.items():
        events = stored.get(conversation, [])
        cursor, paused = 0, False
        for item in sent:
            found = None
            while cursor < len(events):
                event = events[cursor]
                cursor += 1
                if event.get("event") == "pause":
                    paused = True
                elif event.get("event") == "resume":
                    paused = False
                elif (event.get("event") == "user"
                      and (event.get("text") or "").lstrip("\u200b") == item.text):
                    found = cursor - 1
                    break
            if found is None:
                verdicts["missing"] += 1
                problems.append(f"{conversation}: {item.text!r} not in the tracker store")
                break
            follow = []
            for event in events[found + 1:]:
                if event.get("event") == "user":
                    break
                follow.append(event)
            bot_followed = any(e.get("event") == "bot" and not (e.get("metadata") or {}).get("agent")
                               for e in follow)
            if paused and conversation in handoff_conversations:
                verdicts["delivered to agent"] += 1
            elif bot_followed:
                verdicts["answered"] += 1
            else:
                verdicts["unanswered"] += 1
                problems.append(f"{conversation}: {item.text!r} got no answer (paused={paused})")
    return verdicts, problems


def test_soak(soak_bot):
    bot = soak_bot
    tokens = {player_id: bot.token(player_id, ttl=int(SOAK_SECONDS) + 900)
              for player_id in {p for p, _ in SCRIPTS.values() if p}}
    agent = create_agent(bot, "soak-agent")
    pids = {"rasa": bot.servers.rasa.process.pid, "actions": bot.servers.actions.process.pid}
    memory = {"start": {name: rss_mb(pid) for name, pid in pids.items()}}
    run = Run()

    async def soak() -> None:
        stop = asyncio.Event()
        agent_task = asyncio.create_task(agent_at_work(bot.url, agent.token, stop, run))
        await asyncio.sleep(2)  # the agent is online before the first player
        deadline = time.monotonic() + SOAK_SECONDS

        async def halfway() -> None:
            await asyncio.sleep(SOAK_SECONDS / 2)
            memory["half"] = {name: rss_mb(pid) for name, pid in pids.items()}

        await asyncio.gather(halfway(), *(player(slot, bot.url, tokens, deadline, run)
                                         for slot in range(CONVERSATIONS)))
        stop.set()
        await asyncio.wait_for(agent_task, 120)

    started = time.monotonic()
    asyncio.run(soak())
    elapsed = time.monotonic() - started
    memory["end"] = {name: rss_mb(pid) for name, pid in pids.items()}

    time.sleep(QUEUE_SETTLE_SECONDS)  # the agent desk's periodic check runs once, idle
    handoff_conversations = handoffs_recorded(bot.env["SUPPORT_DB_URL"])
    stored = all_tracker_events(bot.servers.tracker_db)
    verdicts, problems = classify(run, stored, handoff_conversations)
    queue_problems = untrue_queue(bot.env["SUPPORT_DB_URL"], stored)

    outcomes = Counter(item.outcome for item in run.sent)
    errors = sum(n for outcome, n in outcomes.items() if outcome not in ("answered", "silent"))
    latencies = [item.latency_ms for item in run.sent
                 if item.latency_ms is not None and item.outcome == "answered"]
    p50, p95, p99 = numpy.percentile(latencies, [50, 95, 99]).tolist() if latencies else (0, 0, 0)
    figures = {
        "seconds": round(elapsed, 1), "players": CONVERSATIONS,
        "conversations": dict(run.conversations), "messages sent": len(run.sent),
        "per channel": dict(Counter(item.channel for item in run.sent)),
        "answered": verdicts["answered"], "delivered to agent": verdicts["delivered to agent"],
        "missing": verdicts["missing"], "unanswered": verdicts["unanswered"],
        "errors": errors, "client outcomes": dict(outcomes),
        "latency ms": {"p50": round(p50), "p95": round(p95), "p99": round(p99),
                       "max": round(max(latencies)) if latencies else 0},
        "agent": dict(run.agent), "agent errors": len(run.agent_errors),
        "handoffs": len(handoff_conversations), "memory MB": memory,
        "queue problems": len(queue_problems),
        "degraded answers": dict(Counter(f"{i.text} -> {i.reply[:100]}" for i in run.sent
                                         if i.outcome == "degraded")),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"\nsoak: {json.dumps(figures, ensure_ascii=False)}")

    assert bot.servers.all_alive()
    assert "Pour retirer vos gains" in bot.text("comment faire un retrait ?")
    assert len(run.sent) >= CONVERSATIONS * SOAK_SECONDS / 10  # the load really ran
    assert run.agent["agent_reply"] > 0 and run.agent["agent_handback"] > 0
    assert not problems, "\n".join(problems[:20])
    assert not queue_problems, "\n".join(queue_problems[:20])
    assert errors == 0, f"errors: {dict(outcomes)}"
    assert not run.agent_errors, run.agent_errors[:10]
    assert p95 < 5000, f"p95 {p95:.0f} ms"
    for name in pids:  # no leak: the second half of the run adds little memory
        half, end = memory["half"][name], memory["end"][name]
        assert end - half < 0.1 * half + 50, f"{name}: {half:.0f} MB -> {end:.0f} MB"

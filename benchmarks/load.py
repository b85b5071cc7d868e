"""Load levels: conversations replayed over REST (aiohttp) or socket.io, timed per turn.

Every turn expects a reply. An error is a non-200 answer, a timeout (30 s), a failed
connection, an empty reply, or the channel's "Je cherche encore" stop-gap (the bot took
more than 4 s; outcome "slow"). Latencies are those of the turns that got an answer
(timeouts and failed connections are only counted as errors).
"""
from __future__ import annotations

import asyncio
import itertools
import random
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

import aiohttp
import numpy

from benchmarks.conversations import Conversation
from casino_connector.input_guard import MSG_SLOW, MSG_SLOW_RETRY

TIMEOUT_S = 30


@dataclass
class Turn:
    latency_ms: Optional[float]  # None: no answer (timeout, connection)
    outcome: str  # ok, empty, http_<status>, timeout, connection
    line: str = ""


class RestClient:
    """The REST channel of one bot; `token_for(player)` signs a player token."""

    def __init__(self, session: aiohttp.ClientSession, url: str,
                 token_for: Callable[[str], str]):
        self.session, self.url, self.token_for = session, url + "/webhooks/rest/webhook", token_for

    def conversation(self, conversation: Conversation) -> "_RestConversation":
        """An async context giving `say(text) -> Turn` for one new conversation."""
        return _RestConversation(self, conversation)


class _RestConversation:
    def __init__(self, client: RestClient, conversation: Conversation):
        self.client = client
        self.sender = f"bench-{uuid.uuid4().hex[:12]}"
        self.metadata = ({"player_token": client.token_for(conversation.player)}
                         if conversation.player else None)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_):
        return None

    async def say(self, text: str) -> Turn:
        body = {"sender": self.sender, "message": text}
        if self.metadata:
            body["metadata"] = self.metadata
        started = time.perf_counter()
        try:
            async with self.client.session.post(
                    self.client.url, json=body,
                    timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as response:
                replies = await response.json(content_type=None) if response.status == 200 else None
                latency = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    return Turn(latency, f"http_{response.status}")
                return Turn(latency, _outcome(replies))
        except asyncio.TimeoutError:
            return Turn(None, "timeout")
        except aiohttp.ClientError:
            return Turn(None, "connection")


class SocketClient:
    """The project's widget channel: one socket.io connection per conversation."""

    def __init__(self, url: str, token_for: Callable[[str], str]):
        self.url, self.token_for = url, token_for

    def conversation(self, conversation: Conversation) -> "_SocketConversation":
        return _SocketConversation(self, conversation)


class _SocketConversation:
    def __init__(self, client: SocketClient, conversation: Conversation):
        from tests.integration.socket_fixtures import Peer  # its aiohttp workaround too

        self.peer = Peer(client.url)
        self.custom = ({"player_token": client.token_for(conversation.player)}
                       if conversation.player else None)

    async def __aenter__(self):
        await self.peer.__aenter__()
        await asyncio.wait_for(self.peer.session(), TIMEOUT_S)
        return self

    async def __aexit__(self, *_):
        await self.peer.__aexit__()

    async def say(self, text: str) -> Turn:
        started = time.perf_counter()
        try:
            replies = await asyncio.wait_for(self.peer.say(text, custom_data=self.custom),
                                             TIMEOUT_S)
        except asyncio.TimeoutError:
            return Turn(None, "timeout")
        latency = (time.perf_counter() - started) * 1000
        return Turn(latency, _outcome(replies))


def _outcome(replies) -> str:
    if not _has_content(replies):
        return "empty"
    if any(isinstance(m, dict) and m.get("text") in (MSG_SLOW, MSG_SLOW_RETRY) for m in replies):
        return "slow"
    return "ok"


def _has_content(replies) -> bool:
    return isinstance(replies, list) and any(
        isinstance(m, dict) and (m.get("text") or m.get("buttons") or m.get("image"))
        for m in replies)


async def play(client, conversation: Conversation, turns: List[Turn],
               think: Optional[Tuple[float, float]] = None, deadline: Optional[float] = None,
               limit: Optional[int] = None, rng: Optional[random.Random] = None) -> None:
    """Replay one conversation, appending a Turn per message; think time between them."""
    async with client.conversation(conversation) as talk:
        for index, line in enumerate(conversation.lines):
            if deadline is not None and time.monotonic() >= deadline:
                return
            if limit is not None and len(turns) >= limit:
                return
            if think and index:
                await asyncio.sleep(rng.uniform(*think))
            turn = await talk.say(line)
            turn.line = line
            turns.append(turn)


# --- the three levels ---------------------------------------------------------------------

async def one_user(client, pool: List[Conversation], turns: int) -> Tuple[List[Turn], float]:
    """One user, sequential turns, no pause: `turns` turns over whole conversations."""
    done: List[Turn] = []
    started = time.monotonic()
    for conversation in itertools.cycle(pool):
        if len(done) >= turns:
            break
        await play(client, conversation, done, limit=turns)
    return done, time.monotonic() - started


async def saturation(client, pool: List[Conversation], users: int, duration: float
                     ) -> Tuple[List[Turn], float]:
    """`users` users without pause for `duration` s (turns started before the end finish)."""
    done: List[Turn] = []
    conversations = itertools.cycle(pool)
    started = time.monotonic()
    deadline = started + duration

    async def user() -> None:
        while time.monotonic() < deadline:
            await play(client, next(conversations), done, deadline=deadline)

    await asyncio.gather(*(user() for _ in range(users)))
    return done, time.monotonic() - started


async def evening(client, pool: List[Conversation], conversations: int, ramp: float,
                  think: Tuple[float, float], seed: int = 5) -> Tuple[List[Turn], float]:
    """`conversations` conversations starting at random over `ramp` s, think time between
    messages: the players of a busy evening."""
    rng = random.Random(seed)
    done: List[Turn] = []
    starts = sorted(rng.uniform(0, ramp) for _ in range(conversations))
    started = time.monotonic()

    async def player(offset: float, conversation: Conversation, seed: float) -> None:
        await asyncio.sleep(offset)
        await play(client, conversation, done, think=think, rng=random.Random(seed))

    await asyncio.gather(*(player(offset, conversation, rng.random())
                           for offset, conversation in zip(starts, itertools.cycle(pool))))
    return done, time.monotonic() - started


def summarise(turns: List[Turn], elapsed: float) -> Dict[str, object]:
    latencies = [t.latency_ms for t in turns if t.latency_ms is not None]
    outcomes: Dict[str, int] = {}
    failed: Dict[str, int] = {}  # "outcome: line" -> count
    for turn in turns:
        outcomes[turn.outcome] = outcomes.get(turn.outcome, 0) + 1
        if turn.outcome != "ok":
            key = f"{turn.outcome}: {turn.line}"
            failed[key] = failed.get(key, 0) + 1
    p50, p95, p99 = (numpy.percentile(latencies, [50, 95, 99]).tolist() if latencies
                     else (None, None, None))
    return {
        "turns": len(turns), "seconds": round(elapsed, 2),
        "turns_per_s": round(len(turns) / elapsed, 2) if elapsed else None,
        "p50_ms": p50, "p95_ms": p95, "p99_ms": p99,
        "max_ms": max(latencies) if latencies else None,
        "errors": len(turns) - outcomes.get("ok", 0),
        "outcomes": outcomes,
        "failed_lines": dict(sorted(failed.items(), key=lambda item: -item[1])),
        "latencies_ms": [round(value, 1) for value in latencies],
    }

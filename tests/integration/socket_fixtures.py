"""Helpers for the socket.io tests: a recording socket.io client, an agent account.

The tests are plain functions that run one coroutine each (``run``): python-socketio's
AsyncClient (aiohttp, websocket transport only, as the widget).
"""
from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import aiohttp
import pytest
import requests
import socketio

from tests.servers import MODEL, ROOT, TRACKER_STORE, free_port, wait_until_up

if not hasattr(aiohttp, "ClientWSTimeout"):
    # python-engineio 4.15's AsyncClient builds aiohttp.ClientWSTimeout (aiohttp >= 3.10);
    # rasa 3.6 pins aiohttp 3.9, whose ws_connect takes the close timeout as a number.
    aiohttp.ClientWSTimeout = lambda ws_close=None, **_: ws_close

BIN = Path(sys.executable).parent
TIMEOUT = 60  # seconds: a first message may load the NLU pipeline


def run(coroutine) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 240))


class Peer:
    """A socket.io client that records every event it receives."""

    def __init__(self, url: str, auth: Optional[Dict[str, Any]] = None,
                 headers: Optional[Dict[str, str]] = None):
        self.url, self.auth, self.headers = url, auth, headers or {}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.received: List[Tuple[str, Any]] = []
        self._changed = asyncio.Condition()
        self._consumed = 0

        @self.sio.on("*")
        async def record(event: str, data: Any = None) -> None:
            async with self._changed:
                self.received.append((event, data))
                self._changed.notify_all()

    async def __aenter__(self) -> "Peer":
        await self.sio.connect(self.url, transports=["websocket"], auth=self.auth,
                               headers=self.headers, wait_timeout=20)
        return self

    async def __aexit__(self, *_: Any) -> None:
        await self.sio.disconnect()

    def events(self, name: str) -> List[Any]:
        return [data for event, data in self.received if event == name]

    async def wait_for(self, name: str, predicate: Callable[[Any], bool] = lambda _: True,
                       timeout: float = TIMEOUT) -> Any:
        """The first event ``name`` received after the last one waited for (matching)."""
        async def find() -> Any:
            async with self._changed:
                while True:
                    for index in range(self._consumed, len(self.received)):
                        event, data = self.received[index]
                        if event == name and predicate(data):
                            self._consumed = index + 1
                            return data
                    await self._changed.wait()
        return await asyncio.wait_for(find(), timeout)

    async def wait_for_any(self, name: str, predicate: Callable[[Any], bool] = lambda _: True,
                           timeout: float = TIMEOUT) -> Any:
        """An event ``name`` (matching) received at any time, before or after the last one
        waited for: for events whose order against the others the server does not fix."""
        async def find() -> Any:
            async with self._changed:
                while True:
                    for event, data in self.received:
                        if event == name and predicate(data):
                            return data
                    await self._changed.wait()
        return await asyncio.wait_for(find(), timeout)

    async def quiet(self, seconds: float = 1.5) -> List[Tuple[str, Any]]:
        """The events received during the next ``seconds``."""
        start = len(self.received)
        await asyncio.sleep(seconds)
        return self.received[start:]

    # --- the widget's protocol ---------------------------------------------------------

    async def session(self, token: Optional[str] = None, **extra: Any) -> Tuple[str, str]:
        data = dict(extra)
        if token is not None:
            data["session_token"] = token
        await self.sio.emit("session_request", data)
        confirm = await self.wait_for("session_confirm")
        return confirm["session_id"], confirm["session_token"]

    async def say(self, message: Any, custom_data: Optional[Dict[str, Any]] = None,
                  **extra: Any) -> List[Dict[str, Any]]:
        """Send a message; the bot messages received until ``typing {on: false}``."""
        start = len(self.received)
        data = {"message": message, **extra}
        if custom_data is not None:
            data["customData"] = custom_data
        await self.sio.emit("user_uttered", data)
        await self.wait_for("typing", lambda d: d == {"on": False})
        return [d for e, d in self.received[start:] if e == "bot_uttered"]

    async def history(self) -> List[Dict[str, Any]]:
        await self.sio.emit("history_request", {})
        return await self.wait_for("history")


def text_of(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


# --- agents ----------------------------------------------------------------------------

class AgentAccount:
    def __init__(self, url: str, name: str, password: str, token: str):
        self.url, self.name, self.password, self.token = url, name, password, token

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", headers=self.headers, timeout=30)


def login(url: str, name: str, password: str) -> requests.Response:
    return requests.post(f"{url}/casino/agent/login", json={"name": name, "password": password},
                         timeout=30)


def create_agent(bot, prefix: str = "agent") -> AgentAccount:
    """An agent created with ``support-desk agent add`` and logged in over HTTP."""
    name, password = f"{prefix}-{uuid.uuid4().hex[:8]}", "correct horse battery"
    result = subprocess.run([str(BIN / "support-desk"), "agent", "add", name,
                             "--password-stdin"], input=password + "\n", env=bot.env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    answer = login(bot.url, name, password)
    assert answer.status_code == 200, answer.text
    return AgentAccount(bot.url, name, password, answer.json()["token"])


@pytest.fixture(scope="session")
def agent_account(bot) -> AgentAccount:
    return create_agent(bot)


# --- a Rasa server whose action server is down ----------------------------------------

@pytest.fixture(scope="module")
def rasa_without_actions(bot, tmp_path_factory) -> str:
    """A second Rasa server (same model, same support database) whose action endpoint
    answers nothing: what the player gets when the action server is down."""
    work = tmp_path_factory.mktemp("no-actions")
    dead_port, port = free_port(), free_port()  # nothing listens on dead_port
    (work / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{dead_port}/webhook\n"
        f"tracker_store:\n  type: {TRACKER_STORE}\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n")
    log = work / "rasa.log"
    process = subprocess.Popen(
        [str(BIN / "rasa"), "run", "-i", "127.0.0.1", "--port", str(port), "--model",
         str(MODEL), "--credentials", str(ROOT / "credentials.yml"),
         "--endpoints", str(work / "endpoints.yml")],
        cwd=ROOT, env=bot.env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/casino/health", process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()

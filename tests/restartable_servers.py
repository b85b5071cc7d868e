"""The action server and the Rasa server as processes a test can kill and start again.

Same set-up as ``tests/servers.py`` (whose environment, ports, tracker store type and
waiting it reuses): the support database and support.yml of ``env``, a SQL tracker store
in the SQLite file ``work/tracker.db``
(conversations survive a restart), fixed ports, so a restarted server is found again at
the same URL::

    with restartable_servers(work, env) as servers:
        servers.rasa.kill()          # SIGKILL, like a crash
        servers.rasa.start()         # same port, same tracker store
        tracker_events(servers.tracker_db, sender)

``tracker_events`` / ``user_texts`` read what the Rasa server stored for a conversation,
straight from the tracker store file (the HTTP API is not enabled).
"""
from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence

from tests.servers import BIN, MODEL, ROOT, TRACKER_STORE, free_port, wait_until_up


class ServerProcess:
    """One server process: start (and wait until it answers), stop, kill, restart."""

    def __init__(self, name: str, command: Sequence[str], env: Dict[str, str], work: Path,
                 health_url: str):
        self.name, self.command, self.env, self.work = name, list(command), env, work
        self.health_url = health_url
        self.log = work / f"{name}.log"
        self.process: Optional[subprocess.Popen] = None
        self.starts = 0

    def start(self, timeout: float = 240) -> None:
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n===== start {self.starts} =====\n")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env,
                                        stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        wait_until_up(self.health_url, self.process, self.log, timeout)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as in a crash or an OOM kill."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        self._end(signal.SIGTERM)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _end(self, sig: int) -> None:
        if not self.alive:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class RestartableServers:
    def __init__(self, work: Path, env: Dict[str, str], actions: ServerProcess,
                 rasa: ServerProcess, url: str):
        self.work, self.env, self.actions, self.rasa, self.url = work, env, actions, rasa, url
        self.tracker_db = work / "tracker.db"

    def all_alive(self) -> bool:
        return self.actions.alive and self.rasa.alive


@contextmanager
def restartable_servers(work: Path, env: Dict[str, str]) -> Iterator[RestartableServers]:
    """Seed the support database, start both servers, yield them, stop them."""
    rasa_port, actions_port = free_port(), free_port()
    (work / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
        f"tracker_store:\n  type: {TRACKER_STORE}\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n")
    subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True, capture_output=True)
    actions = ServerProcess(
        "actions", [str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)],
        env, work, f"http://127.0.0.1:{actions_port}/health")
    rasa = ServerProcess(
        "rasa", [str(BIN / "rasa"), "run", "-i", "127.0.0.1", "--port", str(rasa_port),
                 "--model", str(MODEL), "--credentials", str(ROOT / "credentials.yml"),
                 "--endpoints", str(work / "endpoints.yml")],
        env, work, f"http://127.0.0.1:{rasa_port}/webhooks/rest/")
    try:
        actions.start()
        rasa.start()
        yield RestartableServers(work, env, actions, rasa, f"http://127.0.0.1:{rasa_port}")
    finally:
        for server in (rasa, actions):
            server.stop()


# --- what the tracker store holds ----------------------------------------------------------

def tracker_events(tracker_db: Path, sender_id: str) -> List[Dict[str, Any]]:
    """The events Rasa's SQL tracker store holds for ``sender_id``, oldest first."""
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True, timeout=30) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def all_tracker_events(tracker_db: Path) -> Dict[str, List[Dict[str, Any]]]:
    """Every conversation's events, by sender id (one read, for big checks)."""
    conversations: Dict[str, List[Dict[str, Any]]] = {}
    with sqlite3.connect(f"file:{tracker_db}?mode=ro", uri=True, timeout=30) as connection:
        for sender, data in connection.execute("SELECT sender_id, data FROM events ORDER BY id"):
            conversations.setdefault(sender, []).append(json.loads(data))
    return conversations


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e.get("text") for e in events if e.get("event") == "user"]


def slot_values(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots as the events leave them (after the last restart of the session)."""
    slots: Dict[str, Any] = {}
    for event in events:
        if event.get("event") == "slot":
            slots[event.get("name")] = event.get("value")
        elif event.get("event") in ("restart", "session_started"):
            slots = {}
    return slots

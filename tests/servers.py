"""Start the real action server and Rasa server for tests, on free localhost ports.

Each test session gets its own SQLite support database (seeded with the demo players),
tracker store and support.yml, so tests never touch var/ and can change the hours.

``running_servers`` yields the Rasa server's URL; ``started_servers`` yields a
``Servers`` object whose action server a test can kill and start again, with options:
another action endpoint URL for the Rasa server (a proxy in front of the action
server), debug logs. With ``RASA_API_TOKEN`` in ``env`` the Rasa server has its HTTP
API, behind that token (as ``scripts.serve`` does).

All the players of a test come from 127.0.0.1: ``server_environment`` lifts the
per-address rate limit (``SUPPORT_RATE_PER_ADDRESS=0``) unless a test sets it; the
per-conversation limit keeps its default.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"
# The tracker store of endpoints.yml (Rasa's SQL store, SQLite in WAL mode).
TRACKER_STORE = "casino_connector.tracker_store.CasinoSQLTrackerStore"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} not up after {timeout} s:\n{log.read_text()[-3000:]}")


def server_environment(work: Path, **overrides: str) -> Dict[str, str]:
    """The servers' environment: fresh secrets, a database and a support.yml in `work`."""
    env = dict(os.environ)
    env.update({
        "SUPPORT_DB_URL": f"sqlite:///{work / 'support.db'}",
        "SUPPORT_CONFIG": str(work / "support.yml"),
        "PLAYER_JWT_SECRET": "test-player-secret-" + uuid.uuid4().hex,
        "SUPPORT_SESSION_SECRET": "test-session-secret-" + uuid.uuid4().hex,
        "SUPPORT_AGENT_SECRET": "test-agent-secret-" + uuid.uuid4().hex,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    for name in ("SUPPORT_DEV_PLAYER", "SUPPORT_ENV", "SOCKETIO_REDIS_URL", "SUPPORT_ALLOWED_ORIGINS",
                 "RASA_API_TOKEN", "SUPPORT_RATE_PER_CONVERSATION", "SUPPORT_TRUSTED_PROXIES"):
        env.pop(name, None)
    env["SUPPORT_RATE_PER_ADDRESS"] = "0"  # every simulated player comes from 127.0.0.1
    env.update(overrides)
    if not (work / "support.yml").exists():
        shutil.copy(ROOT / "support.yml", work / "support.yml")
    return env


class Servers:
    """The running servers of a test: the Rasa server's URL, its log, and the action
    server, which a test may kill and start again on the same port."""

    def __init__(self, work: Path, env: Dict[str, str], rasa_port: int, actions_port: int,
                 debug_logs: bool = False):
        self.work, self.env, self.debug_logs = work, env, debug_logs
        self.url = f"http://127.0.0.1:{rasa_port}"
        self.rasa_port, self.actions_port = rasa_port, actions_port
        self.actions_log, self.rasa_log = work / "actions.log", work / "rasa.log"
        self.actions: Optional[subprocess.Popen] = None
        self.rasa: Optional[subprocess.Popen] = None

    def _debug(self) -> List[str]:
        return ["--debug"] if self.debug_logs else []

    def start_actions(self, wait: bool = True) -> None:
        """Start the action server (again); ``wait``: until it answers."""
        self.actions = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--port", str(self.actions_port), *self._debug()],
            cwd=ROOT, env=self.env, stdout=self.actions_log.open("a"), stderr=subprocess.STDOUT)
        if wait:
            self.wait_for_actions()

    def wait_for_actions(self) -> None:
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", self.actions, self.actions_log)

    def kill_actions(self) -> None:
        """SIGKILL the action server, as in a crash."""
        if self.actions is not None and self.actions.poll() is None:
            self.actions.send_signal(signal.SIGKILL)
            self.actions.wait(timeout=20)

    def start_rasa(self, endpoints: Path) -> None:
        """Start the Rasa server (``wait_for_rasa`` waits until it answers)."""
        from scripts.serve import rasa_command

        self.rasa = subprocess.Popen(
            rasa_command("run", "-i", "127.0.0.1", "--port", str(self.rasa_port), "--model", str(MODEL),
                         "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(endpoints),
                         *self._debug(), environ=self.env),
            cwd=ROOT, env=self.env, stdout=self.rasa_log.open("w"), stderr=subprocess.STDOUT)

    def wait_for_rasa(self) -> None:
        wait_until_up(f"{self.url}/webhooks/rest/", self.rasa, self.rasa_log)

    def stop(self) -> None:
        processes = [p for p in (self.rasa, self.actions) if p is not None]
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def started_servers(work: Path, env: Dict[str, str], keep_logs: Optional[Path] = None,
                    action_endpoint: Optional[str] = None, actions_port: Optional[int] = None,
                    debug_logs: bool = False) -> Iterator[Servers]:
    """Seed the database, start both servers, yield them, stop them.

    ``action_endpoint``: the URL the Rasa server calls for custom actions (default: the
    action server's ``/webhook``); ``actions_port``: the action server's port (default:
    a free one); ``debug_logs``: both servers log at DEBUG level.
    """
    servers = Servers(work, env, free_port(), actions_port or free_port(), debug_logs)
    endpoint = action_endpoint or f"http://127.0.0.1:{servers.actions_port}/webhook"
    (work / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: {endpoint}\n"
        f"tracker_store:\n  type: {TRACKER_STORE}\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n"
    )
    subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True, capture_output=True)
    try:
        servers.start_actions(wait=False)
        servers.start_rasa(work / "endpoints.yml")
        servers.wait_for_actions()
        servers.wait_for_rasa()
        yield servers
    finally:
        servers.stop()
        if keep_logs is not None:
            keep_logs.mkdir(parents=True, exist_ok=True)
            for log in (servers.actions_log, servers.rasa_log):
                if log.exists():
                    shutil.copy(log, keep_logs / log.name)


@contextmanager
def running_servers(work: Path, env: Dict[str, str], keep_logs: Optional[Path] = None
                    ) -> Iterator[str]:
    """Seed the database, start both servers, yield the Rasa server's URL, stop them."""
    with started_servers(work, env, keep_logs) as servers:
        yield servers.url

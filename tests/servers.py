"""Start the real action server and Rasa server for tests, on free localhost ports.

Each test session gets its own SQLite support database (seeded with the demo players),
tracker store and support.yml, so tests never touch var/ and can change the hours.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"


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
    for name in ("SUPPORT_DEV_PLAYER", "SUPPORT_ENV", "SOCKETIO_REDIS_URL", "SUPPORT_ALLOWED_ORIGINS"):
        env.pop(name, None)
    env.update(overrides)
    if not (work / "support.yml").exists():
        shutil.copy(ROOT / "support.yml", work / "support.yml")
    return env


@contextmanager
def running_servers(work: Path, env: Dict[str, str], keep_logs: Optional[Path] = None
                    ) -> Iterator[str]:
    """Seed the database, start both servers, yield the Rasa server's URL, stop them."""
    rasa_port, actions_port = free_port(), free_port()
    (work / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n"
    )
    subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True, capture_output=True)
    actions_log, rasa_log = work / "actions.log", work / "rasa.log"
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)],
        cwd=ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT)
    rasa = subprocess.Popen(
        [str(BIN / "rasa"), "run", "-i", "127.0.0.1", "--port", str(rasa_port), "--model", str(MODEL),
         "--credentials", str(ROOT / "credentials.yml"), "--endpoints", str(work / "endpoints.yml")],
        cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, rasa_log)
        yield f"http://127.0.0.1:{rasa_port}"
    finally:
        for process in (rasa, actions):
            process.terminate()
        for process in (rasa, actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if keep_logs is not None:
            keep_logs.mkdir(parents=True, exist_ok=True)
            for log in (actions_log, rasa_log):
                if log.exists():
                    shutil.copy(log, keep_logs / log.name)

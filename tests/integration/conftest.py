"""Start the real action server and Rasa server for the integration tests.

Both run from the trained model (models/casino-support.tar.gz) on free localhost ports,
with their own SQLite support database (seeded with the demo players) and tracker store.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
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


ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in
               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
ALWAYS_CLOSED = {day: [] for day in ALWAYS_OPEN}


class Bot:
    """The running servers, spoken to over the REST channel."""

    def __init__(self, url: str, env: Dict[str, str], config_path: Path):
        self.url = url
        self.env = env
        self.config_path = config_path

    def set_chat_hours(self, hours: Dict[str, list]) -> None:
        """Rewrite the servers' support.yml (re-read on change): open or closed for a test."""
        import yaml

        raw = yaml.safe_load((ROOT / "support.yml").read_text())
        raw["hours"] = hours
        raw["holidays"] = False
        self.config_path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        stamp = time.time() + 1
        os.utime(self.config_path, (stamp, stamp))  # a new mtime even within the same second

    def say(self, text: str, sender: Optional[str] = None, token: Optional[str] = None,
            metadata: Optional[dict] = None) -> List[dict]:
        body = {"sender": sender or f"test-{uuid.uuid4().hex[:12]}", "message": text}
        meta = dict(metadata or {})
        if token is not None:
            meta["player_token"] = token
        if meta:
            body["metadata"] = meta
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    def text(self, *args, **kwargs) -> str:
        return "\n".join(m.get("text", "") for m in self.say(*args, **kwargs))

    def token(self, player_id: str, ttl: int = 600) -> str:
        result = subprocess.run([str(BIN / "support-desk"), "token", player_id, "--ttl", str(ttl)],
                                env=self.env, capture_output=True, text=True, check=True)
        return result.stdout.strip()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "support-desk"), *args], env=self.env,
                              capture_output=True, text=True)


@pytest.fixture(scope="session")
def bot(tmp_path_factory) -> Bot:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("servers")
    rasa_port, actions_port = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "SUPPORT_DB_URL": f"sqlite:///{work / 'support.db'}",
        "PLAYER_JWT_SECRET": "integration-test-secret-" + uuid.uuid4().hex,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    env.pop("SUPPORT_DEV_PLAYER", None)
    config_path = work / "support.yml"
    config_path.write_text((ROOT / "support.yml").read_text())
    env["SUPPORT_CONFIG"] = str(config_path)
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
        yield Bot(f"http://127.0.0.1:{rasa_port}", env, config_path)
    finally:
        for process in (rasa, actions):
            process.terminate()
        for process in (rasa, actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

"""Start the real action server and Rasa server for the integration tests.

Both run from the trained model (models/casino-support.tar.gz) on free localhost ports,
with their own SQLite support database (seeded with the demo players) and tracker store.
"""
from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from tests.servers import BIN, MODEL, ROOT, running_servers, server_environment


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
    env = server_environment(work)
    with running_servers(work, env) as url:
        yield Bot(url, env, work / "support.yml")

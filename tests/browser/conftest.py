"""The widget and the agent console in a real browser (Debian's Chromium, driven by Playwright).

Starts the action server and the Rasa server (with the project's socket.io connector, as
``credentials.yml`` enables it) on free localhost ports, from the trained model, with a
temporary SQLite support database seeded with the demo players and one agent account
(``alice``), and chat hours open around the clock (a temporary ``support.yml``).

Never downloads a browser: Chromium is Debian's ``/usr/bin/chromium``; without it every
test here is skipped with the reason. Each test step saves a screenshot under
``results/screenshots/``.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
MODEL = ROOT / "models" / "casino-support.tar.gz"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "results" / "screenshots"
SOCKETIO_JS = ROOT / "casino_connector" / "static" / "vendor" / "socket.io.min.js"
SOCKETIO_JS_NPM = ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

AGENT_NAME = "alice"
AGENT_PASSWORD = "mot-de-passe-alice-" + uuid.uuid4().hex[:8]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def pytest_collection_modifyitems(config, items) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: `apt-get install -y chromium` "
                                   "(the browser tests never download a browser)")
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(here):
            item.add_marker(skip)


# --- servers -----------------------------------------------------------------------------

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


class Servers:
    """The running servers, their environment and their support database."""

    def __init__(self, url: str, env: Dict[str, str], work: Path):
        self.url = url
        self.env = env
        self.work = work
        self.db_url = env["SUPPORT_DB_URL"]
        self.agent_name = AGENT_NAME
        self.agent_password = AGENT_PASSWORD

    def cli(self, *args: str, input: Optional[str] = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "support-desk"), *args], env=self.env, input=input,
                              capture_output=True, text=True, check=True)

    def player_token(self, player_id: str, ttl: int = 3600) -> str:
        return self.cli("token", player_id, "--ttl", str(ttl)).stdout.strip()

    def database(self):
        from casino_support.database import get_database

        return get_database(self.db_url)

    def log(self, name: str) -> str:
        path = self.work / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def always_open_config(path: Path) -> None:
    raw = yaml.safe_load((ROOT / "support.yml").read_text(encoding="utf-8"))
    raw["hours"] = {day: ["00:00", "24:00"] for day in DAYS}
    raw["holidays"] = False
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    if not SOCKETIO_JS.exists() and not SOCKETIO_JS_NPM.exists():
        pytest.fail("socket.io client missing: run `make install` (npm ci) first")
    work = tmp_path_factory.mktemp("browser-servers")
    rasa_port, actions_port = free_port(), free_port()
    env = dict(os.environ)
    env.update({
        "SUPPORT_DB_URL": f"sqlite:///{work / 'support.db'}",
        "SUPPORT_CONFIG": str(work / "support.yml"),
        "PLAYER_JWT_SECRET": "browser-test-player-secret-" + uuid.uuid4().hex,
        "SUPPORT_SESSION_SECRET": "browser-test-session-secret-" + uuid.uuid4().hex,
        "SUPPORT_AGENT_SECRET": "browser-test-agent-secret-" + uuid.uuid4().hex,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    })
    for name in ("SUPPORT_DEV_PLAYER", "SUPPORT_ENV", "SOCKETIO_REDIS_URL",
                 "SUPPORT_ALLOWED_ORIGINS"):
        env.pop(name, None)
    always_open_config(work / "support.yml")
    (work / "endpoints.yml").write_text(
        f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {work / 'tracker.db'}\n"
    )
    subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "support-desk"), "agent", "add", AGENT_NAME, "--password-stdin"],
                   env=env, input=AGENT_PASSWORD + "\n", text=True, check=True, capture_output=True)
    actions_log, rasa_log = work / "actions.log", work / "rasa.log"
    actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(actions_port)],
        cwd=ROOT, env=env, stdout=actions_log.open("w"), stderr=subprocess.STDOUT)
    rasa = subprocess.Popen(
        [str(BIN / "rasa"), "run", "-i", "127.0.0.1", "--port", str(rasa_port),
         "--model", str(MODEL), "--credentials", str(ROOT / "credentials.yml"),
         "--endpoints", str(work / "endpoints.yml")],
        cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/webhooks/rest/", rasa, rasa_log)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/casino/widget", rasa, rasa_log)
        yield Servers(f"http://127.0.0.1:{rasa_port}", env, work)
    finally:
        for process in (rasa, actions):
            process.terminate()
        for process in (rasa, actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        kept = ROOT / "results" / "browser-logs"
        kept.mkdir(parents=True, exist_ok=True)
        for log in (actions_log, rasa_log):
            if log.exists():
                shutil.copy(log, kept / log.name)


# --- browser -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageWatch:
    """What a page did that a test must notice: dialogs, uncaught errors, console errors."""

    def __init__(self, page: Any, name: str):
        self.name = name
        self.dialogs: List[str] = []
        self.page_errors: List[str] = []
        self.console_errors: List[str] = []

        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", lambda message: message.type == "error"
                and self.console_errors.append(message.text))


@pytest.fixture
def new_page(browser, servers) -> Iterator[Any]:
    """``new_page(name)``: a page in its own browser context (own storage), watched."""
    contexts = []

    def make(name: str = "page", viewport: Optional[Dict[str, int]] = None) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 860},
                                      locale="fr-FR", timezone_id="Europe/Paris",
                                      base_url=servers.url)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.watch = PageWatch(page, name)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request):
    """``shot(page, "step")`` saves results/screenshots/<test>-NN-step.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    test = re.sub(r"[^A-Za-z0-9]+", "-", request.node.name.replace("test_", "", 1)).strip("-")
    counter = {"n": 0}

    def take(page: Any, step: str, full_page: bool = False) -> Path:
        counter["n"] += 1
        path = SCREENSHOTS / f"{test}-{counter['n']:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take

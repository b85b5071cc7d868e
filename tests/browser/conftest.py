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
import time
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml

from tests.servers import BIN, MODEL, ROOT, running_servers, server_environment

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


def write_hours(path: Path, span: List[str]) -> None:
    """The servers' support.yml with the same chat hours every day (re-read on change)."""
    raw = yaml.safe_load((ROOT / "support.yml").read_text(encoding="utf-8"))
    raw["hours"] = {day: span for day in DAYS}
    raw["holidays"] = False
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stamp = time.time() + 1
    os.utime(path, (stamp, stamp))  # a new modification time, even within the same second


def always_open_config(path: Path) -> None:
    write_hours(path, ["00:00", "24:00"])


@pytest.fixture
def chat_closed(servers) -> Iterator[None]:
    """Live chat closed all week for one test, open again afterwards."""
    write_hours(servers.work / "support.yml", [])
    yield
    always_open_config(servers.work / "support.yml")


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    if not SOCKETIO_JS.exists() and not SOCKETIO_JS_NPM.exists():
        pytest.fail("socket.io client missing: run `make install` (npm ci) first")
    work = tmp_path_factory.mktemp("browser-servers")
    always_open_config(work / "support.yml")
    env = server_environment(work)
    subprocess.run([str(BIN / "support-desk"), "agent", "add", AGENT_NAME, "--password-stdin"],
                   env=env, input=AGENT_PASSWORD + "\n", text=True, check=True, capture_output=True)
    with running_servers(work, env, keep_logs=ROOT / "results" / "browser-logs") as url:
        yield Servers(url, env, work)


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

    def assert_quiet(self) -> None:
        """No dialog opened and no uncaught script error on the page."""
        assert self.dialogs == [], f"{self.name}: {self.dialogs}"
        assert self.page_errors == [], f"{self.name}: {self.page_errors}"


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

"""Servers for the load benchmark: both bots started the same way, timed, measured.

A bot is an action server (`rasa run actions`) and a Rasa server (`rasa run`, REST channel
from the bot's own credentials.yml, SQLite tracker store in a temp folder). The helpers of
tests/servers.py give the environment (fresh secrets, seeded support database, support.yml
copy), free ports and the health wait; this module starts the processes itself because it
needs their pids (memory) and the time from process start to the first REST reply.
"""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

from tests.servers import BIN, free_port, wait_until_up

RASA = str(BIN / "rasa")


@dataclass
class Bot:
    name: str
    url: str
    actions: subprocess.Popen
    rasa: subprocess.Popen
    logs: List[Path]
    actions_start_s: float
    cold_start_s: float  # Rasa process start -> first REST reply (action server already up)
    startup_rss_mb: Dict[str, float] = field(default_factory=dict)  # peak before any load

    def pids(self) -> Dict[str, int]:
        return {"rasa": self.rasa.pid, "actions": self.actions.pid}

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            process.terminate()
        for process in (self.rasa, self.actions):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


STOCK_TRACKER_STORE = "SQL"  # Rasa's SQL tracker store
PROJECT_TRACKER_STORE = "casino_connector.tracker_store.CasinoSQLTrackerStore"


def write_endpoints(work: Path, actions_port: int, tracker_store: str,
                    redis_port: Optional[int]) -> Path:
    """endpoints.yml: action server, SQLite tracker store in `work`, Redis lock store when
    `redis_port` is given (what Rasa needs to run several Sanic workers)."""
    text = (f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
            f"tracker_store:\n  type: {tracker_store}\n  dialect: sqlite\n"
            f"  db: {work / 'tracker.db'}\n")
    if redis_port:
        text += f"lock_store:\n  type: redis\n  url: 127.0.0.1\n  port: {redis_port}\n  db: 1\n"
    endpoints = work / "endpoints.yml"
    endpoints.write_text(text)
    return endpoints


def start_bot(name: str, project: Path, model: Path, work: Path, env: Dict[str, str],
              first_message: str, tracker_store: str = STOCK_TRACKER_STORE,
              redis_port: Optional[int] = None) -> Bot:
    """Start the action server, wait for it, then time the Rasa server to its first reply."""
    work.mkdir(parents=True, exist_ok=True)
    rasa_port, actions_port = free_port(), free_port()
    endpoints = write_endpoints(work, actions_port, tracker_store, redis_port)
    actions_log, rasa_log = work / "actions.log", work / "rasa.log"
    started = time.monotonic()
    actions = subprocess.Popen([RASA, "run", "actions", "--port", str(actions_port)],
                               cwd=project, env=env, stdout=actions_log.open("w"),
                               stderr=subprocess.STDOUT)
    wait_until_up(f"http://127.0.0.1:{actions_port}/health", actions, actions_log)
    actions_start = time.monotonic() - started
    started = time.monotonic()
    rasa = subprocess.Popen(
        [RASA, "run", "-i", "127.0.0.1", "--port", str(rasa_port), "--model", str(model),
         "--credentials", str(project / "credentials.yml"), "--endpoints", str(endpoints)],
        cwd=project, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        first_reply(url, rasa, rasa_log, first_message)
    except Exception:
        actions.terminate()
        rasa.terminate()
        raise
    bot = Bot(name, url, actions, rasa, [actions_log, rasa_log], actions_start,
              time.monotonic() - started)
    bot.startup_rss_mb = {role: peak_rss_mb(pid) for role, pid in bot.pids().items()}
    return bot


def first_reply(url: str, process: subprocess.Popen, log: Path, message: str,
                timeout: float = 300) -> None:
    """Post `message` every 0.2 s until the REST channel answers it (200, not empty)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited:\n{log.read_text()[-3000:]}")
        try:
            answer = requests.post(f"{url}/webhooks/rest/webhook", timeout=30,
                                   json={"sender": "cold-start", "message": message})
            if answer.status_code == 200 and answer.json():
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: no first reply after {timeout} s:\n{log.read_text()[-3000:]}")


# --- memory: /proc (psutil is not installed) ---------------------------------------------

def process_tree(pid: int) -> List[int]:
    """`pid` and all its descendants (from /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                todo.extend(int(child) for child in (task / "children").read_text().split())
            except OSError:
                pass
    return found


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory (VmHWM) of the process and its children, in MB (10^6 bytes)."""
    return sum(_status_kb(p, "VmHWM") for p in process_tree(pid)) * 1024 / 1e6


def peak_rss_mb_of(pid: int) -> float:
    """Peak resident memory (VmHWM) of this one process, in MB."""
    return _status_kb(pid, "VmHWM") * 1024 / 1e6


def reset_peak_rss(pid: int) -> None:
    """Start a new peak: writing 5 to clear_refs resets VmHWM to the current RSS."""
    for p in process_tree(pid):
        try:
            Path(f"/proc/{p}/clear_refs").write_text("5")
        except OSError:
            pass


# --- training ------------------------------------------------------------------------------

def rasa_init(folder: Path, env: Dict[str, str]) -> float:
    """`rasa init --no-prompt` in `folder` (it trains its model); the seconds it took."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(folder)], cwd=folder,
                   env=env, check=True, stdout=(folder.parent / "rasa-init.log").open("w"),
                   stderr=subprocess.STDOUT)
    return time.monotonic() - started


def train(project: Path, out: Path, env: Dict[str, str], log: Path) -> float:
    """`rasa train --force` of `project` into `out`; the seconds it took."""
    started = time.monotonic()
    subprocess.run([RASA, "train", "--force", "--out", str(out), "--fixed-model-name", "bench"],
                   cwd=project, env=env, check=True, stdout=log.open("w"),
                   stderr=subprocess.STDOUT)
    return time.monotonic() - started


def newest_model(folder: Path) -> Optional[Path]:
    models = sorted(folder.glob("*.tar.gz"), key=os.path.getmtime)
    return models[-1] if models else None


# --- CPU: who used the machine during a level -------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process and its children (/proc/<pid>/stat)."""
    total = 0
    for p in process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / TICK


def machine_busy_seconds() -> float:
    """CPU time all cores spent busy since boot (/proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9])
    return (user + nice + system + irq + softirq + steal) / TICK


def own_cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class OtherLoad:
    """Cores used by other processes (not this benchmark, its children or `pids`) while a
    phase runs: the machine is shared, so each phase says how busy it was."""

    def __init__(self, pids: List[int]):
        self.started, self.busy = time.monotonic(), machine_busy_seconds()
        self.ours = self._ours(pids)

    @staticmethod
    def _ours(pids: List[int]) -> Dict[int, float]:
        times = os.times()
        ours = {0: times.user + times.system + times.children_user + times.children_system}
        ours.update({pid: cpu_seconds(pid) for pid in pids})
        return ours

    def cores(self, pids: List[int]) -> float:
        """Average cores other processes used since the start (`pids`: our live servers)."""
        now = self._ours(pids)
        ours = sum(value - self.ours.get(pid, 0.0) for pid, value in now.items())
        elapsed = time.monotonic() - self.started
        return round(max(0.0, machine_busy_seconds() - self.busy - ours) / elapsed, 2)

"""What each optimisation bought: the project's servers started once per step, each step
adding one change to the previous one, measured with the same two short loads (one user,
then users without pause), side by side with the `rasa init` bot in the same run.

Steps (cumulative):
  0. Rasa as shipped: Rasa's own check of each action server answer (jsonschema
     re-validates its schema on every call), Rasa's SQL tracker store on SQLite (two disk
     flushes per saved turn), one Sanic worker, TensorFlow's default thread pools;
  1. the action server's answers checked by a validator built once
     (casino_connector/action_response_validation.py);
  2. the SQLite tracker store in WAL mode (casino_connector/tracker_store.py);
  3. TensorFlow with one thread per op pool (TF_INTER_OP/INTRA_OP_PARALLELISM_THREADS=1,
     read by Rasa): no thread pools fighting over 2 cores;
  4. two Sanic workers (SANIC_WORKERS=2), which Rasa allows only with a shared lock
     store: RedisLockStore on a redis-server started for the run (skipped when
     redis-server is not installed).
"""
from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional

import aiohttp

from benchmarks import bench_servers as servers
from benchmarks import load
from benchmarks.conversations import Conversation
from tests.servers import free_port

ONE_THREAD = {"TF_INTER_OP_PARALLELISM_THREADS": "1", "TF_INTRA_OP_PARALLELISM_THREADS": "1"}


@dataclass
class Step:
    name: str
    env: Dict[str, str] = field(default_factory=dict)
    tracker_store: str = servers.PROJECT_TRACKER_STORE
    workers: int = 1

    def environment(self, base: Dict[str, str], redis_url: Optional[str]) -> Dict[str, str]:
        env = {**base, **self.env}
        if self.workers > 1:
            env.update(SANIC_WORKERS=str(self.workers), SOCKETIO_REDIS_URL=redis_url or "")
        return env


STEPS = [
    Step("0 Rasa as shipped", {"CASINO_BENCH_STOCK_VALIDATION": "1"}, servers.STOCK_TRACKER_STORE),
    Step("1 + validator built once", {}, servers.STOCK_TRACKER_STORE),
    Step("2 + SQLite WAL tracker store"),
    Step("3 + TF 1 thread per pool", ONE_THREAD),
    Step("4 + 2 workers, Redis locks", ONE_THREAD, workers=2),
]
# What `make bench` serves for its load levels: every step (or all but the workers).
FINAL, FINAL_WITHOUT_REDIS = STEPS[-1], STEPS[-2]
INIT_STEPS = [
    Step("rasa init as shipped", {}, servers.STOCK_TRACKER_STORE),
    Step("rasa init + WAL store", {}, servers.PROJECT_TRACKER_STORE),
]


class RedisServer:
    """A throw-away redis-server on a free port (no persistence), for the lock store."""

    def __init__(self, work: Path):
        self.port = free_port()
        work.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(work)],
            stdout=(work / "redis.log").open("w"), stderr=subprocess.STDOUT)
        for _ in range(50):
            try:
                import redis
                if redis.Redis(port=self.port, socket_timeout=1).ping():
                    return
            except Exception:
                pass
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    @staticmethod
    def available() -> bool:
        return shutil.which("redis-server") is not None


def measure_step(step: Step, project: Path, model: Path, work: Path, env: Dict[str, str],
                 first_message: str, pool: List[Conversation], token_for: Callable[[str], str],
                 turns: int, users: int, duration: float,
                 redis: Optional[RedisServer]) -> dict:
    """Start the bot as `step` says, run both loads, stop it; the figures."""
    redis_port = redis.port if (redis and step.workers > 1) else None
    bot = servers.start_bot(step.name, project, model, work, step.environment(env, redis and redis.url),
                            first_message, tracker_store=step.tracker_store, redis_port=redis_port)
    try:
        async def run() -> dict:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
                client = load.RestClient(session, bot.url, token_for)
                await load.play(client, pool[0], [])  # warm-up, not measured
                one = load.summarise(*await load.one_user(client, pool, turns))
                cpu_before = servers.cpu_seconds(bot.rasa.pid)
                saturated = load.summarise(*await load.saturation(client, pool, users, duration))
                rasa_cpu = servers.cpu_seconds(bot.rasa.pid) - cpu_before
                return {"one_user": one, "saturation": saturated,
                        "rasa_cpu_ms_per_turn": round(1000 * rasa_cpu / max(1, saturated["turns"]), 1)}

        figures = asyncio.run(run())
        return {"step": step.name, "workers": step.workers, "cold_start_s": round(bot.cold_start_s, 1),
                "one_user_p50_ms": figures["one_user"]["p50_ms"],
                "one_user_p95_ms": figures["one_user"]["p95_ms"],
                "saturation_turns_per_s": figures["saturation"]["turns_per_s"],
                "saturation_p95_ms": figures["saturation"]["p95_ms"],
                "errors": figures["one_user"]["errors"] + figures["saturation"]["errors"],
                "rasa_cpu_ms_per_turn": figures["rasa_cpu_ms_per_turn"],
                "rasa_peak_rss_mb": round(servers.peak_rss_mb(bot.rasa.pid), 1),
                "rasa_largest_process_rss_mb": round(max(
                    servers.peak_rss_mb_of(pid) for pid in servers.process_tree(bot.rasa.pid)), 1)}
    finally:
        bot.stop()


def print_steps(rows: List[dict]) -> None:
    header = (f"{'step':32s} {'1 user p50':>10s} {'p95':>5s} {'sat. turns/s':>12s} {'sat. p95':>8s} "
              f"{'Rasa CPU ms/turn':>16s} {'Rasa MB':>7s} {'largest':>7s} {'cold s':>6s} {'errors':>6s}")
    print(header + "\n" + "-" * len(header))
    for r in rows:
        print(f"{r['step']:32s} {r['one_user_p50_ms']:10.0f} {r['one_user_p95_ms']:5.0f} "
              f"{r['saturation_turns_per_s']:12.1f} {r['saturation_p95_ms']:8.0f} "
              f"{r['rasa_cpu_ms_per_turn']:16.1f} {r['rasa_peak_rss_mb']:7.0f} "
              f"{r['rasa_largest_process_rss_mb']:7.0f} {r['cold_start_s']:6.1f} {r['errors']:6d}")
    print("(Rasa MB: peak RSS of the Rasa server, its worker processes included; largest: its"
          "\n largest single process; cold s: process start -> first REST reply. CPU per turn at"
          "\n saturation, workers included.)")

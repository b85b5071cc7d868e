"""Load benchmark: this project's servers against the `rasa init` bot, in one run.

    python -m benchmarks.load_benchmark [--with-training] [--quick]

1. Creates the `rasa init` bot in a temp folder (timed: it trains its model) and, with
   --with-training, times a full `rasa train --force` of this project.
2. Starts both bots the same way (action server, Rasa server with the REST channel, SQLite
   tracker store in a temp folder; the project also gets a seeded support database and a
   support.yml copy whose chat is always open, so the figures do not depend on the hour),
   timing each Rasa server from process start to its first REST reply.
3. Replays scripted conversations (benchmarks/conversations.py) at three load levels:
   one user (sequential turns; the project over REST and over socket.io), 20 users without
   pause (saturation), 200 conversations with think time ramped up (a busy evening).
4. Prints turns/s, p50/p95/p99 latency, errors and peak RSS per level and bot, the ratios
   and the issue's targets; writes results/bench/latest.json and results/bench/latency.png.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List

import aiohttp
import yaml

from benchmarks import bench_servers as servers
from benchmarks import load
from benchmarks import optimisation_steps as steps
from benchmarks.conversations import INIT_SCRIPTS, PROJECT_SCRIPTS, TURNS, pool
from tests.servers import BIN, MODEL, ROOT, server_environment

OUT = ROOT / "results" / "bench"
ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in
               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
PROJECT, INIT = "project", "rasa init"
TARGETS_TEXT = {
    "one_user_p95_ratio": "one user: p95 <= 1.2 x rasa init",
    "saturation_throughput_ratio": "saturation: throughput >= 2 x rasa init",
    "evening_p95": "evening: p95 < 300 ms",
    "evening_errors": "evening: no error",
    "rasa_rss": "Rasa server peak RSS < 1.2 GB",
    "cold_start": "cold start < 30 s",
    "training": "full training < 3 min",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--with-training", action="store_true",
                        help="also time a full `rasa train --force` of the project (~3 min)")
    parser.add_argument("--quick", action="store_true",
                        help="short levels, to check the benchmark itself (figures not comparable)")
    parser.add_argument("--no-init-evening", action="store_true",
                        help="run the evening level against the project only")
    parser.add_argument("--init-bot", type=Path, metavar="DIR",
                        help="reuse this trained `rasa init` project (its training is not timed)")
    parser.add_argument("--no-steps", action="store_true",
                        help="skip the optimisation steps (benchmarks/optimisation_steps.py)")
    args = parser.parse_args()
    args.step_turns, args.step_duration = (8, 8) if args.quick else (30, 30)
    args.turns, args.users, args.duration = (12, 20, 10) if args.quick else (60, 20, 60)
    args.conversations, args.ramp, args.think = (20, 10, (2, 5)) if args.quick else (200, 60, (2, 5))
    return args


def project_environment(work: Path) -> Dict[str, str]:
    """Fresh secrets, support database and support.yml (chat always open, no holiday)."""
    work.mkdir(parents=True)
    config = yaml.safe_load((ROOT / "support.yml").read_text())
    config.update(hours=ALWAYS_OPEN, holidays=False)
    (work / "support.yml").write_text(yaml.safe_dump(config, allow_unicode=True))
    env = server_environment(work, RASA_CACHE_DIRECTORY=str(work.parent / "rasa-cache"))
    subprocess.run([str(BIN / "support-desk"), "seed"], env=env, check=True, capture_output=True)
    return env


# --- load levels ---------------------------------------------------------------------------

async def run_levels(bots: Dict[str, servers.Bot], env: Dict[str, str],
                     args: argparse.Namespace) -> List[dict]:
    from casino_support.identity import issue_player_token

    def token_for(player: str) -> str:
        return issue_player_token(player, 3600, secret=env["PLAYER_JWT_SECRET"])

    pools = {PROJECT: pool(PROJECT_SCRIPTS), INIT: pool(INIT_SCRIPTS)}
    levels = [
        ("one user", lambda c, p: load.one_user(c, p, args.turns)),
        (f"{args.users} users, no pause",
         lambda c, p: load.saturation(c, p, args.users, args.duration)),
        (f"{args.conversations} conv., think {args.think[0]}-{args.think[1]} s",
         lambda c, p: load.evening(c, p, args.conversations, args.ramp, args.think)),
    ]
    results = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        clients = {name: load.RestClient(session, bot.url, token_for) for name, bot in bots.items()}
        for name, client in clients.items():  # warm-up, not measured: one conversation
            await load.play(client, pools[name][0], [])
        for index, (level, run) in enumerate(levels):
            runs = [(PROJECT, "REST", clients[PROJECT])]
            if index == 0:
                runs.append((PROJECT, "socket.io", load.SocketClient(bots[PROJECT].url, token_for)))
            if not (index == 2 and args.no_init_evening):
                runs.append((INIT, "REST", clients[INIT]))
            for name, channel, client in runs:
                bot = bots[name]
                for pid in bot.pids().values():
                    servers.reset_peak_rss(pid)
                print(f"  {level:28s} {name:9s} {channel:9s} ...", end=" ", flush=True)
                before = cpu_snapshot(bots)
                turns, elapsed = await run(client, pools[name])
                stats = load.summarise(turns, elapsed)
                stats.update(level=level, level_index=index, bot=name, channel=channel, **{
                    f"{role}_peak_rss_mb": round(servers.peak_rss_mb(pid), 1)
                    for role, pid in bot.pids().items()})
                stats.update(cpu_use(before, cpu_snapshot(bots), name, elapsed))
                print(f"{stats['turns']} turns, p95 {fmt(stats['p95_ms'])} ms, "
                      f"{stats['errors']} errors", flush=True)
                results.append(stats)
                await asyncio.sleep(2)
    return results


def run_steps(tmp: Path, env: Dict[str, str], init_dir: Path, init_model: Path,
              args: argparse.Namespace, redis) -> List[dict]:
    """Each optimisation step, then the init bot, with the same two short loads."""
    from casino_support.identity import issue_player_token

    def token_for(player: str) -> str:
        return issue_player_token(player, 3600, secret=env["PLAYER_JWT_SECRET"])

    rows = []
    plan = [(step, ROOT, MODEL, "bonjour", pool(PROJECT_SCRIPTS)) for step in steps.STEPS]
    plan += [(step, init_dir, init_model, "hello", pool(INIT_SCRIPTS)) for step in steps.INIT_STEPS]
    for index, (step, project, model, first, conversations) in enumerate(plan):
        if step.workers > 1 and redis is None:
            print(f"  {step.name}: skipped (redis-server not installed)", flush=True)
            continue
        print(f"  {step.name} ...", end=" ", flush=True)
        row = steps.measure_step(step, project, model, tmp / f"step-{index}", env, first,
                                 conversations, token_for, args.step_turns, args.users,
                                 args.step_duration, redis)
        print(f"{row['saturation_turns_per_s']:.1f} turns/s, p95 one user "
              f"{row['one_user_p95_ms']:.0f} ms", flush=True)
        rows.append(row)
    return rows


def cpu_snapshot(bots: Dict[str, servers.Bot]) -> Dict[str, float]:
    snapshot = {"machine": servers.machine_busy_seconds(), "client": servers.own_cpu_seconds()}
    for name, bot in bots.items():
        for role, pid in bot.pids().items():
            snapshot[f"{name}/{role}"] = servers.cpu_seconds(pid)
    return snapshot


def cpu_use(before: Dict[str, float], after: Dict[str, float], bot: str, elapsed: float
            ) -> Dict[str, float]:
    """Cores used on average during a level: the bot's servers, the load client, and
    everything else on this shared machine (busy time minus all of ours)."""
    delta = {key: after[key] - before[key] for key in before}
    ours = sum(value for key, value in delta.items() if key != "machine")
    return {"rasa_cpu_cores": round(delta[f"{bot}/rasa"] / elapsed, 2),
            "actions_cpu_cores": round(delta[f"{bot}/actions"] / elapsed, 2),
            "client_cpu_cores": round(delta["client"] / elapsed, 2),
            "other_cpu_cores": round(max(0.0, delta["machine"] - ours) / elapsed, 2)}


# --- report --------------------------------------------------------------------------------

def fmt(value, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(a, b):
    return round(a / b, 2) if a is not None and b else None


def find(levels: List[dict], index: int, bot: str, channel: str = "REST") -> dict:
    return next((r for r in levels if r["level_index"] == index and r["bot"] == bot
                 and r["channel"] == channel), {})


def judge(report: dict) -> Dict[str, dict]:
    levels, startup = report["levels"], report["startup"]
    evening = find(levels, 2, PROJECT)
    rasa_rss = max([startup[PROJECT]["rasa_peak_rss_mb"]]
                   + [r["rasa_peak_rss_mb"] for r in levels if r["bot"] == PROJECT])
    checks = {
        "one_user_p95_ratio": (report["ratios"]["one_user_p95"], lambda v: v <= 1.2),
        "saturation_throughput_ratio": (report["ratios"]["saturation_throughput"], lambda v: v >= 2),
        "evening_p95": (evening.get("p95_ms"), lambda v: v < 300),
        "evening_errors": (evening.get("errors"), lambda v: v == 0),
        "rasa_rss": (rasa_rss, lambda v: v < 1200),
        "cold_start": (startup[PROJECT]["cold_start_s"], lambda v: v < 30),
        "training": (report["training"].get("project_s"), lambda v: v < 180),
    }
    return {key: {"value": value, "met": None if value is None else bool(test(value))}
            for key, (value, test) in checks.items()}


def print_report(report: dict) -> None:
    run, training, startup = report["run"], report["training"], report["startup"]
    print()
    print(f"Load benchmark, {run['started']} ({run['cores']} cores, load average "
          f"{run['loadavg_start']} at start; {TURNS} turns per conversation)")
    print(f"Training: project `rasa train --force` {fmt(training.get('project_s'), 1)} s "
          f"(other processes: {fmt(training.get('project_other_cpu_cores'), 2)} cores); "
          f"`rasa init` bot (rasa init, training included) {fmt(training['init_s'], 1)} s "
          f"(other processes: {fmt(training.get('init_other_cpu_cores'), 2)} cores)")
    for name in (PROJECT, INIT):
        s = startup[name]
        print(f"Start-up, {name}: action server up in {s['actions_start_s']:.1f} s, then Rasa "
              f"server process start -> first REST reply {s['cold_start_s']:.1f} s (other "
              f"processes: {s['other_cpu_cores']:.2f} cores); peak RSS Rasa "
              f"{s['rasa_peak_rss_mb']:.0f} MB, actions {s['actions_peak_rss_mb']:.0f} MB")
    print()
    header = (f"{'level':28s} {'bot':9s} {'channel':9s} {'turns':>5s} {'s':>5s} {'turns/s':>7s} "
              f"{'p50':>6s} {'p95':>6s} {'p99':>6s} {'max':>6s} {'errors':>6s} "
              f"{'Rasa MB':>7s} {'act. MB':>7s} {'CPU Rasa/act./client/other':>26s}")
    print(header + "\n" + "-" * len(header))
    for r in report["levels"]:
        errors = ", ".join(f"{k} {v}" for k, v in r["outcomes"].items() if k != "ok")
        print(f"{r['level']:28s} {r['bot']:9s} {r['channel']:9s} {r['turns']:5d} "
              f"{r['seconds']:5.0f} {fmt(r['turns_per_s'], 1):>7s} {fmt(r['p50_ms']):>6s} "
              f"{fmt(r['p95_ms']):>6s} {fmt(r['p99_ms']):>6s} {fmt(r['max_ms']):>6s} "
              f"{r['errors']:6d} {r['rasa_peak_rss_mb']:7.0f} {r['actions_peak_rss_mb']:7.0f} "
              f"{r['rasa_cpu_cores']:7.2f}{r['actions_cpu_cores']:6.2f}{r['client_cpu_cores']:6.2f}"
              f"{r['other_cpu_cores']:7.2f}"
              + (f"  ({errors})" if errors else ""))
    for r in report["levels"]:
        if r["failed_lines"]:
            lines = ", ".join(f"{line!r} x{count}" for line, count in list(r["failed_lines"].items())[:4])
            print(f"  errors, {r['level']}, {r['bot']} {r['channel']}: {lines}")
    print("(latency: ms per turn; MB: peak RSS during the level, 10^6 bytes, children included;"
          "\n CPU: cores used on average during the level by the bot's Rasa server, its action"
          "\n server, the load client, and other processes on this shared machine)")
    if report.get("steps"):
        print("\nOptimisation steps (each adds one change; same loads: one user "
              f"{report['run']['levels']['step_turns']} turns, then "
              f"{report['run']['levels']['saturation_users']} users without pause for "
              f"{report['run']['levels']['step_saturation_s']} s):")
        steps.print_steps(report["steps"])
    print(f"\nLoad levels above: the project served as '{report.get('served_as')}', the init "
          "bot as shipped.")
    ratios = report["ratios"]
    print(f"\nRatios project / rasa init: p95 at one user {fmt(ratios['one_user_p95'], 2)}; "
          f"throughput at saturation {fmt(ratios['saturation_throughput'], 2)}; p95 at saturation "
          f"{fmt(ratios['saturation_p95'], 2)}; evening p95 {fmt(ratios['evening_p95'], 2)}; "
          f"cold start {fmt(ratios['cold_start'], 2)}")
    if "steps_saturation_vs_init_with_wal_store" in ratios:
        print(f"Steps table, throughput at saturation: served project / rasa init as shipped "
              f"{fmt(ratios['steps_saturation_vs_init_as_shipped'], 2)}; / rasa init given the "
              f"same WAL tracker store {fmt(ratios['steps_saturation_vs_init_with_wal_store'], 2)}")
    print("\nTargets (issue 5):")
    for key, check in report["targets"].items():
        verdict = {True: "met", False: "NOT MET", None: "not measured"}[check["met"]]
        value = check["value"]
        print(f"  {TARGETS_TEXT[key]:42s} {verdict:12s} "
              f"{value if not isinstance(value, float) else round(value, 2)}")
    print(f"\nRun took {run['seconds'] / 60:.1f} min. Raw figures: "
          f"{OUT.relative_to(ROOT) / 'latest.json'}, plot: {OUT.relative_to(ROOT) / 'latency.png'}")


def plot(report: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # x: levels by increasing load (the evening's think time makes it lighter than saturation)
    position = {0: 0, 2: 1, 1: 2}
    names = {position[r["level_index"]]: r["level"] for r in report["levels"]}
    figure, axes = plt.subplots(figsize=(8, 5))
    for bot, channel, style, shift in ((PROJECT, "REST", "o-", (6, 6)), (INIT, "REST", "s--", (6, -14)),
                                       (PROJECT, "socket.io", "^", (-4, 10))):
        points = [(position[r["level_index"]], r["p95_ms"]) for r in report["levels"]
                  if r["bot"] == bot and r["channel"] == channel and r["p95_ms"] is not None]
        if points:
            points.sort()
            xs, ys = zip(*points)
            axes.plot(xs, ys, style, label=f"{bot} ({channel})", markersize=8)
            for x, y in points:
                axes.annotate(f"{y:.0f}", (x, y), textcoords="offset points", xytext=shift)
    axes.axhline(300, color="grey", linewidth=0.8, linestyle=":")
    axes.text(0, 300, " 300 ms (evening target)", color="grey", va="bottom")
    axes.set_xticks(sorted(names), [names[x] for x in sorted(names)])
    axes.set_yscale("log")
    axes.margins(x=0.08)
    axes.set_ylabel("p95 latency per turn (ms, log scale)")
    axes.set_xlabel("load level (increasing load)")
    axes.set_title(f"p95 latency against load, {report['run']['cores']} cores "
                   f"({report['run']['started'][:10]})")
    axes.legend()
    axes.grid(True, which="both", alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    report = {"run": {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "cores": os.cpu_count(), "loadavg_start": os.getloadavg()[0],
                      "quick": args.quick, "timeout_s": load.TIMEOUT_S,
                      "levels": {"one_user_turns": args.turns, "saturation_users": args.users,
                                 "saturation_s": args.duration,
                                 "evening_conversations": args.conversations,
                                 "evening_ramp_s": args.ramp, "evening_think_s": args.think,
                                 "step_turns": args.step_turns,
                                 "step_saturation_s": args.step_duration}}}
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="load-bench-") as tmp:
        tmp = Path(tmp)
        env = project_environment(tmp / "project")
        training = report["training"] = {"init_s": None, "project_s": None}
        init_dir = args.init_bot.resolve() if args.init_bot else tmp / "init-bot"
        if not args.init_bot:
            print("rasa init (trains the init bot) ...", flush=True)
            other = servers.OtherLoad([])
            training["init_s"] = round(servers.rasa_init(init_dir, env), 1)
            training["init_other_cpu_cores"] = other.cores([])
        if args.with_training:
            print("rasa train --force (project) ...", flush=True)
            other = servers.OtherLoad([])
            training["project_s"] = round(servers.train(ROOT, tmp / "trained", env,
                                                        tmp / "train.log"), 1)
            training["project_other_cpu_cores"] = other.cores([])
        init_model = servers.newest_model(init_dir / "models")
        redis = steps.RedisServer(tmp / "redis") if steps.RedisServer.available() else None
        final = steps.FINAL if redis else steps.FINAL_WITHOUT_REDIS
        report["served_as"] = final.name
        bots: Dict[str, servers.Bot] = {}
        report["startup"] = {}
        try:
            if not args.no_steps:
                report["steps"] = run_steps(tmp, env, init_dir, init_model, args, redis)
            print(f"starting the project's servers ({final.name}), then the init bot's ...",
                  flush=True)
            for name, project, model, first, step in (
                    (PROJECT, ROOT, MODEL, "bonjour", final),
                    (INIT, init_dir, init_model, "hello", steps.INIT_STEPS[0])):
                running = [pid for bot in bots.values() for pid in bot.pids().values()]
                other = servers.OtherLoad(running)
                bot = bots[name] = servers.start_bot(
                    name, project, model, tmp / name.replace(" ", "-"),
                    step.environment(env, redis and redis.url), first,
                    tracker_store=step.tracker_store,
                    redis_port=redis.port if redis and step.workers > 1 else None)
                report["startup"][name] = {
                    "actions_start_s": round(bot.actions_start_s, 2),
                    "cold_start_s": round(bot.cold_start_s, 2),
                    "other_cpu_cores": other.cores(running + list(bot.pids().values())),
                    **{f"{role}_peak_rss_mb": round(mb, 1) for role, mb in bot.startup_rss_mb.items()}}
            print("load levels:", flush=True)
            report["levels"] = asyncio.run(run_levels(bots, env, args))
        finally:
            for bot in bots.values():
                bot.stop()
            if redis:
                redis.stop()
            logs = OUT / "logs"
            logs.mkdir(exist_ok=True)
            for log in tmp.glob("*/*.log"):
                shutil.copy(log, logs / f"{log.parent.name}-{log.name}")
            for log in tmp.glob("*.log"):  # rasa-init.log, train.log
                shutil.copy(log, logs / log.name)
    levels = report["levels"]
    report["ratios"] = {
        "one_user_p95": ratio(find(levels, 0, PROJECT).get("p95_ms"), find(levels, 0, INIT).get("p95_ms")),
        "saturation_throughput": ratio(find(levels, 1, PROJECT).get("turns_per_s"),
                                       find(levels, 1, INIT).get("turns_per_s")),
        "saturation_p95": ratio(find(levels, 1, PROJECT).get("p95_ms"), find(levels, 1, INIT).get("p95_ms")),
        "evening_p95": ratio(find(levels, 2, PROJECT).get("p95_ms"), find(levels, 2, INIT).get("p95_ms")),
        "cold_start": ratio(report["startup"][PROJECT]["cold_start_s"],
                            report["startup"][INIT]["cold_start_s"]),
    }
    rows = {row["step"]: row for row in report.get("steps", [])}
    served, init_wal = rows.get(final.name), rows.get(steps.INIT_STEPS[1].name)
    init_stock = rows.get(steps.INIT_STEPS[0].name)
    if served and init_wal and init_stock:
        report["ratios"]["steps_saturation_vs_init_as_shipped"] = ratio(
            served["saturation_turns_per_s"], init_stock["saturation_turns_per_s"])
        report["ratios"]["steps_saturation_vs_init_with_wal_store"] = ratio(
            served["saturation_turns_per_s"], init_wal["saturation_turns_per_s"])
    report["targets"] = judge(report)
    report["run"].update(seconds=round(time.monotonic() - started, 1),
                         loadavg_end=os.getloadavg()[0])
    (OUT / "latest.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    plot(report, OUT / "latency.png")
    print_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

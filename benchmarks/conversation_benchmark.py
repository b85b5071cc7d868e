"""Conversation benchmark: the whole conversations of tests/conversations/, measured.

Starts the real servers (live chat open at all hours, no agent online, as the
conversations expect), plays every conversation over REST and prints:
- conversations right from start to end, per pattern (follow-ups, several questions,
  own case, one word, failed self-help, responsible gambling, wrong topic);
- the per-turn latency (median, p90) of messages with one question and of messages the
  channel split into several, measured in the same run;
- what splitting costs a message with one question: one regular expression, timed here.

    python -m benchmarks.conversation_benchmark      (make bench-conversations)
"""
from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import timeit
from pathlib import Path


from casino_connector.several_questions import split_questions
from tests.conversations.conversation_runner import (
    median_ms, pass_rates, play_all, write_open_chat_config,
)
from tests.servers import BIN, ROOT, running_servers, server_environment


def p90_ms(values):
    ordered = sorted(values)
    return round(ordered[int(0.9 * (len(ordered) - 1))] * 1000, 1) if ordered else float("nan")


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        write_open_chat_config(work, ROOT / "support.yml")
        env = server_environment(work)

        def token_for(player_id: str) -> str:
            return subprocess.run([str(BIN / "support-desk"), "token", player_id, "--ttl", "3600"],
                                  env=env, capture_output=True, text=True, check=True).stdout.strip()

        with running_servers(work, env) as url:
            play_all(url, token_for)  # warm-up: models and caches loaded
            results = play_all(url, token_for)
    rates = pass_rates(results)
    print("Conversations right from start to end, per pattern:")
    for pattern, rate in rates.items():
        print(f"  {pattern:22s} {rate['passed']:3d}/{rate['total']:3d}  {rate['rate']:.0%}")
    turns = [turn for result in results for turn in result.turns]
    single = [t.seconds for t in turns if len(split_questions(t.user)) == 1]
    several = [t.seconds for t in turns if len(split_questions(t.user)) > 1]
    print("\nPer-turn latency over REST (same run):")
    print(f"  one question       n={len(single):3d}  median {median_ms(single)} ms  p90 {p90_ms(single)} ms")
    print(f"  several questions  n={len(several):3d}  median {median_ms(several)} ms  p90 {p90_ms(several)} ms")
    one_question = [t.user for t in turns if len(split_questions(t.user)) == 1]
    runs = timeit.repeat(lambda: [split_questions(text) for text in one_question], number=20, repeat=5)
    cost_us = statistics.median(runs) / (20 * len(one_question)) * 1e6
    print(f"\nSplitting a one-question message (all it costs such a message): {cost_us:.1f} µs median")
    out = ROOT / "results" / "conversations"
    out.mkdir(parents=True, exist_ok=True)
    (out / "benchmark.json").write_text(json.dumps({
        "pass_rates": rates,
        "latency_ms": {"one_question": {"n": len(single), "median": median_ms(single), "p90": p90_ms(single)},
                       "several_questions": {"n": len(several), "median": median_ms(several),
                                             "p90": p90_ms(several)}},
        "split_cost_us": round(cost_us, 2)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

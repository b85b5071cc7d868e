"""Whole conversations written by helpers who never saw the training data
(tests/conversations/*.yml), played against the real servers over REST.

The share of conversations right from start to end must reach MIN_PASS_RATE; every
failure is printed (and written to results/conversations/) with the bot's reply.
"""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.conversations.conversation_runner import (
    failures_report, load_conversations, pass_rates, play_all, write_open_chat_config,
)
from tests.servers import BIN, MODEL, ROOT, running_servers, server_environment

# Conversations right from start to end: 0.94 measured with the model of this data
# (README; 0.74 to 0.77 before the second step of issue 10), whose target is 0.90. The
# margin is for small data changes, which move it by a few conversations.
MIN_PASS_RATE = 0.85
RESULTS = ROOT / "results" / "conversations"


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first")
    work = tmp_path_factory.mktemp("conversations")
    write_open_chat_config(work, ROOT / "support.yml")
    env = server_environment(work)
    with running_servers(work, env) as url:
        yield url, env


def test_the_conversation_set_is_large_and_varied():
    conversations = load_conversations()
    patterns = [p for c in conversations for p in c.get("patterns", [])]
    assert len(conversations) >= 80
    assert patterns.count("follow_up") >= 30 and patterns.count("multi_question") >= 15
    assert sum(1 for c in conversations if c.get("player")) >= 20
    assert patterns.count("responsible_gambling") >= 10


def test_whole_conversations_are_handled_right(servers):
    url, env = servers

    def token_for(player_id: str) -> str:
        return subprocess.run([str(BIN / "support-desk"), "token", player_id, "--ttl", "3600"],
                              env=env, capture_output=True, text=True, check=True).stdout.strip()

    results = play_all(url, token_for)
    rates = pass_rates(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pass_rates.json").write_text(json.dumps(rates, indent=2))
    report = failures_report(results)
    (RESULTS / "failures.txt").write_text(report, encoding="utf-8")
    print("\n" + json.dumps(rates, indent=1) + "\n" + report)
    assert rates["all"]["rate"] >= MIN_PASS_RATE, f"{rates['all']}: see {RESULTS / 'failures.txt'}"

"""Play the whole conversations of tests/conversations/*.yml against the real servers.

Each conversation is a fresh chat over the REST channel (with the demo player's signed
token when it names one). A turn passes when every expectation group has one of its
alternatives in the bot's reply, none of the refused strings appears, and the bot did not
say it failed to understand (unless the turn allows it); matching ignores case and
accents. A conversation passes when all its turns do. The servers run with the live chat
open at all hours and no agent connected (what the conversations were written for).

Used by test_conversations.py (make test) and benchmarks/conversation_benchmark.py
(make bench-conversations).
"""
from __future__ import annotations

import statistics
import time
import unicodedata
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import requests
import yaml

HERE = Path(__file__).resolve().parent
NOT_UNDERSTOOD = ("n'ai pas bien compris", "reformuler")


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.replace("\u202f", " ").replace("\xa0", " "))
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return without_accents.lower().replace("’", "'")


@dataclass
class TurnResult:
    user: str
    reply: str
    seconds: float
    problems: List[str]


@dataclass
class ConversationResult:
    id: str
    patterns: List[str]
    turns: List[TurnResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(not turn.problems for turn in self.turns)


ALWAYS_OPEN = {day: ["00:00", "24:00"] for day in
               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}


def write_open_chat_config(work: Path, source: Path) -> None:
    """``work/support.yml``: ``source`` with the live chat open at all hours, no holiday
    (what the conversations were written for)."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    raw.update(hours=ALWAYS_OPEN, holidays=False)
    (work / "support.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def load_conversations(folder: Path = HERE) -> List[dict]:
    conversations: List[dict] = []
    for path in sorted(folder.glob("*.yml")):
        conversations += yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]
    return conversations


def check_turn(turn: dict, reply: str) -> List[str]:
    """What is wrong with ``reply`` for this turn (empty: it is right)."""
    problems = []
    said = plain(reply)
    for group in turn.get("expect") or []:
        alternatives = [group] if isinstance(group, str) else list(group)
        if not any(plain(str(alternative)) in said for alternative in alternatives):
            problems.append(f"expected one of {alternatives}")
    for refused in turn.get("refuse") or []:
        if plain(str(refused)) in said:
            problems.append(f"refused {refused!r} is in the reply")
    if not turn.get("allow_not_understood") and any(plain(n) in said for n in NOT_UNDERSTOOD):
        problems.append("the bot did not understand")
    return problems


def play(url: str, conversation: dict, token_for: Callable[[str], str],
         timeout: float = 30) -> ConversationResult:
    sender = f"conv-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    token = token_for(conversation["player"]) if conversation.get("player") else None
    result = ConversationResult(conversation["id"], list(conversation.get("patterns") or []))
    for turn in conversation["turns"]:
        body: Dict[str, object] = {"sender": sender, "message": turn["user"]}
        if token:
            body["metadata"] = {"player_token": token}
        started = time.perf_counter()
        response = requests.post(f"{url}/webhooks/rest/webhook", json=body, timeout=timeout)
        seconds = time.perf_counter() - started
        reply = "\n".join(m.get("text") or "" for m in response.json()) \
            if response.status_code == 200 else f"HTTP {response.status_code}"
        result.turns.append(TurnResult(turn["user"], reply, seconds, check_turn(turn, reply)))
    return result


def play_all(url: str, token_for: Callable[[str], str],
             conversations: Optional[Sequence[dict]] = None) -> List[ConversationResult]:
    return [play(url, conversation, token_for)
            for conversation in (conversations if conversations is not None
                                 else load_conversations())]


def pass_rates(results: Sequence[ConversationResult]) -> Dict[str, Dict[str, float]]:
    """Conversations passed, per pattern and in all."""
    groups: Dict[str, List[bool]] = defaultdict(list)
    for result in results:
        groups["all"].append(result.passed)
        for pattern in result.patterns:
            groups[pattern].append(result.passed)
    return {name: {"passed": sum(values), "total": len(values),
                   "rate": sum(values) / len(values)} for name, values in sorted(groups.items())}


def failures_report(results: Sequence[ConversationResult], limit: int = 400) -> str:
    lines = []
    for result in results:
        if result.passed:
            continue
        lines.append(f"--- {result.id} {result.patterns}")
        for turn in result.turns:
            mark = "FAIL" if turn.problems else "ok  "
            lines.append(f"  {mark} > {turn.user}")
            if turn.problems:
                lines.append(f"       {'; '.join(turn.problems)}")
                lines.append("       < " + turn.reply.replace("\n", " / ")[:limit])
    return "\n".join(lines)


def median_ms(values: Sequence[float]) -> float:
    return round(statistics.median(values) * 1000, 1) if values else float("nan")

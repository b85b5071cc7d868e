"""Read what `rasa test core --e2e --out DIR` wrote for a file of whole conversations and
fail when too few of them are right from start to end.

Rasa writes in DIR: `story_report.json` (per label: the intents, the actions and the
entities of every user and bot step, plus `conversation_accuracy`),
`failed_test_stories.yml` (each failed conversation, the wrong steps marked
`# predicted: ...`) and, with `--successes`, `successful_test_stories.yml`. This prints
every conversation (PASS or FAIL, and for a failure each wrong step: what the story
expected, what the bot predicted, and whether the intent, only the entities, or an action
was wrong), then the figures per intent and per action, worst first, and exits 1 when the
share of conversations right from start to end is under --min-rate.

Note: Rasa's own "ACTION level: Correct n / m" log line multiplies the accuracy over all
labels (intents and entities included) by the number of actions; the action figures
printed here count the actions only.

    python -m scripts.check_story_report results/e2e --min-rate 0.85
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

REPORT = "story_report.json"
FAILED = "failed_test_stories.yml"
SUCCESSFUL = "successful_test_stories.yml"
SUMMARY_KEYS = {"accuracy", "macro avg", "micro avg", "weighted avg", "conversation_accuracy"}
# "- intent: follow_up  # predicted: deny: ça marche pas"
# "- action: utter_greet  # predicted: action_listen"
STEP = re.compile(r"^\s*- (intent|action): (\S+)(?:\s+# predicted: (.*))?$")
STORY = re.compile(r"^- story: (.*?)(?: \([^()]*\))?$")
ENTITY = re.compile(r"\[([^\]]*)\](?:\(([^)]*)\)|(\{[^}]*\}))")


@dataclass
class Miss:
    kind: str  # "intent", "entities" or "action"
    expected: str
    predicted: str


@dataclass
class Conversation:
    name: str
    passed: bool
    turns: int = 0
    misses: List[Miss] = field(default_factory=list)


def _entities(marked: str) -> List[Tuple[str, str]]:
    """The (entity, value) pairs of a text in Rasa's markup."""
    found = []
    for match in ENTITY.finditer(marked):
        text, short, long = match.groups()
        if long:
            try:
                data = json.loads(long)
                found.append((str(data.get("entity")), str(data.get("value", text))))
            except json.JSONDecodeError:
                found.append((long, text))
        else:
            found.append((short, text))
    return found


def _miss(kind: str, expected: str, predicted: str) -> Miss:
    if kind == "action":
        return Miss("action", expected, predicted)
    predicted_intent, _, text = predicted.partition(": ")
    if predicted_intent != expected:
        # Rasa shows the ResponseSelector's key (register/conditions) when the predicted
        # intent is a retrieval intent other than the expected one.
        return Miss("intent", expected, predicted)
    return Miss("entities", expected, f"{predicted_intent}: entities {_entities(text)}")


def read_stories(path: Path, passed: bool) -> List[Conversation]:
    """The conversations of one of Rasa's story files, with their wrong steps."""
    if not path.exists():
        return []
    conversations: List[Conversation] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        story = STORY.match(line)
        if story:
            conversations.append(Conversation(story.group(1), passed))
            continue
        step = STEP.match(line)
        if not step or not conversations:
            continue
        kind, name, predicted = step.groups()
        if kind == "intent":
            conversations[-1].turns += 1
        if predicted is not None:
            conversations[-1].misses.append(_miss(kind, name, predicted.strip()))
    return conversations


def _is_action(label: str, actions: set) -> bool:
    return label in actions or label.startswith(("action_", "utter_")) or label.endswith("_form")


def label_figures(report: Dict, actions: set) -> Tuple[Dict[str, Dict], Dict[str, Dict]]:
    """The report's labels split into intents and actions (entities, marked up, left out)."""
    intents, acts = {}, {}
    for label, scores in report.items():
        if label in SUMMARY_KEYS or not isinstance(scores, dict) or "f1-score" not in scores:
            continue
        if label.startswith("[") or label == "None":
            continue
        (acts if _is_action(label, actions) else intents)[label] = scores
    return intents, acts


def _accuracy(figures: Dict[str, Dict]) -> Tuple[int, int]:
    support = sum(int(s["support"]) for s in figures.values())
    correct = sum(round(s["recall"] * s["support"]) for s in figures.values())
    return correct, support


def _print_figures(title: str, figures: Dict[str, Dict]) -> None:
    correct, support = _accuracy(figures)
    share = correct / support if support else float("nan")
    print(f"\n{title}: {correct} / {support} right ({share:.3f})")
    for name, s in sorted(figures.items(), key=lambda item: (item[1]["f1-score"], item[0])):
        print(f"  {name:28s} f1={s['f1-score']:.3f} precision={s['precision']:.3f} "
              f"recall={s['recall']:.3f} support={int(s['support'])}")


def domain_actions(domain: Optional[Path]) -> set:
    if not domain or not domain.exists():
        return set()
    data = yaml.safe_load(domain.read_text(encoding="utf-8")) or {}
    names = set(data.get("actions") or []) | set((data.get("responses") or {}).keys())
    return names | set((data.get("forms") or {}).keys()) | {"action_listen"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the --out folder of `rasa test core --e2e`")
    parser.add_argument("--min-rate", type=float, default=0.85,
                        help="least share of conversations right from start to end")
    parser.add_argument("--domain", type=Path, default=Path("domain.yml"))
    args = parser.parse_args()

    report_path = args.results / REPORT
    if not report_path.exists():
        print(f"FAIL: no {report_path} (did `rasa test core --out {args.results}` run?)",
              file=sys.stderr)
        return 1
    report = json.loads(report_path.read_text(encoding="utf-8"))
    summary = report.get("conversation_accuracy")
    if not summary or not summary.get("total"):
        print("FAIL: no conversation was evaluated. `rasa test core` reads the `user:` texts "
              "only with --e2e, and only from a file whose name starts with test_.",
              file=sys.stderr)
        return 1

    conversations = (read_stories(args.results / SUCCESSFUL, True)
                     + read_stories(args.results / FAILED, False))
    print("Conversations:")
    for conversation in conversations:
        state = "PASS" if conversation.passed else "FAIL"
        print(f"  {state} {conversation.name} ({conversation.turns} turns)")
        for miss in conversation.misses:
            print(f"       {miss.kind:8s} expected {miss.expected}, got {miss.predicted}")
    failed = [c for c in conversations if not c.passed]
    kinds = {kind: sum(1 for c in failed if any(m.kind == kind for m in c.misses))
             for kind in ("intent", "entities", "action")}
    only_entities = sum(1 for c in failed if c.misses
                        and all(m.kind == "entities" for m in c.misses))

    intents, actions = label_figures(report, domain_actions(args.domain))
    _print_figures("Intents (user steps)", intents)
    _print_figures("Actions (bot steps)", actions)

    rate = float(summary["accuracy"])
    print(f"\nConversations right from start to end: {summary['correct']} / {summary['total']} "
          f"= {rate:.3f} (minimum {args.min_rate})")
    print(f"  failed on an intent: {kinds['intent']}, on entities: {kinds['entities']} "
          f"({only_entities} on entities only), on an action: {kinds['action']}")
    if not (args.results / SUCCESSFUL).exists():
        print("  (run rasa test with --successes to list the conversations that passed)")
    if rate < args.min_rate:
        print(f"FAIL: {rate:.3f} of the conversations right, under {args.min_rate}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

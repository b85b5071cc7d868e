"""The French catalogue (casino_support/wording.fr.yml) is where every sentence lives.

What a bot designer relies on:
- every key the code asks for exists, and every entry of the catalogue is used (no dead
  sentence);
- every ``{field}`` of a sentence is given where the code says it;
- no French sentence for the player is left in the bot's Python (the guard below).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

import pytest

from casino_support import catalogue as catalogue_module
from casino_support.catalogue import Catalogue, catalogue, fields_of, lines, say

ROOT = Path(__file__).resolve().parents[2]
# The bot's Python: the support library, the custom actions, the channels.
PACKAGES = ("casino_support", "actions", "casino_connector")
# Not the bot's words: the reader itself, the operator's CLI, the demo seed data.
EXCLUDED = {"casino_support/catalogue.py", "casino_support/cli.py", "casino_support/demo_data.py"}


def bot_modules() -> List[Path]:
    files = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.relative_to(ROOT).as_posix() not in EXCLUDED:
                files.append(path)
    return files


def _tree(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


# --- the keys the code uses ------------------------------------------------------------------

CATALOGUE_CALLS = ("say", "lines")


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def catalogue_calls() -> Iterator[Tuple[Path, ast.Call]]:
    for path in bot_modules():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and _call_name(node) in CATALOGUE_CALLS and node.args:
                yield path, node


def _key_pattern(arg: ast.AST) -> "re.Pattern[str] | None":
    """A literal key, or an f-string key as a pattern (``f"topic_names.{t}"``)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return re.compile(re.escape(arg.value) + r"\Z")
    if isinstance(arg, ast.JoinedStr):
        parts = [re.escape(part.value) if isinstance(part, ast.Constant) else r"[^.]+"
                 for part in arg.values]
        return re.compile("".join(parts) + r"\Z")
    return None


def literal_keys() -> Dict[str, List[str]]:
    """Every literal key given to say()/lines(), with where it is used."""
    keys: Dict[str, List[str]] = {}
    for path, call in catalogue_calls():
        arg = call.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.setdefault(arg.value, []).append(f"{path.relative_to(ROOT)}:{call.lineno}")
    return keys


KEY_SHAPE = re.compile(r"(\{\}|[a-z_]+)(\.[a-z_{}]+)+\Z")


def key_patterns() -> List["re.Pattern[str]"]:
    """Every string in the code shaped like a key of a catalogue section, as a pattern: the
    keys given to say()/lines() and those chosen before (``f"account.status.{status}"``)."""
    sections = {key.split(".", 1)[0] for key in catalogue().entries}
    patterns = []
    for path in bot_modules():
        for node in ast.walk(_tree(path)):
            if not isinstance(node, (ast.Constant, ast.JoinedStr)):
                continue
            text = _text_of(node)
            first = text.split(".", 1)[0]
            if KEY_SHAPE.match(text) and (first in sections or (
                    first == "{}" and text.replace("{}", "").strip("."))):
                pattern = _key_pattern(node)
                if pattern is not None:
                    patterns.append(pattern)
    return patterns


def test_the_catalogue_loads_and_holds_sentences():
    entries = catalogue().entries
    assert len(entries) > 300
    for key, entry in entries.items():
        if isinstance(entry, str):
            assert entry.strip(), f"{key} is empty"
        else:  # a list of lines: an empty line is a blank line (e-mails), not a missing one
            assert any(line.strip() for line in entry), f"{key} is empty"


def test_every_literal_key_the_code_uses_exists():
    entries = catalogue().entries
    missing = {key: where for key, where in literal_keys().items() if key not in entries}
    assert not missing, f"keys used but not in wording.fr.yml: {missing}"


def test_dynamic_keys_exist_for_every_known_value(config):
    """Keys built from a value (``topic_names.{topic}``): each known value has its sentence."""
    from casino_support.answers import TOPICS
    from casino_support.questions import TOPIC_ASPECTS
    entries = catalogue().entries
    expected = [f"topic_names.{topic}" for topic in TOPICS if topic not in ("out_of_scope",)]
    expected += [f"aspect_names.{aspect}" for aspects in TOPIC_ASPECTS.values()
                 for aspect in aspects if aspect not in ("how", "overview", "login", "channels")]
    expected += [f"document_names.{doc}" for doc in config.verification["documents"]]
    expected += [f"account.document_status.{status}"
                 for status in ("accepted", "pending", "missing", "rejected")]
    expected += [f"account.withdrawal_status.{status}" for status in ("pending", "processing")]
    expected += [f"hours.days.{day}" for day in
                 ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")]
    expected += [f"contact.reach.{state}{email}" for state in ("open", "closed")
                 for email in ("", "_with_email")]
    expected += [f"conversation.{sentence}.{chat}" for sentence in ("self_help_failed", "asked_again")
                 for chat in ("chat_open", "chat_closed")]
    expected += [f"{topic}.buttons.{aspect}" for topic, aspects in (
        ("register", ("confirmation_email", "conditions", "second_account")),
        ("deposit", ("methods", "limits", "delay")), ("withdraw", ("delay", "blocked", "cancel")),
        ("account_access", ("password", "code", "change_details")),
        ("verify_account", ("where_to_send", "delay", "rejected")),
        ("bonus", ("wagering", "vip", "free_spins")),
        ("responsible_gambling", ("limits", "pause", "self_exclusion"))) for aspect in aspects]
    missing = [key for key in expected if key not in entries]
    assert not missing, missing


def test_every_entry_is_used_somewhere():
    """No dead sentence: each entry is asked for by a literal key or a key pattern."""
    literal = set(literal_keys())
    patterns = key_patterns()
    unused = [key for key in catalogue().entries
              if key not in literal and not any(pattern.match(key) for pattern in patterns)]
    assert not unused, f"entries of wording.fr.yml no code uses: {unused}"


def _given_fields(call: ast.Call) -> "Set[str] | None":
    """The named fields a call gives; None when it passes ``**values`` (not visible)."""
    names: Set[str] = set()
    for keyword in call.keywords:
        if keyword.arg is None:
            return None
        names.add(keyword.arg)
    return names


def test_every_field_a_sentence_needs_is_given():
    entries = catalogue().entries
    problems = []
    for path, call in catalogue_calls():
        arg = call.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            continue
        given = _given_fields(call)
        entry = entries.get(arg.value)
        if given is None or entry is None:
            continue
        texts = [entry] if isinstance(entry, str) else entry
        needed = {name for text in texts for name in fields_of(text)}
        if needed - given:
            problems.append(f"{path.relative_to(ROOT)}:{call.lineno} {arg.value} lacks "
                            f"{sorted(needed - given)}")
        if given - needed:
            problems.append(f"{path.relative_to(ROOT)}:{call.lineno} {arg.value} gives unused "
                            f"{sorted(given - needed)}")
    assert not problems, "\n".join(problems)


def test_say_and_lines_fill_fields_and_refuse_what_is_missing():
    book = Catalogue({"a.b": "Bonjour {name}.", "a.list": ["un {x}", "deux"]})
    assert book.say("a.b", name="Léa") == "Bonjour Léa."
    assert book.lines("a.list", x="1") == ["un 1", "deux"]
    with pytest.raises(KeyError, match="no sentence"):
        book.say("a.c")
    with pytest.raises(KeyError, match="needs"):
        book.say("a.b")
    with pytest.raises(TypeError):
        book.say("a.list", x="1")
    with pytest.raises(TypeError):
        book.lines("a.b", name="x")
    assert say("conversation.anything_else") == "Puis-je vous aider pour autre chose ?"
    assert lines("dates.months")[0] == "janvier" and catalogue_module.CATALOGUE_FILE.exists()


# --- the guard: no French sentence for the player left in Python -------------------------------

FRENCH_WORDS = {"vous", "votre", "vos", "le", "la", "les", "des", "est", "un", "une", "du",
                "de", "pas", "je", "nous", "pour", "avec", "sur", "dans", "et", "ou", "en",
                "que", "qui", "ce", "ne", "au", "aux", "merci", "bonjour", "il", "elle"}
ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊÎÔÙÛŒ«»’]")
# A regular expression (French words the NLU or a splitter looks for) is no sentence.
REGEX = re.compile(r"\(\?[:=!<]|\\[bsdwW]|\[\^|\([^()]*\|[^()]*\)")
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
# Texts that look French but are no sentence for a player, as (module, start of the text).
# Empty today: log messages, docstrings and regular expressions are recognised above, and
# the demo seed data and the operator's CLI are not scanned (EXCLUDED).
ALLOWED: Set[Tuple[str, str]] = set()


def looks_french(text: str) -> bool:
    words = re.findall(r"[\wÀ-ÿœ’']+", text)
    if len(words) < 3:
        return False
    lowered = {word.lower() for word in words}
    return bool(ACCENTED.search(text)) or len(lowered & FRENCH_WORDS) >= 2


def _text_of(node: ast.AST) -> str:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) and isinstance(part.value, str)
                       else "{}" for part in node.values)
    return ""


def french_literals(path: Path) -> List[Tuple[int, str]]:
    tree = _tree(path)
    skipped: Set[int] = set()
    for node in ast.walk(tree):
        # Docstrings, log messages and f-strings' inner pieces are not player sentences.
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                skipped.add(id(body[0].value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in LOG_METHODS:
            for sub in node.args:
                for inner in ast.walk(sub):
                    skipped.add(id(inner))
        elif isinstance(node, ast.JoinedStr):
            for inner in ast.walk(node):
                if inner is not node:
                    skipped.add(id(inner))
    module = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped or not isinstance(node, (ast.Constant, ast.JoinedStr)):
            continue
        text = _text_of(node)
        if text and looks_french(text) and not REGEX.search(text) and not any(
                module == allowed_module and text.startswith(start)
                for allowed_module, start in ALLOWED):
            found.append((node.lineno, text))
    return found


def test_the_guard_recognises_a_french_sentence():
    assert looks_french("Votre retrait est en attente.")
    assert looks_french("Puis-je vous aider pour autre chose ?")
    assert not looks_french("support database unavailable: %s")
    assert not looks_french("SELECT id FROM players WHERE id = :id")
    assert not looks_french("withdraw.delay.intro")


def test_no_french_sentence_is_left_in_python():
    """Every sentence for the player is in wording.fr.yml; Python only chooses and fills it."""
    left = [f"{path.relative_to(ROOT)}:{line}: {text[:70]!r}"
            for path in bot_modules() for line, text in french_literals(path)]
    assert not left, ("French sentences still in Python (move them to "
                      "casino_support/wording.fr.yml):\n" + "\n".join(left))

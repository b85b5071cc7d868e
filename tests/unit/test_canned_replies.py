"""Canned replies: the operator's file, and the placeholders filled from the conversation."""
import io
import os
import sys

import pytest
import yaml

from casino_support import canned_replies
from casino_support.agent_profiles import display_first_name, set_display_name
from casino_support.agents import AgentError, create_agent
from casino_support.canned_replies import (
    CannedRepliesError, fill, load_replies, parse_replies, replies_for)
from casino_support.cli import main
from casino_support.handoffs import enqueue
from casino_support.tickets import create_ticket

REPLY = "Bonjour {prenom}, je suis {conseiller}. Votre ticket {reference} est suivi."


def test_fill_replaces_the_known_placeholders():
    text, missing = fill(REPLY, {"prenom": "Sophie", "conseiller": "Julie",
                                 "reference": "T-2026-000001"})
    assert text == "Bonjour Sophie, je suis Julie. Votre ticket T-2026-000001 est suivi."
    assert missing == []


def test_placeholders_without_a_value_or_unknown_stay_visible():
    text, missing = fill(REPLY + " {solde} {prenom}", {"prenom": None, "conseiller": "Julie",
                                                       "reference": "  "})
    assert text == ("Bonjour {prenom}, je suis Julie. Votre ticket {reference} est suivi. "
                    "{solde} {prenom}")
    assert missing == ["prenom", "reference", "solde"]


def test_the_projects_file_has_realistic_french_replies():
    replies = load_replies(canned_replies.DEFAULT_FILE)
    shortcuts = [reply.shortcut for reply in replies]
    assert 8 <= len(replies) <= 12
    for needed in ("docs", "retrait-delai", "bonus-mise", "cloture", "jeu-responsable"):
        assert needed in shortcuts
    gambling = next(r for r in replies if r.shortcut == "jeu-responsable")
    assert "Joueurs Info Service" in gambling.text and "09 74 75 13 13" in gambling.text
    used = {name for reply in replies for name in canned_replies.PLACEHOLDER_PATTERN.findall(
        reply.text)}
    assert used <= set(canned_replies.PLACEHOLDERS)


@pytest.mark.parametrize("raw, message", [
    ({"replies": "x"}, "list"),
    ({"replies": [{"shortcut": "Bad Name", "title": "t", "text": "x"}]}, "shortcut"),
    ({"replies": [{"shortcut": "a", "title": "t", "text": "x"},
                  {"shortcut": "a", "title": "t", "text": "y"}]}, "twice"),
    ({"replies": [{"shortcut": "a", "title": "", "text": "x"}]}, "title"),
    ({"replies": [{"shortcut": "a", "title": "t", "text": ""}]}, "text"),
])
def test_a_malformed_file_is_refused_with_the_reason(raw, message):
    with pytest.raises(CannedRepliesError, match=message):
        parse_replies(raw)


def test_support_yml_names_another_file_reread_when_it_changes(tmp_path, monkeypatch):
    replies_file = tmp_path / "mes_reponses.yml"
    replies_file.write_text('replies:\n  - {shortcut: a, title: A, text: "Un {prenom}"}\n',
                            encoding="utf-8")
    raw = yaml.safe_load(canned_replies.PROJECT_ROOT.joinpath("support.yml").read_text(
        encoding="utf-8"))
    raw.setdefault("agent_desk", {})["canned_replies"] = str(replies_file)
    support = tmp_path / "support.yml"
    support.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SUPPORT_CONFIG", str(support))
    assert canned_replies.replies_path() == replies_file
    assert [r.text for r in load_replies()] == ["Un {prenom}"]
    replies_file.write_text('replies:\n  - {shortcut: b, title: B, text: "Deux"}\n',
                            encoding="utf-8")
    os.utime(replies_file, (1, 1))  # another modification time: read again
    assert [r.shortcut for r in load_replies()] == ["b"]


def test_replies_for_a_logged_in_player_with_a_ticket(seeded, now):
    create_agent(seeded, "julie.m", "un mot de passe assez long", rounds=4)
    set_display_name(seeded, "julie.m", "Julie Martin")
    enqueue(seeded, "conv-1", "P1003", "human_request", "normal", now=now)
    ticket = create_ticket(seeded, conversation_id="conv-1", player_id="P1003", email=None,
                           category="bonus", priority="normal", summary="bonus",
                           description=None, transcript=[], account_snapshot=None, now=now)
    replies = {r["shortcut"]: r for r in replies_for(seeded, "conv-1", "julie.m")}
    assert replies["bonjour"]["text"].startswith("Bonjour Sophie, je suis Julie, conseiller")
    assert replies["bonjour"]["missing"] == []
    assert ticket.reference in replies["ticket"]["text"]
    assert "julie.m" not in " ".join(r["text"] for r in replies.values())


def test_replies_for_an_anonymous_player_keep_prenom_visible(seeded, now):
    create_agent(seeded, "bob", "un mot de passe assez long", rounds=4)
    enqueue(seeded, "conv-2", None, "human_request", "normal", now=now)
    replies = {r["shortcut"]: r for r in replies_for(seeded, "conv-2", "bob")}
    assert replies["bonjour"]["text"].startswith("Bonjour {prenom}, je suis {conseiller},")
    assert replies["bonjour"]["missing"] == ["prenom", "conseiller"]
    assert replies["ticket"]["missing"] == ["prenom", "reference"]


def test_display_name_is_checked_and_set_from_the_cli(seeded, capsys, monkeypatch):
    with pytest.raises(AgentError):
        set_display_name(seeded, "nobody", "<script>")
    monkeypatch.setattr(sys, "stdin", io.StringIO("un mot de passe assez long\n"))
    assert main(["agent", "add", "claire.d", "--password-stdin",
                 "--display-name", "Claire"]) == 0
    assert display_first_name(seeded, "claire.d") == "Claire"
    assert main(["agent", "display-name", "claire.d", "Émilie Rose"]) == 0
    assert display_first_name(seeded, "claire.d") == "Émilie"
    assert main(["agent", "display-name", "claire.d", ""]) == 0
    assert display_first_name(seeded, "claire.d") is None
    assert main(["agent", "display-name", "nobody", "Luc"]) == 2
    monkeypatch.setattr(sys, "stdin", io.StringIO("un mot de passe assez long\n"))
    assert main(["agent", "add", "dan", "--password-stdin", "--display-name", "1<b>"]) == 2

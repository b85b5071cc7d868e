"""The desk tools of the agent console, in Chromium: a player in the widget, two agents.

« Un conseiller, Julie, a rejoint la conversation », the agent's typing in the widget, the
title of a clicked quick reply in the console, a canned reply inserted by its shortcut
(first name filled), an internal note seen by the other agent and never by the player,
and a confirmation before closing.
"""
from __future__ import annotations

import json
import sqlite3
import uuid

from playwright.sync_api import expect

from browser_pages import REPLY_TIMEOUT, Console, Widget

NOTE = "Note interne de test : joueuse mécontente, vérifier le bonus " + uuid.uuid4().hex[:6]


def tracker_texts(servers, conversation_id: str) -> str:
    """Every event of the conversation in Rasa's tracker store (what REST clients read)."""
    with sqlite3.connect(servers.work / "tracker.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ?",
                                  (conversation_id,)).fetchall()
    return "\n".join(json.loads(data).get("text") or "" for (data,) in rows)


def raw_agent_socket_emit(page, event: str, payload: dict) -> dict:
    """``event`` sent on a socket of the console's agent (its token), the acknowledgement."""
    return page.evaluate(
        """([event, payload]) => new Promise((resolve) => {
            const socket = window.io({path: "/socket.io/", transports: ["websocket"],
                auth: {agent_token: sessionStorage.getItem("casinoAgent.token")}});
            socket.on("connect", () => socket.emit(event, payload, (answer) => {
                socket.disconnect();
                resolve(answer);
            }));
        })""", [event, payload])


def test_desk_tools_with_a_player_and_two_agents(new_page, servers, shot):
    login, password = f"julie-{uuid.uuid4().hex[:6]}", "mot-de-passe-de-julie"
    created = servers.cli("agent", "add", login, "--password-stdin", "--display-name", "Julie",
                          input=password + "\n")
    assert created.returncode == 0, created.stderr

    julie_page = new_page("julie")
    julie = Console(julie_page)
    julie.login(login, password)
    alice_page = new_page("alice")
    alice = Console(alice_page)
    alice.login(servers.agent_name, servers.agent_password)

    # Another player, connected, in another conversation: nothing of this one reaches it.
    other_page = new_page("other player")
    other = Widget(other_page).goto()
    other.open()

    # The player (Sophie, P1003) complains, then clicks the « Parler à un conseiller »
    # quick reply the bot offers (payload /human_handoff).
    player_page = new_page("player", viewport={"width": 1000, "height": 860})
    widget = Widget(player_page).goto(player_token=servers.player_token("P1003"))
    widget.open()
    widget.say("c'est une arnaque")
    offered = player_page.locator(".cw-msg--bot .cw-quick:enabled",
                                  has_text="Parler à un conseiller")
    expect(offered).to_have_count(1, timeout=REPLY_TIMEOUT)
    before = widget.messages("bot").count()
    offered.click()
    widget.wait_for("bot", "position", after=before)
    conversation_id = widget.session_id()
    expect(julie.queue_item(conversation_id)).to_be_visible(timeout=15_000)

    # 3. The console shows the button's title where the player clicked, not the payload.
    julie.queue_item(conversation_id).click()
    clicked = julie_page.locator("#transcript .line--user", has_text="Parler à un conseiller")
    expect(clicked).to_have_count(1)
    expect(clicked.locator(".line__who")).to_contain_text("bouton choisi")
    expect(julie.lines("user").filter(has_text="/human_handoff")).to_have_count(0)
    shot(julie_page, "button-title-in-transcript")

    # 1. Julie takes it: the player is told a human joined, by display name, not login.
    julie.button("Prendre").click()
    joined = widget.wait_for("bot", "a rejoint la conversation", after=before)
    assert joined.startswith("Un conseiller, Julie, a rejoint la conversation"), joined
    assert login not in joined
    shot(player_page, "player-told-agent-joined")

    # 2. Julie types: the player sees « Le conseiller écrit… »; the other player nothing.
    reply_box = julie_page.get_by_label("Votre réponse au joueur")
    expect(reply_box).to_be_enabled()
    reply_box.press_sequentially("Je regarde", delay=40)
    typing = player_page.locator("#cw-typing")
    expect(typing).to_be_visible(timeout=10_000)
    expect(typing).to_contain_text("Le conseiller écrit")
    expect(other_page.locator("#cw-typing")).to_be_hidden()
    shot(player_page, "player-sees-agent-typing")
    # Only the agent holding the conversation may signal typing.
    refused = raw_agent_socket_emit(alice_page, "agent_typing",
                                    {"conversation_id": conversation_id, "on": True})
    assert refused["ok"] is False and refused["error"] == "conflict", refused

    # 4. A canned reply by its shortcut: « /bonj », Enter, the text with the first names.
    reply_box.fill("")
    reply_box.press_sequentially("/bonj", delay=40)
    listbox = julie_page.get_by_role("listbox", name="Réponses types")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option").first).to_contain_text("/bonjour")
    shot(julie_page, "canned-reply-list")
    reply_box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(reply_box).to_have_value(
        "Bonjour Sophie, je suis Julie, conseiller du support. J'ai bien lu votre échange "
        "avec l'assistant automatique et je m'occupe de votre demande.")
    reply_box.press("End")
    reply_box.press_sequentially(" Un instant.", delay=20)  # editable before sending
    shot(julie_page, "canned-reply-inserted")
    reply_box.press("Enter")
    expect(reply_box).to_have_value("")
    sent = widget.wait_for("agent", "Bonjour Sophie, je suis Julie")
    assert sent.endswith("je m'occupe de votre demande. Un instant."), sent
    expect(typing).to_be_hidden()
    # The list also opens with Ctrl+Space; Escape closes it without inserting anything.
    reply_box.press("Control+Space")
    expect(listbox.get_by_role("option")).to_have_count(10)
    reply_box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(reply_box).to_have_value("")

    # 5. An internal note: Alice sees it (live, and after a reload), the player never.
    alice.queue_item(conversation_id).click()
    expect(alice.lines("agent").filter(has_text="Bonjour Sophie")).to_have_count(1)
    note_box = julie_page.get_by_label("Note interne")
    note_box.fill(NOTE)
    note_box.press("Enter")
    expect(note_box).to_have_value("")
    for page in (julie_page, alice_page):
        note = page.locator("#transcript .line--note")
        expect(note).to_have_count(1)
        expect(note.locator(".line__text")).to_have_text(NOTE)
        expect(note.locator(".line__who")).to_contain_text("Note interne")
    alice_page.reload()
    expect(alice_page.locator("#presence-text")).to_have_text("En ligne", timeout=30_000)
    alice.queue_item(conversation_id).click()
    expect(alice_page.locator("#transcript .line--note .line__text")).to_have_text(NOTE)
    shot(alice_page, "note-seen-by-the-other-agent")
    player_page.wait_for_timeout(1000)
    expect(player_page.locator("#chat-widget")).not_to_contain_text("Note interne de test")
    player_page.reload()
    widget.wait_connected()
    expect(widget.messages("agent").filter(has_text="Bonjour Sophie")).to_have_count(1)
    expect(player_page.locator("#chat-widget")).not_to_contain_text("Note interne de test")
    expect(other_page.locator("#chat-widget")).not_to_contain_text("Note interne de test")
    # Neither is it in the tracker, which the REST channel and Rasa's API read; the
    # « joined » message is.
    stored = tracker_texts(servers, conversation_id)
    assert "a rejoint la conversation" in stored
    assert NOTE not in stored and "Note interne" not in stored

    # 6. Closing asks first: Escape cancels, then confirming closes.
    julie.button("Clôturer").click()
    dialog = julie_page.get_by_role("dialog", name="Clôturer la conversation ?")
    expect(dialog).to_be_visible()
    shot(julie_page, "close-confirmation")
    julie_page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(julie.queue_item(conversation_id)).to_contain_text("prise par vous")
    expect(julie.button("Clôturer")).to_be_focused()
    julie.close_conversation()
    widget.wait_for("bot", "clôturé la conversation")
    expect(julie.queue_item(conversation_id)).to_have_count(0)
    expect(other_page.locator("#cw-typing")).to_be_hidden()
    for page in (julie_page, alice_page, player_page, other_page):
        page.watch.assert_quiet()

"""Transfer in Chromium: an agent sends a conversation to the payments team's queue, a
colleague of that team takes it and hands it to a named colleague; the player is told
each time and nobody else's console can write to the player."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from browser_pages import Console, player_waiting_for_an_agent


def transfer(console: Console, target: str) -> None:
    """« Transférer », then the team (``team:payments``) or colleague (``agent:NAME``)."""
    console.button("Transférer").click()
    dialog = console.page.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    dialog.locator(f"input[value='{target}']").check()
    dialog.get_by_role("button", name="Transférer").click()
    expect(dialog).to_be_hidden()


def test_transfer_to_a_team_then_to_a_named_colleague(new_page, servers, shot):
    bob, password = f"bob-{uuid.uuid4().hex[:6]}", "mot-de-passe-de-bob"
    assert servers.cli("agent", "add", bob, "--password-stdin",
                       input=password + "\n").returncode == 0
    assert servers.cli("agent", "team", bob, "payments").returncode == 0

    alice_page = new_page("alice")
    alice = Console(alice_page)
    alice.login(servers.agent_name, servers.agent_password)
    bob_page = new_page("bob")
    bob_console = Console(bob_page)
    bob_console.login(bob, password)

    player_page = new_page("player")
    widget, conversation_id = player_waiting_for_an_agent(player_page)

    # Alice takes it, answers, and sends it to the payments team's queue.
    alice.queue_item(conversation_id).click()
    alice.button("Prendre").click()
    reply_box = alice_page.get_by_label("Votre réponse au joueur")
    expect(reply_box).to_be_enabled()
    reply_box.fill("Je regarde votre retrait.")
    reply_box.press("Enter")
    widget.wait_for("agent", "Je regarde votre retrait")
    expect(alice.button("Transférer")).to_be_enabled()
    expect(alice_page.locator("#transfer-dialog")).to_be_hidden()
    transfer(alice, "team:payments")
    told = widget.wait_for("bot", "équipe Paiements")
    assert "vous répond dès que possible" in told
    item = bob_console.queue_item(conversation_id)
    expect(item).to_contain_text("En attente")
    expect(item.locator(".queue-item__team--mine")).to_have_text("Paiements")
    expect(reply_box).to_be_disabled()  # alice no longer holds it
    shot(bob_page, "bob-sees-payments-queue")

    # Bob (payments) takes it and hands it to alice by name.
    item.click()
    bob_console.button("Prendre").click()
    expect(bob_page.locator("#conversation-state")).to_contain_text("Vous êtes en ligne")
    expect(bob_console.button("Transférer")).to_be_enabled()
    transfer(bob_console, "agent:" + servers.agent_name)
    widget.wait_for("bot", "transmise à un collègue")
    expect(alice_page.locator("#notice")).to_contain_text("vous a transféré une conversation")
    alice.queue_item(conversation_id).click()
    expect(alice_page.locator("#conversation-state")).to_contain_text("Vous êtes en ligne")
    expect(reply_box).to_be_enabled()
    reply_box.fill("Me revoici avec votre dossier.")
    reply_box.press("Enter")
    widget.wait_for("agent", "Me revoici")
    expect(bob_page.get_by_label("Votre réponse au joueur")).to_be_disabled()
    shot(player_page, "player-after-two-transfers")
    for page in (alice_page, bob_page, player_page):
        page.watch.assert_quiet()

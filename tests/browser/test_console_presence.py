"""The agent console's presence controls in Chromium: a supervisor takes over a
conversation another agent holds, pauses, logs out; the conversation goes back to the
queue at once and the player is told."""
from __future__ import annotations

import uuid

from playwright.sync_api import expect

from browser_pages import Console, player_waiting_for_an_agent


def test_a_supervisor_takes_over_pauses_and_logs_out(new_page, servers, shot):
    supervisor, password = f"sam-{uuid.uuid4().hex[:6]}", "mot-de-passe-superviseur"
    created = servers.cli("agent", "add", supervisor, "--password-stdin", "--supervisor",
                          input=password + "\n")
    assert created.returncode == 0, created.stderr

    agent_page = new_page("agent")
    alice = Console(agent_page)
    alice.login(servers.agent_name, servers.agent_password)
    boss_page = new_page("supervisor")
    boss = Console(boss_page)
    boss.login(supervisor, password)
    expect(boss_page.locator("#agent-role")).to_have_text("Superviseur")

    player_page = new_page("player")
    widget, conversation_id = player_waiting_for_an_agent(player_page)

    alice.queue_item(conversation_id).click()
    alice.button("Prendre").click()
    reply_box = agent_page.get_by_label("Votre réponse au joueur")
    expect(reply_box).to_be_enabled()
    reply_box.fill("Bonjour, ici Alice.")
    reply_box.press("Enter")
    widget.wait_for("agent", "ici Alice")

    # The supervisor takes over the conversation alice holds.
    item = boss.queue_item(conversation_id)
    expect(item).to_contain_text("prise par " + servers.agent_name)
    item.click()
    take_over = boss.button("Reprendre (superviseur)")
    expect(take_over).to_be_enabled()
    take_over.click()
    expect(boss_page.locator("#conversation-state")).to_contain_text("Vous êtes en ligne")
    expect(alice.queue_item(conversation_id)).to_contain_text("prise par " + supervisor)
    shot(boss_page, "supervisor-took-over")

    # Away: still online, not available for new players.
    boss.button("Me mettre en pause").click()
    expect(boss_page.locator("#presence-text")).to_have_text("En pause")
    expect(boss.button("Je suis disponible")).to_have_attribute("aria-pressed", "true")
    shot(boss_page, "supervisor-away")

    # Logging out gives the conversation back at once, first in line, and says so.
    boss.button("Se déconnecter").click()
    expect(boss_page.get_by_role("heading", name="Connexion conseiller")).to_be_visible()
    text = widget.wait_for("bot", "déconnecté")
    assert "en tête de la file d'attente" in text
    expect(alice.queue_item(conversation_id)).to_contain_text("En attente · position 1")
    shot(player_page, "player-told-agent-gone")
    for page in (agent_page, boss_page, player_page):
        page.watch.assert_quiet()

"""Satisfaction, past conversations and new-conversation alerts, in Chromium: a player in
the widget and an agent in the console."""
from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from browser_pages import Console, Widget

# Records the desktop notifications the console shows (the browser grants them).
NOTIFICATION_SPY = """
window.__notifications = [];
window.Notification = function (title, options) {
  window.__notifications.push({title: title, body: (options || {}).body});
  this.close = function () {};
};
window.Notification.permission = "granted";
window.Notification.requestPermission = function () { return Promise.resolve("granted"); };
"""


def queued_player(new_page, servers, player_id: str, first: str):
    """A logged-in player who wrote ``first``, then asked for a person (queued)."""
    page = new_page(f"player-{player_id}", viewport={"width": 1000, "height": 860})
    widget = Widget(page).goto(player_token=servers.player_token(player_id))
    widget.open()
    widget.say_and_wait(first, "")
    before = widget.messages("bot").count()
    widget.say("je veux parler à un conseiller")
    widget.wait_for("bot", "position", after=before)
    return page, widget, widget.session_id()


def take_and_reply(console: Console, conversation_id: str, reply: str) -> None:
    item = console.queue_item(conversation_id)
    expect(item).to_be_visible(timeout=15_000)
    item.click()
    console.button("Prendre").click()
    box = console.page.get_by_label("Votre réponse au joueur")
    expect(box).to_be_enabled()
    box.fill(reply)
    box.press("Enter")
    expect(box).to_have_value("")


def close_conversation(console: Console) -> None:
    console.button("Clôturer").click()
    confirm = console.page.get_by_role("button", name="Clôturer la conversation")
    if confirm.count() and confirm.is_visible():  # the console may ask first
        confirm.click()


def history_tab(console: Console):
    console.page.get_by_role("tab", name="Historique").click()
    return console.page.locator("#panel-history")


def search(console: Console, query: str) -> None:
    console.page.get_by_label("Rechercher une conversation").fill(query)
    console.page.get_by_role("button", name="Rechercher", exact=True).click()


def test_the_players_rating_after_close_appears_in_the_console(new_page, servers, shot):
    agent_page = new_page("agent")
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)
    player_page, widget, conversation_id = queued_player(
        new_page, servers, "P1003", "bonjour")
    take_and_reply(console, conversation_id, "Bonjour, ici Alice : je regarde votre bonus.")
    widget.wait_for("agent", "je regarde votre bonus")
    close_conversation(console)
    widget.wait_for("bot", "clôturé la conversation")

    # The widget asks for a rating: five buttons and an optional comment.
    survey = player_page.locator(".cw-survey")
    expect(survey).to_be_visible(timeout=15_000)
    expect(survey).to_contain_text("Comment l'évaluez-vous ?")
    stars = survey.get_by_role("button", name=re.compile(r"^\d sur 5$"))
    expect(stars).to_have_count(5)
    shot(player_page, "survey")
    survey.get_by_role("button", name="Envoyer mon avis").click()
    expect(survey).to_contain_text("Choisissez une note")  # no rating chosen yet
    survey.get_by_role("button", name="4 sur 5").click()
    expect(survey.get_by_role("button", name="4 sur 5")).to_have_attribute("aria-pressed", "true")
    survey.get_by_label("Un commentaire ? (facultatif)").fill("Rapide et <b>clair</b>")
    survey.get_by_role("button", name="Envoyer mon avis").click()
    expect(survey).to_contain_text("Merci pour votre avis")
    shot(player_page, "survey-thanks")

    # The console shows it at once in the conversation, and in the history with the day.
    rating_line = agent_page.locator("#transcript .history__rating-line")
    expect(rating_line).to_contain_text("Note du joueur : 4 / 5")
    expect(rating_line).to_contain_text("Rapide et <b>clair</b>")  # as text
    shot(agent_page, "rating-in-conversation")
    panel = history_tab(console)
    expect(panel.locator("#satisfaction-today")).to_contain_text("Satisfaction aujourd'hui")
    expect(panel.locator("#satisfaction-today")).to_contain_text("/ 5")
    search(console, "P1003")
    row = panel.locator(f"tr[data-conversation-id='{conversation_id}']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("4 / 5")
    expect(row).to_contain_text("clôturée")
    expect(row).to_contain_text(servers.agent_name)
    assert agent_page.locator("#panel-history b").count() == 0
    shot(agent_page, "history-rating")

    # Rated once: after a reload the survey is not asked again.
    player_page.reload()
    widget.wait_connected()
    player_page.wait_for_timeout(1500)
    expect(player_page.locator(".cw-survey")).to_have_count(0)
    for page in (agent_page, player_page):
        page.watch.assert_quiet()


def test_search_finds_a_past_conversation_by_text_and_by_player(new_page, servers, shot):
    agent_page = new_page("agent")
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)
    word = "zebulon" + uuid.uuid4().hex[:6]
    player_page, widget, conversation_id = queued_player(
        new_page, servers, "P1005", f"ma pièce d'identité {word} a été refusée")
    take_and_reply(console, conversation_id, "Je regarde votre document refusé.")
    console.button("Rendre la main au bot").click()
    widget.wait_for("bot", "rendu la main")

    panel = history_tab(console)
    search(console, word.upper())  # any case
    row = panel.locator(f"tr[data-conversation-id='{conversation_id}']")
    expect(row).to_have_count(1)
    expect(panel.locator("tbody tr")).to_have_count(1)
    expect(row).to_contain_text("P1005")
    expect(row).to_contain_text("rendue au bot")
    expect(row).to_contain_text(servers.agent_name)
    expect(panel.locator("#history-status")).to_contain_text("texte")
    shot(agent_page, "found-by-text")

    row.get_by_role("button", name=re.compile("^Voir la conversation")).click()
    detail = panel.locator("#history-detail")
    expect(detail.locator(".line--user .line__text").filter(has_text=word)).to_have_count(1)
    expect(detail.locator(".line--agent .line__text")).to_contain_text(
        ["Je regarde votre document refusé."])
    expect(detail).to_contain_text("Pas de note du joueur")
    shot(agent_page, "transcript")

    search(console, "P1005")
    expect(panel.locator(f"tr[data-conversation-id='{conversation_id}']")).to_have_count(1)
    expect(panel.locator("#history-status")).to_contain_text("joueur")
    search(console, "' OR 1=1 --")
    expect(panel.locator("#history-status")).to_have_text("Aucune conversation trouvée.")
    shot(agent_page, "nothing-found")
    for page in (agent_page, player_page):
        page.watch.assert_quiet()


def test_a_new_waiting_conversation_alerts_once_and_mute_is_remembered(new_page, servers,
                                                                       shot):
    agent_page = new_page("agent")
    agent_page.add_init_script(NOTIFICATION_SPY)
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)
    sound = agent_page.locator("#sound-toggle")
    expect(sound).to_have_text("Son activé")
    expect(sound).to_have_attribute("aria-pressed", "false")
    body = agent_page.locator("body")
    agent_page.wait_for_timeout(1500)  # conversations left waiting by other tests: alerted now
    before = int(body.get_attribute("data-new-conversation-alerts") or 0)

    player_page, _, conversation_id = queued_player(new_page, servers, "P1001", "bonjour")
    expect(console.queue_item(conversation_id)).to_be_visible(timeout=15_000)
    expect(body).to_have_attribute("data-new-conversation-alerts", str(before + 1))
    expect(body).to_have_attribute("data-sounds-played", re.compile(r"^[1-9]"))
    notes = agent_page.evaluate("() => window.__notifications")
    assert notes and notes[-1]["title"] == "Nouvelle conversation en attente", notes
    assert notes[-1]["body"] == "Joueur P1001"
    shot(agent_page, "alerted")

    # Muted, and still muted after a reload; the conversation already seen: no alert.
    sound.click()
    expect(sound).to_have_text("Son coupé")
    expect(sound).to_have_attribute("aria-pressed", "true")
    agent_page.reload()
    expect(agent_page.locator("#presence-text")).to_have_text("En ligne", timeout=30_000)
    expect(console.queue_item(conversation_id)).to_be_visible(timeout=15_000)
    expect(agent_page.locator("#sound-toggle")).to_have_text("Son coupé")
    expect(agent_page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    agent_page.wait_for_timeout(1500)
    assert agent_page.locator("body").get_attribute("data-new-conversation-alerts") is None
    assert agent_page.evaluate("() => window.__notifications") == []
    shot(agent_page, "muted-after-reload")

    # A second new conversation while muted: notified, no sound.
    other_page, _, other_id = queued_player(new_page, servers, "P1002", "bonjour")
    expect(console.queue_item(other_id)).to_be_visible(timeout=15_000)
    expect(agent_page.locator("body")).to_have_attribute("data-new-conversation-alerts", "1")
    assert agent_page.locator("body").get_attribute("data-sounds-played") is None
    assert len(agent_page.evaluate("() => window.__notifications")) == 1

    # The queue emptied for the next tests.
    from casino_support import handoffs

    for cid in (conversation_id, other_id):
        handoffs.end(servers.database(), cid, "test_done", actor="test")
    for page in (agent_page, player_page, other_page):
        page.watch.assert_quiet()

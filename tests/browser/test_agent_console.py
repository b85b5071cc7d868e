"""The agent console with a player's widget beside it, in Chromium: handoff and tickets."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from browser_pages import Console, Widget

HANDED_BACK = "rendu la main"
PLAYER_HTML = "<b>mon retrait</b> <img src=x onerror=alert(1)>"


def test_handoff_from_widget_to_agent_and_back(new_page, servers, shot):
    # The agent is online first: the bot then tells the player an agent is connected.
    agent_page = new_page("agent")
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)
    expect(agent_page.get_by_role("heading", name="Aucune conversation ouverte")).to_be_visible()
    shot(agent_page, "console-logged-in")

    player_page = new_page("player", viewport={"width": 1000, "height": 860})
    widget = Widget(player_page).goto(player_token=servers.player_token("P1004"))
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    before = widget.messages("bot").count()
    widget.say("je veux parler à un conseiller")
    conversation_id = widget.session_id()
    assert conversation_id

    # The bot queues the conversation, pauses itself and says where the player stands.
    widget.wait_for("bot", "position", after=before)
    expect(console.queue_item(conversation_id)).to_be_visible(timeout=15_000)
    shot(player_page, "player-queued")

    item = console.queue_item(conversation_id)
    expect(item).to_contain_text("Joueur P1004")
    expect(item).to_contain_text("En attente")
    expect(item).to_contain_text("attend depuis")
    shot(agent_page, "queue")

    item.click()
    expect(item).to_have_attribute("aria-current", "true")
    asked = console.lines("user").filter(has_text="je veux parler à un conseiller")
    expect(asked).to_have_count(1)
    account = agent_page.locator("#account")
    expect(account).to_contain_text("P1004")
    expect(account).to_contain_text("Antoine Moreau")
    expect(account.locator(".badge--late")).to_have_text("en retard")
    expect(account).to_contain_text("500,00")
    expect(console.button("Prendre")).to_be_enabled()
    expect(agent_page.get_by_label("Votre réponse au joueur")).to_be_disabled()
    shot(agent_page, "conversation-open")

    console.button("Prendre").click()
    expect(agent_page.locator("#conversation-state")).to_contain_text(
        "Vous êtes en ligne avec le joueur")
    reply_box = agent_page.get_by_label("Votre réponse au joueur")
    expect(reply_box).to_be_enabled()
    expect(item).to_contain_text("prise par vous")
    shot(agent_page, "taken")

    # The player writes while the bot is paused: the agent sees it live, as text.
    bot_count = widget.messages("bot").count()
    widget.say(PLAYER_HTML)
    expect(console.lines("user").filter(has_text="mon retrait")).to_have_text([PLAYER_HTML])
    assert agent_page.locator("#transcript img, #transcript b").count() == 0
    player_page.wait_for_timeout(1500)  # paused: the bot does not answer what the player wrote
    assert widget.messages("bot").count() == bot_count

    # The agent answers; the widget shows it as a human agent's message.
    reply = "Bonjour, je suis Alice du support : je regarde votre retrait de 500 € tout de suite."
    reply_box.fill(reply)
    reply_box.press("Enter")
    expect(reply_box).to_have_value("")
    expect(console.lines("agent").filter(has_text="je regarde votre retrait")).to_have_count(1)
    agent_message = widget.messages("agent").last
    expect(agent_message.locator(".cw-msg__text")).to_have_text(reply)
    # An agent is shown by the first name they chose (support-desk agent display-name),
    # never by their login; alice has none here.
    expect(agent_message.locator(".cw-msg__who")).to_have_text("Conseiller")
    shot(player_page, "player-sees-agent")
    shot(agent_page, "agent-replied")

    # Hand back to the bot: the player is told in French, the bot answers again.
    console.button("Rendre la main au bot").click()
    widget.wait_for("bot", HANDED_BACK)
    expect(console.queue_item(conversation_id)).to_have_count(0)
    expect(agent_page.locator("#conversation-state")).to_contain_text("n'est plus dans la file")
    shot(player_page, "handed-back")
    shot(agent_page, "handed-back-console")
    answer = widget.say_and_wait("comment faire un dépôt ?", "dépôt")
    assert answer
    shot(player_page, "bot-answers-again")

    # The history after a reload keeps the agent's message labelled as the agent's.
    player_page.reload()
    widget.wait_connected()
    expect(widget.messages("agent").locator(".cw-msg__who")).to_have_text(["Conseiller"])
    expect(console.lines("user").filter(has_text="mon retrait")).to_have_count(1)
    for page in (agent_page, player_page):
        page.watch.assert_quiet()


def test_agent_closes_an_anonymous_players_conversation(new_page, servers, shot):
    agent_page = new_page("agent")
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)
    player_page = new_page("player")
    widget = Widget(player_page).goto()  # not logged in on the casino site
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    before = widget.messages("bot").count()
    widget.say("je veux parler a un humain")
    conversation_id = widget.session_id()
    widget.wait_for("bot", "position", after=before)
    expect(console.queue_item(conversation_id)).to_be_visible(timeout=15_000)
    item = console.queue_item(conversation_id)
    expect(item).to_contain_text("Joueur anonyme")
    item.click()
    expect(agent_page.locator("#account")).to_contain_text("Joueur anonyme")
    console.button("Prendre").click()
    expect(console.button("Clôturer")).to_be_enabled()
    console.close_conversation()
    # The agent never wrote to the player: no agent is announced as closing.
    widget.wait_for("bot", "Votre demande de conseiller est terminée")
    expect(widget.messages("bot").filter(has_text="clôturé la conversation")).to_have_count(0)
    expect(console.queue_item(conversation_id)).to_have_count(0)
    expect(agent_page.locator("#notice")).to_contain_text("Conversation clôturée")
    shot(agent_page, "closed-console")
    shot(player_page, "closed-widget")


def test_agent_console_lists_and_solves_tickets(new_page, servers, shot):
    from casino_support import tickets

    database = servers.database()
    now = datetime.now(timezone.utc)
    fresh = tickets.create_ticket(
        database, conversation_id=None, player_id="P1002", email=None, category="verification",
        priority="normal", summary="Justificatif de domicile : le joueur demande quoi envoyer",
        description=None, transcript=[], account_snapshot=None)
    late = tickets.create_ticket(
        database, conversation_id=None, player_id=None, email="joueur@example.com",
        category="payments", priority="high",
        summary="<i>Retrait</i> bloqué <img src=x onerror=alert(1)>",
        description="Retrait en attente depuis 10 jours", transcript=[], account_snapshot=None,
        now=now - timedelta(days=5))
    assert late.overdue or late.due_at < now

    page = new_page("agent")
    console = Console(page)
    console.login(servers.agent_name, servers.agent_password)
    queue_tab = page.get_by_role("tab", name=re.compile("File d'attente"))
    tickets_tab = page.get_by_role("tab", name=re.compile("Tickets"))
    queue_tab.focus()
    page.keyboard.press("ArrowRight")  # keyboard: arrows move between the tabs
    expect(tickets_tab).to_have_attribute("aria-selected", "true")
    expect(tickets_tab).to_be_focused()

    late_row = page.locator(f"tr[data-reference='{late.reference}']")
    fresh_row = page.locator(f"tr[data-reference='{fresh.reference}']")
    expect(late_row).to_be_visible()
    expect(fresh_row).to_be_visible()
    expect(late_row).to_have_class(re.compile(r"\bticket--overdue\b"))
    expect(late_row).to_contain_text("en retard")
    expect(late_row).to_contain_text("Haute")
    expect(late_row).to_contain_text("anonyme")
    expect(late_row.locator(".ticket__summary")).to_have_text(
        "<i>Retrait</i> bloqué <img src=x onerror=alert(1)>")
    expect(fresh_row).not_to_have_class(re.compile(r"\bticket--overdue\b"))
    expect(fresh_row).to_contain_text("P1002")
    expect(fresh_row).to_contain_text("Ouvert")
    # Overdue first.
    references = page.locator("#tickets-body tr").evaluate_all(
        "rows => rows.map(row => row.dataset.reference)")
    assert references.index(late.reference) < references.index(fresh.reference)
    assert page.locator("#tickets-body img, #tickets-body i").count() == 0
    shot(page, "tickets", full_page=True)

    # Solved from the opened ticket, after a confirmation (tests/browser/test_agent_tickets.py).
    page.get_by_role("button", name=f"Ouvrir le ticket {late.reference}").click()
    expect(page.locator("#ticket-view-title")).to_have_text(f"Ticket {late.reference}")
    page.locator("#ticket-view [data-status='solved']").click()
    page.get_by_role("button", name="Oui, marquer résolu").click()
    expect(page.locator("#notice")).to_contain_text(f"Ticket {late.reference} : Résolu")
    expect(late_row).to_have_count(0)
    page.get_by_label("Afficher les tickets résolus").check()
    expect(late_row).to_contain_text("Résolu")
    expect(late_row).not_to_have_class(re.compile(r"\bticket--overdue\b"))
    shot(page, "ticket-closed", full_page=True)
    assert tickets.get_ticket(database, late.reference).status == "solved"
    page.watch.assert_quiet()


def test_agent_login_is_refused_with_a_wrong_password(new_page, servers, shot):
    page = new_page("agent")
    page.goto("/casino/agent")
    expect(page.get_by_label("Nom du conseiller")).to_be_focused()
    page.get_by_label("Nom du conseiller").fill(servers.agent_name)
    page.get_by_label("Mot de passe").fill("pas-le-bon-mot-de-passe")
    page.get_by_label("Mot de passe").press("Enter")
    expect(page.get_by_role("alert")).to_have_text("Nom ou mot de passe incorrect.")
    expect(page.get_by_role("tab", name=re.compile("Tickets"))).to_be_hidden()
    assert page.evaluate("() => sessionStorage.getItem('casinoAgent.token')") is None
    shot(page, "login-refused")


def test_outside_hours_the_ticket_reference_appears_in_the_widget_and_the_console(
        new_page, servers, shot, chat_closed):
    player_page = new_page("player", viewport={"width": 1000, "height": 860})
    widget = Widget(player_page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    widget.say("je veux parler à un conseiller")
    widget.wait_for("bot", "adresse e-mail")
    widget.say("camille.roux@exemple.fr")
    widget.wait_for("bot", "Décrivez votre demande")
    widget.say("mon dépôt de 30 euros n'apparaît pas sur mon solde")
    confirmation = widget.wait_for("bot", "Votre ticket T-")
    reference = re.search(r"T-\d{4}-\d{6}", confirmation).group(0)
    assert "au plus tard" in confirmation
    shot(player_page, "ticket-in-widget")

    agent_page = new_page("agent")
    Console(agent_page).login(servers.agent_name, servers.agent_password)
    agent_page.get_by_role("tab", name=re.compile("Tickets")).click()
    row = agent_page.locator(f"tr[data-reference='{reference}']")
    expect(row).to_be_visible()
    expect(row).to_contain_text("camille.roux@exemple.fr")
    shot(agent_page, "ticket-in-console", full_page=True)

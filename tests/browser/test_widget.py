"""The player's chat widget on the demo casino page, in Chromium."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from browser_pages import Widget

XSS_TEXTS = ['<img src=x onerror=alert(1)>', '<script>alert("xss")</script> & <b>gras</b>']


def test_widget_answers_in_french_and_keeps_the_conversation_across_reloads(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    expect(page).to_have_title("Casino Lumière · Jeux de casino en ligne")
    expect(widget.panel).to_be_hidden()
    shot(page, "casino-page")

    # Accessible widget: real buttons with French labels, a polite log, a labelled input.
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    widget.launcher.click()
    expect(widget.panel).to_be_visible()
    # The launcher gives way to the panel (its own close button) while it is open.
    expect(page.locator("#cw-launcher")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#cw-launcher")).to_be_hidden()
    expect(widget.input).to_be_focused()
    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(widget.send_button).to_be_visible()
    expect(page.get_by_role("button", name="Fermer la discussion")).to_be_visible()
    widget.wait_connected()
    shot(page, "widget-open")

    widget.say("jveux retirer mes gains")
    expect(widget.messages("user").last).to_contain_text("jveux retirer mes gains")
    first = widget.wait_for("bot", "assistant automatique")
    assert widget.texts("bot")[0] == first, "the first bot message: an automated assistant"
    answer = widget.wait_for("bot", "retir", after=1)
    assert "retir" in answer
    expect(widget.messages("bot").first.locator(".cw-msg__who")).to_have_text(
        "Assistant automatique")
    shot(page, "withdraw-answer")
    before_reload = page.locator(".cw-msg").all_inner_texts()
    token = widget.session_token()
    assert token and widget.session_id() and token.startswith(widget.session_id())

    # Reload: the panel stays open and the history comes back from the server.
    page.reload()
    expect(widget.panel).to_be_visible()
    widget.wait_connected()
    expect(widget.messages("user").first).to_contain_text("jveux retirer mes gains")
    expect(page.locator(".cw-msg")).to_have_count(len(before_reload))
    # Same messages (the history puts the session-start greeting first, as the tracker has it).
    assert sorted(page.locator(".cw-msg").all_inner_texts()) == sorted(before_reload)
    assert "assistant automatique" in widget.texts("bot")[0]
    assert widget.session_token() == token
    shot(page, "after-reload")

    # Escape closes the panel and gives the focus back to the launcher.
    widget.input.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    shot(page, "closed-again")

    # "Nouvelle conversation": a new session, an empty log.
    widget.open()
    page.get_by_role("link", name="Nouvelle conversation").click()
    expect(page.locator(".cw-msg")).to_have_count(0)
    widget.wait_connected()
    assert widget.session_token() not in (None, token)
    shot(page, "new-conversation")
    assert not page.watch.page_errors and not page.watch.dialogs


def test_html_typed_by_the_player_is_shown_as_text(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    for text in XSS_TEXTS:
        before = widget.messages("bot").count()
        widget.say(text)
        expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text(text)
        expect(widget.messages("bot").nth(before)).to_be_attached(timeout=60_000)
    page.wait_for_timeout(500)
    shot(page, "html-as-text")
    assert page.locator("#cw-log img, #cw-log script, #cw-log b").count() == 0
    assert widget.texts("user") == XSS_TEXTS
    assert page.watch.dialogs == [], "a dialog fired: the page ran the player's HTML"
    assert not page.watch.page_errors

    # Same after a reload (the history comes back from the server as data).
    page.reload()
    widget.wait_connected()
    expect(widget.messages("user")).to_have_count(len(XSS_TEXTS))
    assert widget.texts("user") == XSS_TEXTS
    assert page.locator("#cw-log img, #cw-log script, #cw-log b").count() == 0
    assert page.watch.dialogs == []
    shot(page, "html-as-text-after-reload")


def test_keyboard_only_player(new_page, shot):
    """Launcher focused: Enter opens, Enter sends, Shift+Enter adds a line, Escape closes."""
    page = new_page("player")
    widget = Widget(page).goto()
    widget.launcher.focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    widget.wait_connected()
    page.keyboard.type("bonjour")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("t un robot ?")
    expect(widget.input).to_have_value("bonjour\nt un robot ?")
    before = widget.messages("bot").count()
    page.keyboard.press("Enter")
    expect(widget.input).to_have_value("")
    expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text(
        "bonjour\nt un robot ?")
    widget.wait_for("bot", "automatique", after=before)
    shot(page, "keyboard")
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()


def test_mobile_viewport(new_page, shot):
    page = new_page("mobile", viewport={"width": 390, "height": 780})
    widget = Widget(page).goto()
    shot(page, "mobile-page")
    widget.open()
    box = widget.panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    widget.say_and_wait("comment faire un dépôt", "dépôt")
    shot(page, "mobile-chat")


def test_quick_replies_send_their_payload_once(new_page, servers, shot):
    """P1003 cancels a bonus: the bot's two buttons; one click sends it, then both are off."""
    page = new_page("player")
    widget = Widget(page).goto(player_token=servers.player_token("P1003"))
    widget.open()
    widget.say_and_wait("je veux annuler mon bonus", "Confirmez-vous")
    group = page.get_by_role("group", name="Réponses proposées").last
    keep = group.get_by_role("button", name="Non, garder le bonus")
    cancel = group.get_by_role("button", name="Oui, annuler le bonus")
    expect(keep).to_be_enabled()
    expect(cancel).to_be_enabled()
    shot(page, "quick-replies")

    before = widget.messages("bot").count()
    keep.click()
    # The title is shown as the player's words; the payload (/deny) is what was sent.
    expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text(
        "Non, garder le bonus")
    expect(keep).to_be_disabled()
    expect(cancel).to_be_disabled()
    widget.wait_for("bot", "bonus est conservé", after=before)
    shot(page, "quick-reply-used")
    from casino_support import accounts

    assert accounts.bonus_status(servers.database(), "P1003") is not None, "the bonus was kept"

    # A typed "/affirm" later is text, not the old button's intent.
    widget.say("/affirm")
    page.wait_for_timeout(3000)
    assert accounts.bonus_status(servers.database(), "P1003") is not None


def test_a_message_typed_while_the_history_loads_is_kept_and_answered(new_page, shot):
    """After a reload the widget asks the server for the history. A message typed before
    the history arrives is shown at once, sent after the history, and never wiped out."""
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    bot_messages_before = len(widget.texts("bot"))

    # The server's "history" frames are held back until the test lets them go.
    held = []
    release = {"done": False}

    def hold_history(route) -> None:
        server = route.connect_to_server()

        def to_page(message) -> None:
            if not release["done"] and str(message).startswith('42["history"'):
                held.append((route, message))
            else:
                route.send(message)

        server.on_message(to_page)

    page.route_web_socket("**/socket.io/**", hold_history)
    page.reload()
    expect(widget.panel).to_be_visible()
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the widget never asked for the history"

    widget.say("mon retrait est en attente")
    expect(widget.messages("user").last).to_contain_text("mon retrait est en attente")
    shot(page, "typed-while-history-loads")
    release["done"] = True
    for route, message in held:
        route.send(message)

    widget.wait_connected()
    answer = widget.wait_for("bot", " ", after=bot_messages_before)
    assert answer
    assert widget.texts("user") == ["bonjour", "mon retrait est en attente"]
    shot(page, "kept-and-answered")

    # The server stored it once, after the earlier turn: the next history shows the same.
    page.reload()
    widget.wait_connected()
    expect(widget.messages("user")).to_have_count(2)
    assert widget.texts("user") == ["bonjour", "mon retrait est en attente"]


def test_the_player_can_write_when_the_history_never_comes(new_page, shot):
    """The server never answers the history request (e.g. its tracker store is down): after
    a few seconds the widget sends what the player typed anyway, and the bot answers."""
    page = new_page("player")

    def drop_history(route) -> None:
        server = route.connect_to_server()
        server.on_message(lambda message: None if str(message).startswith('42["history"')
                          else route.send(message))

    page.route_web_socket("**/socket.io/**", drop_history)
    widget = Widget(page).goto()
    widget.open()
    widget.say("jveux retiré mes gains")
    expect(widget.messages("user").last).to_contain_text("jveux retiré mes gains")
    assert "retir" in widget.wait_for("bot", "retir")
    assert widget.texts("user") == ["jveux retiré mes gains"]
    expect(widget.messages("user").last).not_to_have_class(re.compile(r"\bcw-msg--pending\b"))
    shot(page, "answered-without-history")

"""The player's chat widget on the demo casino page, in Chromium."""
from __future__ import annotations

import re
from typing import List, Tuple

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
    # Same messages, in the same order.
    assert page.locator(".cw-msg").all_inner_texts() == before_reload
    assert "assistant automatique" in widget.texts("bot")[0]
    assert widget.session_token() == token
    shot(page, "after-reload")

    # Escape closes the panel and gives the focus back to the launcher.
    widget.input.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
    shot(page, "closed-again")

    # "Nouvelle conversation", confirmed: a new session, an empty log.
    widget.open()
    page.get_by_role("link", name="Nouvelle conversation").click()
    page.get_by_role("button", name="Oui, recommencer").click()
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


# --- replay, turns, first open, mobile input, new conversation --------------------------------

SUPPORT_EMAIL = "support@casino-lumiere.example"  # support.yml: channels.email.address
STILL_LOOKING = "Je cherche encore"  # the channel's notice when an answer takes a while


def shown_messages(page) -> List[Tuple[str, str]]:
    """``(sender, text)`` of every message in the widget's log, top to bottom."""
    return [tuple(pair) for pair in page.evaluate(
        """() => [...document.querySelectorAll('#cw-log .cw-msg')].map((node) => [
            node.classList.contains('cw-msg--user') ? 'user' : 'bot',
            node.querySelector('.cw-msg__text')?.textContent ?? ''])""")]


def test_the_bots_messages_replay_as_sent_and_the_players_stay_masked(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    widget.say_and_wait("mot de passe oublié", SUPPORT_EMAIL)
    before = widget.messages("bot").count()
    widget.say("mon adresse est jean.dupont@exemple.fr")
    widget.wait_for("bot", " ", after=before)
    page.reload()
    widget.wait_connected()
    expect(widget.messages("user")).to_have_count(2)
    shot(page, "replayed")
    assert any(SUPPORT_EMAIL in text for text in widget.texts("bot")), widget.texts("bot")
    assert not any("[e-mail masqué]" in text for text in widget.texts("bot"))
    assert widget.texts("user") == ["mot de passe oublié", "mon adresse est [e-mail masqué]"]


def test_the_replay_keeps_the_order_the_player_saw(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "Que puis-je faire")
    widget.say_and_wait("comment faire un dépôt", "Puis-je vous aider")  # its last line
    seen = shown_messages(page)
    assert seen[0] == ("user", "bonjour")
    page.reload()
    widget.wait_connected()
    expect(page.locator(".cw-msg")).to_have_count(len(seen))
    shot(page, "replayed-in-order")
    assert shown_messages(page) == seen


def test_messages_typed_fast_are_answered_one_after_the_other(new_page, shot):
    """Ten messages typed in a row: each answer comes right after its question, with at
    most one « Je cherche encore » notice for a question."""
    questions = ["bonjour", "comment faire un dépôt", "le dépôt minimum c combien",
                 "comment retirer mes gains", "le retrait prend combien de temps",
                 "mot de passe oublié", "c koi les conditions de mise",
                 "comment valider mon compte", "vous êtes ouverts le dimanche ?", "merci"]
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    for question in questions:
        widget.say(question)
    expect(widget.messages("user")).to_have_count(len(questions))
    # Done: the last question is sent and the last message is an answer to it.
    page.wait_for_function(
        """([count, notice]) => {
            const messages = [...document.querySelectorAll('#cw-log .cw-msg')];
            const last = messages[messages.length - 1];
            return messages.filter((m) => m.classList.contains('cw-msg--user')).length === count
                && !document.querySelector('#cw-log .cw-msg--pending')
                && last.classList.contains('cw-msg--bot')
                && !last.textContent.includes(notice);
        }""", arg=[len(questions), STILL_LOOKING], timeout=10 * 60_000)
    shot(page, "ten-answers")
    turns: List[List[str]] = []
    for sender, text in shown_messages(page):
        if sender == "user":
            turns.append([text])
        else:
            assert turns, f"a bot message before the first question: {text!r}"
            turns[-1].append(text)
    assert [turn[0] for turn in turns] == questions
    for question, *replies in turns:
        notices = [reply for reply in replies if STILL_LOOKING in reply]
        assert len(notices) <= 1, f"{question!r}: {len(notices)} notices: {replies}"
        assert len(replies) > len(notices), f"{question!r} has no answer right after it: {turns}"


def test_the_first_opening_greets_and_offers_the_common_topics(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    greeting = page.locator("#cw-log .cw-welcome")
    expect(greeting).to_contain_text("assistant automatique")
    expect(greeting).to_contain_text("conseiller")
    starters = greeting.get_by_role("button")
    expect(starters).to_have_text(["Retrait", "Dépôt", "Validation du compte", "Bonus",
                                   "Parler à un conseiller"])
    expect(widget.messages("user")).to_have_count(0)
    shot(page, "greeting-and-starters")

    starters.filter(has_text="Dépôt").click()
    expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text("Dépôt")
    widget.wait_for("bot", "dépôt")
    for index in range(starters.count()):
        expect(starters.nth(index)).to_be_disabled()
    shot(page, "starter-sent")

    # An ongoing conversation opens on its history, without the starters.
    page.reload()
    widget.wait_connected()
    expect(widget.messages("user")).to_have_count(1)
    expect(page.locator("#cw-log .cw-welcome")).to_have_count(0)


def test_the_text_field_is_big_enough_that_ios_does_not_zoom(new_page, shot):
    page = new_page("mobile", viewport={"width": 390, "height": 780})
    widget = Widget(page).goto()
    widget.open()
    font_size = widget.input.evaluate("(node) => parseFloat(getComputedStyle(node).fontSize)")
    shot(page, "mobile-input")
    assert font_size >= 16, f"the text field's font is {font_size} px: iOS zooms in under 16 px"


def test_a_new_conversation_is_started_only_once_confirmed(new_page, shot):
    page = new_page("player")
    widget = Widget(page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "Que puis-je faire")  # the last message of the answer
    token = widget.session_token()
    count = page.locator(".cw-msg").count()
    new_link = page.get_by_role("link", name="Nouvelle conversation")

    new_link.click()
    confirm = page.get_by_role("group", name=re.compile("nouvelle conversation", re.I))
    expect(confirm).to_be_visible()
    shot(page, "confirm")
    confirm.get_by_role("button", name="Annuler").click()
    expect(confirm).to_be_hidden()
    expect(page.locator(".cw-msg")).to_have_count(count)
    assert widget.session_token() == token

    new_link.click()
    confirm.get_by_role("button", name="Oui, recommencer").click()
    expect(page.locator(".cw-msg")).to_have_count(0)
    widget.wait_connected()
    assert widget.session_token() not in (None, token)
    shot(page, "new-conversation")
    page.watch.assert_quiet()

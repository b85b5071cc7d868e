"""A player types HTML and scripts, then asks for a human: in Chromium, the widget and the
agent console show every message literally, and no script of the player's ever runs.

The attacks set ``window.__pwned`` or open a dialog if they run; both pages are checked
(the flag stays undefined, no dialog, no page error, no element made from the player's
text). Screenshots under results/screenshots/.
"""
from __future__ import annotations

import re

from playwright.sync_api import expect

from browser_pages import Console, Widget

ATTACKS = [
    '<img src=x onerror="window.__pwned=1;alert(1)">',
    "<script>window.__pwned=2;alert(2)</script>",
    '<svg onload="window.__pwned=3;alert(3)"></svg> mon retrait',
    '"><iframe srcdoc="<script>parent.__pwned=4</script>"></iframe>',
    '<a href="javascript:window.__pwned=5">cliquez</a> <b>gras</b> &lt;i&gt;',
    "{{constructor.constructor('window.__pwned=6')()}} ${window.__pwned=7}",
]
LIVE_ATTACK = "<img src=y onerror=\"window.__pwned=8;alert(8)\"> j'attends <u>toujours</u>"
AGENT_REPLY = "<b>Bonjour</b>, je regarde <img src=z onerror=\"window.__pwned=9\">"
INJECTED = "img, script, svg, iframe, a[href^='javascript'], b, u"


def assert_nothing_ran(*pages) -> None:
    for page in pages:
        assert page.evaluate("() => typeof window.__pwned") == "undefined", page.watch.name
        assert page.evaluate("() => typeof parent.__pwned") == "undefined", page.watch.name
        page.watch.assert_quiet()


def test_a_players_html_reaches_the_agent_console_as_plain_text(new_page, servers, shot):
    agent_page = new_page("agent")
    console = Console(agent_page)
    console.login(servers.agent_name, servers.agent_password)

    player_page = new_page("player", viewport={"width": 1000, "height": 860})
    widget = Widget(player_page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    for attack in ATTACKS:  # each gets a French answer from the bot, whatever it is
        before = widget.messages("bot").count()
        widget.say(attack)
        widget.wait_for("bot", " ", after=before)
    before = widget.messages("bot").count()
    widget.say("je veux parler à un conseiller")
    widget.wait_for("bot", "position", after=before)
    conversation_id = widget.session_id()

    # The widget shows what the player typed, as typed.
    assert widget.texts("user")[1:1 + len(ATTACKS)] == ATTACKS
    assert player_page.locator(f"#chat-widget .cw-msg :is({INJECTED})").count() == 0
    shot(player_page, "widget-shows-html-as-text")

    # The console: the queue, then the transcript loaded from the server, as text.
    item = console.queue_item(conversation_id)
    expect(item).to_be_visible(timeout=15_000)
    item.click()
    expect(console.lines("user").filter(has_text="je veux parler")).to_have_count(1)
    shown = console.lines("user").all_text_contents()
    for attack in ATTACKS:
        assert attack in shown, f"{attack!r} not shown literally: {shown}"
    assert agent_page.locator(f"#transcript :is({INJECTED})").count() == 0
    assert agent_page.locator(f"#queue-list :is({INJECTED})").count() == 0
    shot(agent_page, "console-transcript-html-as-text")

    # Live, once the agent took the conversation: the player's message and the agent's.
    console.button("Prendre").click()
    reply_box = agent_page.get_by_label("Votre réponse au joueur")
    expect(reply_box).to_be_enabled()
    widget.say(LIVE_ATTACK)
    expect(console.lines("user").filter(has_text="j'attends")).to_have_text([LIVE_ATTACK])
    reply_box.fill(AGENT_REPLY)
    reply_box.press("Enter")
    expect(widget.messages("agent").last.locator(".cw-msg__text")).to_have_text(AGENT_REPLY)
    assert agent_page.locator(f"#transcript :is({INJECTED})").count() == 0
    assert player_page.locator(f"#chat-widget .cw-msg :is({INJECTED})").count() == 0
    shot(agent_page, "console-live-html-as-text")
    shot(player_page, "widget-agent-reply-as-text")

    # After a reload, from the stored history: still text.
    player_page.reload()
    widget.wait_connected()
    expect(widget.messages("user").filter(has_text="j'attends")).to_have_count(1)
    assert player_page.locator(f"#chat-widget .cw-msg :is({INJECTED})").count() == 0
    assert_nothing_ran(player_page, agent_page)
    console.close_conversation()
    widget.wait_for("bot", "clôturé la conversation")


def test_a_ticket_written_in_html_is_listed_as_text(new_page, servers, shot, chat_closed):
    player_page = new_page("player")
    widget = Widget(player_page).goto()
    widget.open()
    widget.say_and_wait("je veux parler à un conseiller", "adresse e-mail")
    widget.say("joueur.malin@exemple.fr")
    widget.wait_for("bot", "Décrivez votre demande")
    description = '<img src=x onerror="window.__pwned=10;alert(10)"> retrait <script>alert(11)</script>'
    widget.say(description)
    confirmation = widget.wait_for("bot", "Votre ticket T-")
    reference = re.search(r"T-\d{4}-\d{6}", confirmation).group(0)

    agent_page = new_page("agent")
    Console(agent_page).login(servers.agent_name, servers.agent_password)
    agent_page.get_by_role("tab", name=re.compile("Tickets")).click()
    row = agent_page.locator(f"tr[data-reference='{reference}']")
    expect(row).to_be_visible()
    expect(row.locator(".ticket__summary")).to_have_text(description[:120])
    assert agent_page.locator(f"#tickets-body :is({INJECTED})").count() == 0
    shot(agent_page, "ticket-html-as-text", full_page=True)
    assert_nothing_ran(player_page, agent_page)

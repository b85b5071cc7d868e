"""The widget and the agent console as a person uses them (labels and roles, not ids)."""
from __future__ import annotations

import re
from typing import Any, List, Optional, Tuple

from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

REPLY_TIMEOUT = 60_000  # ms: the first message of a run loads the NLU pipeline


class Widget:
    def __init__(self, page: Any):
        self.page = page

    def goto(self, player_token: Optional[str] = None) -> "Widget":
        url = "/casino/widget" + (f"?player_token={player_token}" if player_token else "")
        self.page.goto(url)
        return self

    @property
    def launcher(self):
        return self.page.get_by_role("button", name=re.compile(r"^Ouvrir l'aide en ligne"))

    @property
    def panel(self):
        return self.page.get_by_role("dialog", name="Aide en ligne")

    @property
    def log(self):
        return self.page.get_by_role("log")

    @property
    def input(self):
        return self.page.get_by_label("Votre message")

    @property
    def send_button(self):
        return self.page.get_by_role("button", name="Envoyer le message")

    def open(self) -> None:
        if not self.panel.is_visible():
            self.launcher.click()
        expect(self.panel).to_be_visible()
        self.wait_connected()

    def wait_connected(self) -> None:
        expect(self.page.locator("#chat-widget[data-session-ready='true']")).to_have_count(
            1, timeout=REPLY_TIMEOUT)

    def messages(self, sender: str):
        return self.page.locator(f".cw-msg--{sender}")

    def texts(self, sender: str) -> List[str]:
        return self.page.locator(f".cw-msg--{sender} .cw-msg__text").all_text_contents()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def say_and_wait(self, text: str, expected: str, sender: str = "bot") -> str:
        """Send ``text``; the first new ``sender`` message containing ``expected``."""
        before = self.messages(sender).count()
        self.say(text)
        return self.wait_for(sender, expected, before)

    def wait_for(self, sender: str, expected: str, after: int = 0) -> str:
        """The text of the first ``sender`` message from index ``after`` on that contains
        ``expected`` (waits for it)."""
        selector = f".cw-msg--{sender} .cw-msg__text"
        try:
            handle = self.page.wait_for_function(
                """([selector, after, expected]) => {
                    const found = [...document.querySelectorAll(selector)].slice(after)
                        .find((node) => node.textContent.includes(expected));
                    return found ? found.textContent : false;
                }""", arg=[selector, after, expected], timeout=REPLY_TIMEOUT)
        except PlaywrightTimeoutError:
            shown = self.page.locator(".cw-msg").all_inner_texts()
            raise AssertionError(f"no {sender} message containing {expected!r} after "
                                 f"message {after}; the widget shows: {shown}") from None
        return handle.json_value()

    def session_id(self) -> Optional[str]:
        return self.page.evaluate("() => localStorage.getItem('casinoSupport.sessionId')")

    def session_token(self) -> Optional[str]:
        return self.page.evaluate("() => localStorage.getItem('casinoSupport.sessionToken')")


class Console:
    def __init__(self, page: Any):
        self.page = page

    def login(self, name: str, password: str) -> None:
        self.page.goto("/casino/agent")
        self.page.get_by_label("Nom du conseiller").fill(name)
        self.page.get_by_label("Mot de passe").fill(password)
        self.page.get_by_role("button", name="Se connecter").click()
        expect(self.page.locator("#presence-text")).to_have_text("En ligne", timeout=30_000)

    def queue_item(self, conversation_id: str):
        return self.page.locator(f".queue-item[data-conversation-id='{conversation_id}']")

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    @property
    def transcript(self):
        return self.page.get_by_role("log")

    def lines(self, sender: str):
        return self.page.locator(f"#transcript .line--{sender} .line__text")

    def close_conversation(self) -> None:
        """« Clôturer », then confirm in the dialog the console opens first."""
        self.button("Clôturer").click()
        dialog = self.page.get_by_role("dialog", name="Clôturer la conversation ?")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Clôturer la conversation").click()
        expect(dialog).to_be_hidden()


def player_waiting_for_an_agent(page: Any) -> Tuple["Widget", str]:
    """A player opens the widget and asks for an agent (the chat is open and an agent is
    online, so they join the queue); returns the widget and the conversation id."""
    widget = Widget(page).goto()
    widget.open()
    widget.say_and_wait("bonjour", "assistant automatique")
    widget.say("je veux parler à un conseiller")
    widget.wait_for("bot", "position")
    return widget, str(widget.session_id())
